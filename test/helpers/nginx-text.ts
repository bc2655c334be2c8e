/** Text as nginx writes it into access logs, and fast-check arbitraries of values, for the property tests. */
import fc from 'fast-check';

/** ngx_http_log_escape: `"`, `\` and bytes outside 0x20–0x7e as `\xHH`. */
export function nginxEscape(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out += byte === 0x22 || byte === 0x5c || byte < 0x20 || byte > 0x7e ? '\\x' + byte.toString(16).toUpperCase().padStart(2, '0') : String.fromCharCode(byte);
  }
  return out;
}

/** A value as nginx writes it, `-` when empty. */
export const orDash = (value: string): string => (value === '' ? '-' : nginxEscape(value));

/** Any well-formed text (nginx escapes what it must). */
export const wellFormedText = fc.string({ unit: 'binary', maxLength: 40 }).filter((value) => value.isWellFormed());

/** What most traffic logs: printable ASCII nginx writes as it is (no `"` or `\\`), so no escape in the line. */
export const plainText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).filter((c) => c !== 0x22 && c !== 0x5c).map((c) => String.fromCharCode(c)), maxLength: 40 });

/** `line` with each edit applied in turn: at a position (modulo the length), remove some characters, insert a text. */
export function damaged(line: string, edits: ReadonlyArray<[number, number, string]>): string {
  let out = line;
  for (const [at, remove, insert] of edits) {
    const position = at % (out.length + 1);
    out = out.slice(0, position) + insert + out.slice(position + remove);
  }
  return out;
}
