/**
 * Undoing nginx's escaping of variable values in access logs.
 *
 * With the default `escape=default`, nginx writes `"`, `\` and every byte below 0x20 or above 0x7e
 * as `\xHH` (ngx_http_log_escape). So `\x22` is a quote, `\x5C` a backslash, and a UTF-8 user agent
 * arrives as `\xC3\xA9`. We turn escaped bytes back into text; bytes that are not valid UTF-8
 * (a TLS handshake sent to a plain-HTTP port) stay written as `\xHH`, so nothing is lost or replaced
 * by U+FFFD. The raw line is kept in `message` anyway.
 *
 * With `escape=json`, values are JSON string contents (`\"`, `\\`, `\n`, `\u0001`).
 */

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[65 + i] = 10 + i;
  HEX_VALUE[97 + i] = 10 + i;
}

function hexDigit(code: number): number {
  return code < 128 ? HEX_VALUE[code]! : -1;
}

/** Byte value of a `\xHH` escape starting at `at`, or -1 when there is none. */
function escapedByteAt(text: string, at: number): number {
  if (text.charCodeAt(at) !== 92 /* \ */ || text.charCodeAt(at + 1) !== 120 /* x */) return -1;
  const high = hexDigit(text.charCodeAt(at + 2));
  const low = hexDigit(text.charCodeAt(at + 3));
  return high < 0 || low < 0 ? -1 : high * 16 + low;
}

/** Length of the UTF-8 sequence a lead byte announces, or 0 for a byte that cannot start one. */
function utf8SequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

function hex2(byte: number): string {
  return '\\x' + byte.toString(16).toUpperCase().padStart(2, '0');
}

/**
 * Decodes a run of escaped bytes: valid UTF-8 sequences become text, everything else stays `\xHH`.
 * Overlong forms and surrogates are rejected by checking the decoded code point's range.
 */
function decodeByteRun(bytes: readonly number[]): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    const length = utf8SequenceLength(lead);
    if (length === 1) {
      out += String.fromCharCode(lead);
      i += 1;
      continue;
    }
    let codePoint = length === 2 ? lead & 0x1f : length === 3 ? lead & 0x0f : lead & 0x07;
    let valid = length > 0 && i + length <= bytes.length;
    for (let k = 1; valid && k < length; k++) {
      const next = bytes[i + k]!;
      if ((next & 0xc0) !== 0x80) valid = false;
      else codePoint = (codePoint << 6) | (next & 0x3f);
    }
    const minimum = length === 2 ? 0x80 : length === 3 ? 0x800 : 0x10000;
    if (valid && codePoint >= minimum && codePoint <= 0x10ffff && !(codePoint >= 0xd800 && codePoint <= 0xdfff)) {
      out += String.fromCodePoint(codePoint);
      i += length;
    } else {
      out += hex2(lead);
      i += 1;
    }
  }
  return out;
}

/** Decodes nginx's default `\xHH` escaping. Values without a backslash are returned as they are. */
export function decodeNginxEscapes(value: string): string {
  let backslash = value.indexOf('\\');
  if (backslash < 0) return value;
  let out = value.slice(0, backslash);
  let i = backslash;
  while (i < value.length) {
    const byte = escapedByteAt(value, i);
    if (byte < 0) {
      // A backslash nginx did not write as an escape (it always escapes its own): keep it as is.
      backslash = value.indexOf('\\', i + 1);
      const end = backslash < 0 ? value.length : backslash;
      out += value.slice(i, end);
      i = end;
      continue;
    }
    const run: number[] = [];
    let at = i;
    for (let b = byte; b >= 0; b = escapedByteAt(value, at)) {
      run.push(b);
      at += 4;
    }
    out += decodeByteRun(run);
    i = at;
    backslash = value.indexOf('\\', i);
    const end = backslash < 0 ? value.length : backslash;
    out += value.slice(i, end);
    i = end;
  }
  return out;
}

/**
 * Decodes a JSON-escaped value (`escape=json` in a format that is not itself a JSON object).
 * A value that is not valid JSON string content is returned as written rather than failing the line.
 */
export function decodeJsonEscapes(value: string): string {
  if (value.indexOf('\\') < 0) return value;
  try {
    const decoded: unknown = JSON.parse('"' + value + '"');
    return typeof decoded === 'string' ? decoded : value;
  } catch {
    return value;
  }
}
