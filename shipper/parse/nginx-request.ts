/**
 * The HTTP request line as nginx logs it (`$request`, and `request: "…"` in the error log):
 * `GET /search?q=x HTTP/1.1` → method, url (original, path, query) and version.
 *
 * nginx also logs what is not a request at all, with status 400: `GARBAGE`, an empty string, or a
 * TLS handshake sent to a plain-HTTP port (`\x16\x03\x01…`). Such a line still parses; only
 * `url.original` is kept, because guessing a method or path from noise would mislead searches.
 */

/**
 * Where the parts go: the parser's record-in-progress (`NginxFields`) has these properties, so the
 * parts are written straight into it; no object per line for the split itself.
 * Only parts that exist are written.
 */
export interface RequestParts {
  /** The target as written (`/search?q=x`), or the whole value when it is not a request line. */
  urlOriginal?: string | undefined;
  method?: string | undefined;
  urlPath?: string | undefined;
  /** Query string without the `?`; absent when empty. */
  urlQuery?: string | undefined;
  /** `1.1` from `HTTP/1.1`. */
  httpVersion?: string | undefined;
}

/** A method token: letters, `-` and `_` (`GET`, `PROPFIND`, `M-SEARCH`). */
function isMethodToken(text: string, end: number): boolean {
  if (end === 0) return false;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (!letter && c !== 45 && c !== 95) return false;
  }
  return true;
}

/**
 * Path and query of a request target: origin form (`/a?b`) or absolute form (`http://host/a?b`,
 * what proxies are sent). The path is kept as written (percent-encoding included), like the log.
 * A target of neither form (`*`, noise) gets no path.
 */
export function readUrl(target: string, into: RequestParts): void {
  let pathStart = 0;
  if (target.charCodeAt(0) !== 47 /* / */) {
    const scheme = target.indexOf('://');
    if (scheme < 0) return;
    pathStart = target.indexOf('/', scheme + 3);
    if (pathStart < 0) {
      into.urlPath = '/';
      const queryOnly = target.indexOf('?', scheme + 3);
      if (queryOnly >= 0 && queryOnly < target.length - 1) into.urlQuery = target.slice(queryOnly + 1);
      return;
    }
  }
  const hash = target.indexOf('#', pathStart);
  const end = hash < 0 ? target.length : hash;
  const question = target.indexOf('?', pathStart);
  if (question < 0 || question >= end) {
    into.urlPath = target.slice(pathStart, end);
    return;
  }
  into.urlPath = target.slice(pathStart, question);
  if (question + 1 < end) into.urlQuery = target.slice(question + 1, end);
}

/** Splits a (decoded) request line; never fails: what is not a request line keeps only `urlOriginal`. */
export function readRequestLine(line: string, into: RequestParts): void {
  const firstSpace = line.indexOf(' ');
  if (firstSpace <= 0 || !isMethodToken(line, firstSpace)) {
    into.urlOriginal = line;
    return;
  }
  const lastSpace = line.lastIndexOf(' ');
  let target: string;
  let version: string | undefined;
  if (lastSpace > firstSpace && line.startsWith('HTTP/', lastSpace + 1)) {
    target = line.slice(firstSpace + 1, lastSpace);
    version = line.slice(lastSpace + 6);
  } else {
    // HTTP/0.9 style `GET /`: only believable when the target looks like a path.
    target = line.slice(firstSpace + 1);
    if (target.charCodeAt(0) !== 47) {
      into.urlOriginal = line;
      return;
    }
  }
  if (target.length === 0) {
    into.urlOriginal = line;
    return;
  }
  into.method = line.slice(0, firstSpace);
  into.urlOriginal = target;
  if (version) into.httpVersion = version;
  readUrl(target, into);
}
