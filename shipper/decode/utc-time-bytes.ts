/**
 * An application's UTC time written in bytes — `YYYY-MM-DDThh:mm:ssZ` or with 1 to 9 fraction digits, the
 * shape of most loggers' `@timestamp` — to its canonical form (`toCanonicalUtc`'s: 9 fraction digits),
 * written straight from the bytes: the collector's JSON layouts convert one per line, and this spares
 * the strings `toCanonicalUtc` makes. Any other shape (an offset, more digits, lower-case letters) is left
 * to `toCanonicalUtc`; a time of this shape that is not a valid date-time is refused, as it refuses it.
 * Its answers depend on the bytes alone (it remembers the last two dates and minutes found valid, see below).
 */
import { daysInMonth } from '../kit/calendar.ts';
import { byteDigitAt, byteDigitsAt } from '../kit/decimal-digits.ts';
import { memoryViewOf } from './memory-views.ts';

/** How long the canonical form is. */
export const CANONICAL_UTC_BYTES = 30;

/** True when `bytes[from, to)` is a valid time of the shape above. */
export function isUtcTimeBytes(bytes: Uint8Array, from: number, to: number): boolean {
  const length = to - from;
  if (length < 20 || length > 30 || length === 21 || bytes[to - 1] !== 0x5a /* Z */) return false;
  const memory = memoryViewOf(bytes);
  const at = bytes.byteOffset + from;
  if (length > 21 && isKnownMinute(memory, at) && isFractionTail(bytes, memory, from, to)) return true;
  if (bytes[from + 4] !== 0x2d || bytes[from + 7] !== 0x2d || bytes[from + 10] !== 0x54 || bytes[from + 13] !== 0x3a || bytes[from + 16] !== 0x3a) return false;
  if (length > 20) {
    if (bytes[from + 19] !== 0x2e /* . */) return false;
    for (let i = from + 20; i < to - 1; i++) if (byteDigitAt(bytes, i) < 0) return false;
  }
  const second = byteDigitsAt(bytes, from + 17, 2);
  // A leap second (:60) is refused, as toCanonicalUtc refuses it.
  if (second < 0 || second > 59) return false;
  if (isKnownMinute(memory, at)) return true;
  const year = byteDigitsAt(bytes, from, 4);
  const month = byteDigitsAt(bytes, from + 5, 2);
  const day = byteDigitsAt(bytes, from + 8, 2);
  const hour = byteDigitsAt(bytes, from + 11, 2);
  const minute = byteDigitsAt(bytes, from + 14, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59) return false;
  if (day > 28 && day > daysInMonth(year, month)) return false;
  rememberMinute(memory, at);
  return true;
}

/**
 * `:ss.` and the fraction's digits of a time whose date and minute are known valid, four bytes at a time
 * (dockerd's 9 digits on every line, an application's 3 or 6). Byte by byte, with the date and minute
 * compared byte by byte too, this was ≈ 4.5 % of the collector's CPU. False whenever anything differs;
 * the byte reader then decides. The caller checked the length (22–30) and the final `Z`.
 */
function isFractionTail(bytes: Uint8Array, memory: DataView<ArrayBufferLike>, from: number, to: number): boolean {
  // Bytes 16–19, little-endian: ':' first, '.' last, the seconds between (00–59).
  const seconds = memory.getInt32(bytes.byteOffset + from + 16, true);
  if ((seconds & 0xff) !== 0x3a || (seconds >>> 24) !== 0x2e) return false;
  const tens = ((seconds >>> 8) & 0xff) - 0x30;
  const ones = ((seconds >>> 16) & 0xff) - 0x30;
  if (tens < 0 || tens > 5 || ones < 0 || ones > 9) return false;
  const digitsEnd = to - 1;
  let i = from + 20;
  for (; i + 4 <= digitsEnd; i += 4) if (!areFourDigits(memory.getInt32(bytes.byteOffset + i, true))) return false;
  for (; i < digitsEnd; i++) {
    const digit = bytes[i]! - 0x30;
    if (digit < 0 || digit > 9) return false;
  }
  return true;
}

/**
 * Whether each byte of `word` is an ASCII digit (0x30–0x39): its high nibble is 3, and adding 6 leaves
 * it 3 (0x3A–0x3F would carry into 0x4_). No byte can carry into the next: each is at most 0x39 + 6.
 */
function areFourDigits(word: number): boolean {
  return (word & 0xf0f0f0f0) === 0x30303030 && (((word + 0x06060606) | 0) & 0xf0f0f0f0) === 0x30303030;
}

/**
 * `YYYY-MM-DDThh:mm` of the last two times found valid, as little-endian words (four per minute).
 * Consecutive lines nearly always share them, and whether a date and minute are valid depends on those
 * bytes alone: comparing four words is cheaper than reading and checking the five numbers again (this runs
 * for every docker line's time). Two, because a line's own time and its application's `@timestamp` may
 * lie in different minutes, and would otherwise push each other out. They start as a valid minute's (the
 * Unix epoch's), never as zeros: a match is not followed by the separators' checks.
 */
const MINUTE_WORDS = 4;
const knownMinutes = new Int32Array(2 * MINUTE_WORDS);
const EPOCH_MINUTE = Buffer.from('1970-01-01T00:00', 'latin1');
for (let i = 0; i < 2 * MINUTE_WORDS; i++) knownMinutes[i] = EPOCH_MINUTE.readInt32LE(4 * (i % MINUTE_WORDS));
/** The entry the next minute found valid replaces: the older one. */
let replaceNext = 0;

/** Whether the 16 bytes at `at` of the memory are one of the two remembered minutes. */
function isKnownMinute(memory: DataView<ArrayBufferLike>, at: number): boolean {
  const w0 = memory.getInt32(at, true);
  const w1 = memory.getInt32(at + 4, true);
  const w2 = memory.getInt32(at + 8, true);
  const w3 = memory.getInt32(at + 12, true);
  return (w0 === knownMinutes[0] && w1 === knownMinutes[1] && w2 === knownMinutes[2] && w3 === knownMinutes[3])
    || (w0 === knownMinutes[4] && w1 === knownMinutes[5] && w2 === knownMinutes[6] && w3 === knownMinutes[7]);
}

function rememberMinute(memory: DataView<ArrayBufferLike>, at: number): void {
  const base = replaceNext * MINUTE_WORDS;
  for (let i = 0; i < MINUTE_WORDS; i++) knownMinutes[base + i] = memory.getInt32(at + 4 * i, true);
  replaceNext ^= 1;
}

/** Writes the canonical form of a time `isUtcTimeBytes` accepted at `pos`; returns the position after it. */
export function writeCanonicalUtc(bytes: Uint8Array, from: number, to: number, target: Uint8Array, pos: number): number {
  for (let i = 0; i < 19; i++) target[pos + i] = bytes[from + i]!;
  target[pos + 19] = 0x2e;
  const digits = to - from > 20 ? to - from - 21 : 0;
  for (let i = 0; i < 9; i++) target[pos + 20 + i] = i < digits ? bytes[from + 20 + i]! : 0x30;
  target[pos + 29] = 0x5a;
  return pos + CANONICAL_UTC_BYTES;
}
