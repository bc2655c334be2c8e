/**
 * The HTTP request line as nginx logs it (`$request`, and `request: "…"` in the error log):
 * `GET /search?q=x HTTP/1.1` → method, url (original, path, query) and version.
 *
 * nginx also logs what is not a request at all, with status 400: `GARBAGE`, an empty string, or a
 * TLS handshake sent to a plain-HTTP port (`\x16\x03\x01…`). Such a line still parses; only
 * `url.original` is kept, because guessing a method or path from noise would mislead searches.
 */

export interface RequestLine {
  /** The target as written (`/search?q=x`), or the whole value when it is not a request line. */
  readonly original: string;
  readonly method?: string;
  readonly path?: string;
  /** Query string without the `?`; absent when empty. */
  readonly query?: string;
  /** `1.1` from `HTTP/1.1`. */
  readonly version?: string;
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

export interface UrlParts {
  readonly path?: string;
  readonly query?: string;
}

/**
 * Path and query of a request target: origin form (`/a?b`) or absolute form (`http://host/a?b`,
 * what proxies are sent). The path is kept as written (percent-encoding included), like the log.
 */
export function splitUrl(target: string): UrlParts {
  let pathStart = 0;
  if (target.charCodeAt(0) !== 47 /* / */) {
    const scheme = target.indexOf('://');
    if (scheme < 0) return {};
    pathStart = target.indexOf('/', scheme + 3);
    if (pathStart < 0) {
      const queryOnly = target.indexOf('?', scheme + 3);
      return queryOnly < 0 || queryOnly === target.length - 1 ? { path: '/' } : { path: '/', query: target.slice(queryOnly + 1) };
    }
  }
  const hash = target.indexOf('#', pathStart);
  const end = hash < 0 ? target.length : hash;
  const question = target.indexOf('?', pathStart);
  if (question < 0 || question >= end) return { path: target.slice(pathStart, end) };
  const path = target.slice(pathStart, question);
  return question + 1 < end ? { path, query: target.slice(question + 1, end) } : { path };
}

/** Splits a (decoded) request line; never fails: what is not a request line keeps only `original`. */
export function splitRequestLine(line: string): RequestLine {
  const firstSpace = line.indexOf(' ');
  if (firstSpace <= 0 || !isMethodToken(line, firstSpace)) return { original: line };
  const method = line.slice(0, firstSpace);
  const lastSpace = line.lastIndexOf(' ');
  let target: string;
  let version: string | undefined;
  if (lastSpace > firstSpace && line.startsWith('HTTP/', lastSpace + 1)) {
    target = line.slice(firstSpace + 1, lastSpace);
    version = line.slice(lastSpace + 6);
  } else {
    // HTTP/0.9 style `GET /`: only believable when the target looks like a path.
    target = line.slice(firstSpace + 1);
    if (target.charCodeAt(0) !== 47) return { original: line };
  }
  if (target.length === 0) return { original: line };
  const { path, query } = splitUrl(target);
  // Absent parts stay `undefined` rather than being spread in conditionally: this runs per line.
  return { original: target, method, path, query, version: version || undefined };
}
