/**
 * Fixed-width decimal fields read by character code, for the timestamp parsers on hot paths (nginx times,
 * container runtime times, the store's canonical dates), where a regex or `Number(slice)` per field costs
 * more than the whole rest of the parse; from text, or from bytes (container times read in place).
 */

/** The digit at `at`, or -1 when the character there is not 0–9 (or there is none). */
export function digitAt(text: string, at: number): number {
  const digit = text.charCodeAt(at) - 48;
  return digit >= 0 && digit <= 9 ? digit : -1;
}

/** The number written by the `length` digits at `at`, or -1 when any of them is not a digit. */
export function digitsAt(text: string, at: number, length: number): number {
  let value = 0;
  for (let i = at; i < at + length; i++) {
    const digit = digitAt(text, i);
    if (digit < 0) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** `digitAt` of the byte at `at`. */
export function byteDigitAt(bytes: Uint8Array, at: number): number {
  const digit = (bytes[at] ?? 0) - 48;
  return digit >= 0 && digit <= 9 ? digit : -1;
}

/** `digitsAt` of the bytes at `at`. */
export function byteDigitsAt(bytes: Uint8Array, at: number, length: number): number {
  let value = 0;
  for (let i = at; i < at + length; i++) {
    const digit = byteDigitAt(bytes, i);
    if (digit < 0) return -1;
    value = value * 10 + digit;
  }
  return value;
}
