/**
 * Fixed-width decimal fields read by character code, for the timestamp parsers on hot paths (nginx times,
 * container runtime times, the store's canonical dates), where a regex or `Number(slice)` per field costs
 * more than the whole rest of the parse.
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
