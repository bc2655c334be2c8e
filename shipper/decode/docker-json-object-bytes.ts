/**
 * An application's flat JSON object as docker writes it inside a json-file line's `log` value, read in
 * place from the line's bytes: `{\"level\":\"info\",\"n\":3,\"ok\":true}` (docker's escaping of the
 * application's quotes included) → where each key and value lies, and what kind of value it is.
 *
 * Deliberately narrow, so that each value's bytes are already what `JSON.stringify` writes for it and a
 * record can copy them (see ../collector/json-layout-records.ts): keys and strings hold no escape of their
 * own (no backslash but docker's `\"` around them and Go's escapes of `&<>` and U+2028/9, no control character), numbers are written as
 * `JSON.stringify` writes them (no `-0`, `1.0` or `1e3`, nothing past a double's precision), values are never objects or arrays, and any
 * non-ASCII text is valid UTF-8. Spaces between tokens are allowed. Anything else returns false and the
 * line goes the careful way. Pure; writes `into`, allocates nothing once `into` has grown.
 */
import { isUtf8 } from 'node:buffer';
import { copyBytes } from './copy-bytes.ts';

/** What a value is. Kinds other than STRING and NUMBER are the same bytes in every line that has them. */
export const STRING = 0;
export const EMPTY_STRING = 1;
export const NUMBER = 2;
export const TRUE = 3;
export const FALSE = 4;
export const NULL = 5;

export interface FlatObjectBytes {
  /** Members read; the arrays below may be longer (reused). */
  count: number;
  /** Member i's key is `bytes[keyStart[i], keyEnd[i])`, without its quotes. */
  keyStart: number[];
  keyEnd: number[];
  /** Its value: a string without its (escaped) quotes, a number as written, or a literal. */
  valueStart: number[];
  valueEnd: number[];
  kind: number[];
  /**
   * Bytes a string value loses when docker's escapes of `&`, `<`, `>`, U+2028 and U+2029 (`\u0026`, …,
   * which Go's JSON writes and `JSON.stringify` does not) are written as the characters (see
   * `copyUnescaped`); 0 for a value without them.
   */
  saved: number[];
  /** All members' `saved`: what the whole message loses. */
  savedInAll: number;
}

export function emptyFlatObject(): FlatObjectBytes {
  return { count: 0, keyStart: [], keyEnd: [], valueStart: [], valueEnd: [], kind: [], saved: [], savedInAll: 0 };
}

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const SPACE = 0x20;
/** Integers of up to this many digits survive a round trip through a double. */
const MOST_DIGITS = 15;

/**
 * True when `bytes[from, to)` (a docker `log` value without its `\n`) is exactly a flat JSON object of
 * the narrow kind described above; its members are written to `into`.
 */
export function readFlatObjectBytes(bytes: Buffer, from: number, to: number, into: FlatObjectBytes): boolean {
  if (to - from < 2 || bytes[from] !== 0x7b /* { */ || bytes[to - 1] !== 0x7d /* } */) return false;
  highSeen = false;
  let count = 0;
  let savedInAll = 0;
  into.savedInAll = 0;
  let i = skipSpaces(bytes, from + 1, to);
  if (i === to - 1) {
    into.count = 0;
    return true;
  }
  for (;;) {
    // A key: `\"…\"`.
    if (bytes[i] !== BACKSLASH || bytes[i + 1] !== QUOTE) return false;
    const keyStart = i + 2;
    const keyEnd = stringEnd(bytes, keyStart, to);
    if (keyEnd < 0 || saved > 0) return false;
    i = skipSpaces(bytes, keyEnd + 2, to);
    if (bytes[i] !== 0x3a /* : */) return false;
    i = skipSpaces(bytes, i + 1, to);
    let valueStart = i;
    let valueEnd: number;
    let kind: number;
    let valueSaved = 0;
    const first = bytes[i];
    if (first === BACKSLASH) {
      if (bytes[i + 1] !== QUOTE) return false;
      valueStart = i + 2;
      valueEnd = stringEnd(bytes, valueStart, to);
      if (valueEnd < 0) return false;
      valueSaved = saved;
      kind = valueEnd === valueStart ? EMPTY_STRING : STRING;
      i = valueEnd + 2;
    } else if (first === 0x2d /* - */ || (first !== undefined && first >= 0x30 && first <= 0x39)) {
      valueEnd = numberEnd(bytes, i, to);
      if (valueEnd < 0) return false;
      kind = NUMBER;
      i = valueEnd;
    } else {
      kind = literalAt(bytes, i, to);
      if (kind < 0) return false;
      valueEnd = i + (kind === FALSE ? 5 : 4);
      i = valueEnd;
    }
    if (count === into.keyStart.length) {
      into.keyStart.push(0);
      into.keyEnd.push(0);
      into.valueStart.push(0);
      into.valueEnd.push(0);
      into.kind.push(0);
      into.saved.push(0);
    }
    into.keyStart[count] = keyStart;
    into.keyEnd[count] = keyEnd;
    into.valueStart[count] = valueStart;
    into.valueEnd[count] = valueEnd;
    into.kind[count] = kind;
    into.saved[count] = valueSaved;
    savedInAll += valueSaved;
    count++;
    i = skipSpaces(bytes, i, to);
    if (i === to - 1) break;
    if (bytes[i] !== 0x2c /* , */) return false;
    i = skipSpaces(bytes, i + 1, to);
  }
  into.count = count;
  into.savedInAll = savedInAll;
  // Only strings can hold bytes above ASCII (numbers and literals are checked byte by byte), so what
  // `stringEnd` saw of keys and string values decides whether the UTF-8 check is needed.
  return !highSeen || isUtf8(bytes.subarray(from, to));
}

function skipSpaces(bytes: Buffer, at: number, to: number): number {
  while (at < to && bytes[at] === SPACE) at++;
  return at;
}

/** Whether a `stringEnd` since the object's start met a byte above ASCII (module-level: this runs per value). */
let highSeen = false;

/** What the last `stringEnd` found: bytes its escapes of Go's lose when unescaped (module-level: this runs per value). */
let saved = 0;

/**
 * Where a string's content starting at `at` ends: at its closing `\"`. Negative when the string holds an
 * escape of its own (other than Go's `\u0026`, `\u003c`, `\u003e`, `\u2028`, `\u2029`, see
 * `goEscapeSaves`), a raw quote or a control character, or does not close. Sets `saved`, and `highSeen` on a byte above ASCII.
 */
function stringEnd(bytes: Buffer, at: number, to: number): number {
  saved = 0;
  for (let i = at; i < to; i++) {
    const byte = bytes[i]!;
    if (byte === BACKSLASH) {
      if (bytes[i + 1] === QUOTE && i + 1 < to) return i;
      const saves = i + 6 <= to ? goEscapeSaves(bytes, i) : -1;
      if (saves < 0) return -1;
      saved += saves;
      i += 5;
      continue;
    }
    if (byte < SPACE || byte === QUOTE || byte === 0x7f) return -1;
    if (byte > 0x7f) highSeen = true;
  }
  return -1;
}

/**
 * For a `\uXXXX` at `at` that Go's JSON writes for a character `JSON.stringify` leaves as it is: how many
 * bytes shorter the character is (5 for `&`, `<`, `>`; 3 for U+2028 and U+2029); -1 for anything else.
 */
function goEscapeSaves(bytes: Buffer, at: number): number {
  if (bytes[at + 1] !== 0x75 /* u */) return -1;
  const a = bytes[at + 2];
  const b = bytes[at + 3];
  const c = bytes[at + 4];
  const d = bytes[at + 5]! | 0x20;
  if (a === 0x30 && b === 0x30) {
    if (c === 0x32 && d === 0x36) return 5; // 0026 &
    if (c === 0x33 && (d === 0x63 || d === 0x65)) return 5; // 003c < 003e >
    return -1;
  }
  return a === 0x32 && b === 0x30 && c === 0x32 && (d === 0x38 || d === 0x39) ? 3 : -1; // 2028 2029
}

/**
 * Copies `bytes[from, to)` to `target` at `pos` with the escapes `stringEnd` lets through written as
 * their characters, as `JSON.stringify` writes them; returns the position after them.
 */
export function copyUnescaped(bytes: Buffer, from: number, to: number, target: Buffer, pos: number): number {
  let at = pos;
  let run = from;
  for (let i = from; i < to; i++) {
    if (bytes[i] !== BACKSLASH || bytes[i + 1] !== 0x75) continue;
    const saves = goEscapeSaves(bytes, i);
    if (saves < 0) continue;
    at = copyBytes(bytes, run, i, target, at);
    if (saves === 5) {
      const d = bytes[i + 5]! | 0x20;
      target[at++] = bytes[i + 4] === 0x32 ? 0x26 : d === 0x63 ? 0x3c : 0x3e;
    } else {
      target[at++] = 0xe2;
      target[at++] = 0x80;
      target[at++] = (bytes[i + 5]! | 0x20) === 0x38 ? 0xa8 : 0xa9;
    }
    i += 5;
    run = i + 1;
  }
  return copyBytes(bytes, run, to, target, at);
}

/**
 * Where a number starting at `at` ends, when it is written as `JSON.stringify` writes its value (`0`,
 * `-12`, `1.5`, `1e+21`; not `-0`, `01`, `1.0`, `1e3`, nor digits past a double's precision); negative
 * otherwise. Integers of up to 15 digits are exact, so only other numbers are checked by a round trip.
 */
function numberEnd(bytes: Buffer, at: number, to: number): number {
  let i = at;
  if (bytes[i] === 0x2d) i++;
  const digitsStart = i;
  while (i < to && isDigit(bytes[i]!)) i++;
  const digits = i - digitsStart;
  if (digits === 0 || (bytes[digitsStart] === 0x30 && digits > 1)) return -1;
  let plain = digits <= MOST_DIGITS;
  if (bytes[i] === 0x2e /* . */) {
    plain = false;
    const fractionStart = ++i;
    while (i < to && isDigit(bytes[i]!)) i++;
    if (i === fractionStart) return -1;
  }
  if (bytes[i] === 0x65 || bytes[i] === 0x45 /* e E */) {
    plain = false;
    i++;
    if (bytes[i] === 0x2b || bytes[i] === 0x2d) i++;
    const exponentStart = i;
    while (i < to && isDigit(bytes[i]!)) i++;
    if (i === exponentStart) return -1;
  }
  const next = bytes[i];
  if (next !== 0x2c && next !== 0x7d && next !== SPACE) return -1;
  if (plain) return digitsStart > at && digits === 1 && bytes[digitsStart] === 0x30 ? -1 : i;
  const text = bytes.toString('latin1', at, i);
  return String(Number(text)) === text ? i : -1;
}

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

const LITERALS: ReadonlyArray<readonly [number, Buffer]> = [[TRUE, Buffer.from('true')], [FALSE, Buffer.from('false')], [NULL, Buffer.from('null')]];

function literalAt(bytes: Buffer, at: number, to: number): number {
  for (const [kind, text] of LITERALS) {
    if (at + text.length > to) continue;
    let same = true;
    for (let i = 0; i < text.length && same; i++) same = bytes[at + i] === text[i];
    const next = bytes[at + text.length];
    if (same && (next === 0x2c || next === 0x7d || next === SPACE)) return kind;
  }
  return -1;
}
