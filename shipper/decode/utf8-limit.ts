/**
 * Byte limits on JavaScript strings: content limits (`maxBytes`) are about what Elasticsearch stores,
 * which is UTF-8, while strings count UTF-16 code units.
 */

const encoder = new TextEncoder();
let scratch = new Uint8Array(0);

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** True when `text` cannot exceed `maxBytes` in UTF-8, decided without encoding it (3 bytes per code unit at most). */
export function surelyFits(text: string, maxBytes: number): boolean {
  return text.length * 3 <= maxBytes;
}

/**
 * The longest prefix of `text` whose UTF-8 encoding fits `maxBytes`, never splitting a character
 * (a surrogate pair stays whole or goes whole).
 */
export function cutToUtf8Bytes(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  if (surelyFits(text, maxBytes)) return text;
  if (scratch.length < maxBytes) scratch = new Uint8Array(maxBytes);
  // encodeInto writes whole characters only and reports how many code units it consumed.
  const { read } = encoder.encodeInto(text, scratch.subarray(0, maxBytes));
  return text.slice(0, read);
}
