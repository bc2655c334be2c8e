/**
 * A whole docker json-file line read from its bytes, without making a string of it:
 * `{"log":"<message>\n","stream":"stdout|stderr","time":"<time>"}` in dockerd's own layout.
 *
 * Only a line whose message bytes can go into a JSON document as they are is taken (see
 * `isCopyableMessage`): escapes stay as written, as the text path (`readWholeDockerLine`) keeps them.
 * Anything else (partials, other layouts, invalid times, invalid UTF-8, what the text path would refuse)
 * returns false, and the caller decodes the line's text as before. A property test holds the records made
 * from these to the bytes the text path makes. Pure; writes `into`, allocates nothing on the usual path
 * (a canonical time is left in the bytes).
 */
import { isUtf8 } from 'node:buffer';
import { memoryViewOf, wordsOf } from './memory-views.ts';
import type { ContainerStream } from './container-entry.ts';
import { toCanonicalUtc } from './timestamp.ts';
import { isUtcTimeBytes } from './utc-time-bytes.ts';

export interface WholeDockerBytes {
  stream: ContainerStream;
  /** The message without its `\n`: `bytes[messageStart, messageEnd)`, escaped as written (valid between JSON quotes). */
  messageStart: number;
  messageEnd: number;
  /** The time as written: `bytes[timeStart, timeEnd)`. */
  timeStart: number;
  timeEnd: number;
  /** Undefined when the written time is already canonical (ISO 8601 UTC, 9 fraction digits); else the canonical form. */
  timestamp: string | undefined;
  /**
   * 0 when the message bytes go between JSON quotes as they are (docker's, always); else how many bytes
   * escaping them as `JSON.stringify` does adds (CRI content is raw: quotes, backslashes, tabs).
   */
  escapes: number;
}

const HEAD = Buffer.from('{"log":"', 'latin1');
/** `","stream":"` + `stdout`/`stderr` + `","time":"`: what lies between the `log` value and the time. */
const STREAM_KEY = Buffer.from('","stream":"', 'latin1');
const TIME_KEY = Buffer.from('","time":"', 'latin1');
const STDOUT = Buffer.from('stdout', 'latin1');
const STDERR = Buffer.from('stderr', 'latin1');
/** Longest time looked for: RFC 3339 with nine fraction digits and an offset is 35 bytes. */
const LONGEST_TIME = 40;
/** `YYYY-MM-DDThh:mm:ss.fffffffffZ`. */
const CANONICAL_TIME_BYTES = 30;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const BRACE = 0x7b;

/**
 * True when `bytes[start, end)` is a whole docker line with a copyable message and a valid time; its
 * parts are written to `into`. With `refuseBrace`, a message holding a `{` is refused too (it may be a
 * JSON object).
 */
export function readWholeDockerBytes(bytes: Buffer, start: number, end: number, into: WholeDockerBytes, refuseBrace: boolean): boolean {
  return readDockerLayout(bytes, start, end, into) && isCopyableMessage(bytes, into.messageStart, into.messageEnd, refuseBrace);
}

/** A docker line's entry as the decoder makes it of a whole line: the `log` value unescaped, without its `\n`. */
export interface DockerEntryText {
  stream: ContainerStream;
  timestamp: string;
  content: string;
}

const layout: WholeDockerBytes = { stream: 'stdout', messageStart: 0, messageEnd: 0, timeStart: 0, timeEnd: 0, timestamp: undefined, escapes: 0 };

/**
 * For a whole docker line in dockerd's layout with a valid time, whose `log` value is one JSON string
 * ending in a newline: what `decodeDockerLine` reads from its text (the `log` string parsed from the
 * bytes between its quotes, which decode as that part of the line's text does). False for anything else.
 */
export function readDockerEntryBytes(bytes: Buffer, start: number, end: number, into: DockerEntryText): boolean {
  if (!readDockerLayout(bytes, start, end, layout)) return false;
  let log: unknown;
  try {
    // From the `log` value's opening quote to its closing one: a JSON string literal, escapes and all.
    log = JSON.parse(bytes.toString('utf8', layout.messageStart - 1, layout.messageEnd + 3));
  } catch {
    return false;
  }
  if (typeof log !== 'string' || !log.endsWith('\n')) return false;
  into.stream = layout.stream;
  into.timestamp = layout.timestamp ?? bytes.toString('latin1', layout.timeStart, layout.timeEnd);
  into.content = log.slice(0, -1);
  return true;
}

/**
 * dockerd's layout, `{"log":"…\n","stream":"stdout|stderr","time":"<valid time>"}`: fills `into` (the
 * message without the `\n` escape) and says whether the line has it. Its message is not looked at.
 */
export function readDockerLayout(bytes: Buffer, start: number, end: number, into: WholeDockerBytes): boolean {
  const messageStart = start + HEAD.length;
  if (end - messageStart < 2 + STREAM_KEY.length + 6 + TIME_KEY.length + 2) return false;
  const memory = memoryViewOf(bytes);
  const base = bytes.byteOffset;
  if (!matchesWords(memory, base + start, HEAD_WORDS) || bytes[end - 1] !== 0x7d /* } */ || bytes[end - 2] !== QUOTE) return false;
  // The time's opening quote: the time holds none. Then `","stream":"…","time":"` must end right there; no
  // later `","stream":"` can exist (a valid time has no quote), so this is the one a reader searching
  // from the end would find.
  const timeEnd = end - 2;
  const lowest = Math.max(messageStart, timeEnd - LONGEST_TIME);
  // dockerd writes the canonical time (30 bytes) on nearly every line: checked where it would be, it
  // holds no quote, so the search from the end would stop at the quote before it too.
  let quote = timeEnd - CANONICAL_TIME_BYTES - 1;
  const canonical = quote >= lowest && bytes[quote] === QUOTE && isCanonicalTime(bytes, quote + 1, timeEnd);
  if (!canonical) {
    quote = timeEnd - 1;
    while (quote >= lowest && bytes[quote] !== QUOTE) quote--;
  }
  const timeStart = quote + 1;
  const keysAt = timeStart - (STREAM_KEY.length + 6 + TIME_KEY.length);
  // The `log` value must at least hold its escaped newline.
  if (quote < lowest || keysAt - 2 < messageStart) return false;
  // Both ranges lie inside the line (checked above), so no word read leaves it.
  if (matchesWords(memory, base + keysAt, STDOUT_KEYS_WORDS)) into.stream = 'stdout';
  else if (matchesWords(memory, base + keysAt, STDERR_KEYS_WORDS)) into.stream = 'stderr';
  else return false;
  const messageEnd = keysAt - 2;
  if (bytes[messageEnd] !== BACKSLASH || bytes[messageEnd + 1] !== 0x6e /* n */) return false;
  if (!readTimeBytes(bytes, timeStart, timeEnd, into, canonical ? true : undefined)) return false;
  into.messageStart = messageStart;
  into.messageEnd = messageEnd;
  into.escapes = 0;
  return true;
}

/**
 * A runtime time written at `bytes[from, to)`, as `toCanonicalUtc` reads its text: into `into`'s time
 * fields (`timestamp` undefined when the bytes already are the canonical form), and true; false when it
 * is not a valid time, or not ASCII (left to the text path). `canonical`: the caller already checked the
 * bytes are the canonical form (so they are not checked twice).
 */
export function readTimeBytes(bytes: Buffer, from: number, to: number, into: WholeDockerBytes, canonical = isCanonicalTime(bytes, from, to)): boolean {
  if (canonical) {
    into.timestamp = undefined;
  } else {
    // ASCII reads the same as Latin-1 and as UTF-8.
    for (let i = from; i < to; i++) if (bytes[i]! > 0x7f) return false;
    const timestamp = toCanonicalUtc(bytes.toString('latin1', from, to));
    if (timestamp === undefined) return false;
    into.timestamp = timestamp;
  }
  into.timeStart = from;
  into.timeEnd = to;
  return true;
}

/**
 * The fixed parts of dockerd's layout as little-endian 32-bit words, compared four bytes at a time (a
 * byte-by-byte comparison against a prefix buffer was two thirds of `readDockerLayout`): the head, and
 * the 28 bytes from the `log` value's closing quote to the time's opening one with either stream.
 */
const HEAD_WORDS = littleEndianWords(HEAD);
const STDOUT_KEYS_WORDS = littleEndianWords(Buffer.concat([STREAM_KEY, STDOUT, TIME_KEY]));
const STDERR_KEYS_WORDS = littleEndianWords(Buffer.concat([STREAM_KEY, STDERR, TIME_KEY]));

function littleEndianWords(text: Buffer): Int32Array {
  if (text.length % 4 !== 0) throw new Error('a whole number of words is expected');
  const words = new Int32Array(text.length / 4);
  for (let i = 0; i < words.length; i++) words[i] = text.readInt32LE(i * 4);
  return words;
}

/** Whether the memory at byte `at` holds `words` (the caller keeps the range inside the memory). */
function matchesWords(memory: DataView<ArrayBufferLike>, at: number, words: Int32Array): boolean {
  for (let i = 0; i < words.length; i++) if (memory.getInt32(at + 4 * i, true) !== words[i]) return false;
  return true;
}

/** Whether `bytes[at, end)` begins with `prefix`. */
export function startsWith(bytes: Buffer, at: number, end: number, prefix: Buffer): boolean {
  if (at + prefix.length > end) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

/**
 * The message's bytes can go into a JSON document as they are, and make the message the text path reads:
 * each escape is one JSON.parse accepts (kept as written, as the text path keeps it), no raw quote or
 * control character, and the text is ASCII or valid UTF-8 (decoding it and encoding it again gives back
 * the same bytes). Refused as well, to leave them to the text path: a `{` with `refuseBrace` (written or
 * escaped), an escaped lone surrogate, and a carriage return at the end (the decoder drops it).
 * Stops at the first byte that refuses the line: JSON messages at their first.
 */
function isCopyableMessage(bytes: Buffer, from: number, to: number, refuseBrace: boolean): boolean {
  let high = false;
  const words = wordsOf(bytes);
  const wordBase = bytes.byteOffset;
  const wordsEnd = (wordBase + to) >> 2;
  for (let i = from; i < to; i++) {
    if (((wordBase + i) & 3) === 0) {
      // Four plain bytes at a time while they last (most messages are plain ASCII); the byte-wise checks
      // below decide everything else, from the first word that holds anything but plain bytes.
      let word = (wordBase + i) >> 2;
      while (word < wordsEnd && isPlainWord(words[word]!)) word++;
      i = (word << 2) - wordBase;
      if (i >= to) break;
    }
    const byte = bytes[i]!;
    if (PLAIN[byte] === 1) continue;
    if (byte === BRACE) {
      if (refuseBrace) return false;
      continue;
    }
    if (byte > 0x7e) {
      high = true;
      continue;
    }
    if (byte !== BACKSLASH || i + 1 >= to) return false;
    const escaped = bytes[++i]!;
    if (escaped === 0x75 /* u */) {
      if (i + 4 >= to) return false;
      const code = (hex(bytes[i + 1]!) << 12) | (hex(bytes[i + 2]!) << 8) | (hex(bytes[i + 3]!) << 4) | hex(bytes[i + 4]!);
      i += 4;
      if (code < 0 || (code >= 0xd800 && code <= 0xdfff) || (code === 0x7b && refuseBrace) || (code === 0x0d && i + 1 === to)) return false;
    } else if (escaped === 0x72 /* r */) {
      if (i + 1 === to) return false;
    } else if (escaped !== QUOTE && escaped !== BACKSLASH && escaped !== 0x2f && escaped !== 0x62 && escaped !== 0x66 && escaped !== 0x6e && escaped !== 0x74) {
      return false;
    }
  }
  return !high || isUtf8(bytes.subarray(from, to));
}

/**
 * Whether the four bytes of `word` are all plain (see `PLAIN`), tested together: a byte below 0x20, one
 * of 0x7f and up, and one equal to `"`, `\` or `{` each set the top bit of its byte in one of the terms
 * (the usual exact "has a byte less than / equal to" word tricks; a borrow or carry only ever starts at a
 * byte that is itself flagged).
 */
function isPlainWord(word: number): boolean {
  const quote = word ^ 0x22222222;
  const backslash = word ^ 0x5c5c5c5c;
  const brace = word ^ 0x7b7b7b7b;
  const flagged = ((word - 0x20202020) & ~word)
    | (word + 0x01010101) | word
    | ((quote - 0x01010101) & ~quote)
    | ((backslash - 0x01010101) & ~backslash)
    | ((brace - 0x01010101) & ~brace);
  return (flagged & 0x80808080) === 0;
}

/** Bytes a message holds as they are (printable ASCII but `\\` and `{`): one look-up per byte on the way through. */
const PLAIN = new Uint8Array(256);
for (let byte = 0x20; byte < 0x7f; byte++) PLAIN[byte] = byte === BACKSLASH || byte === BRACE || byte === QUOTE ? 0 : 1;

/** The value of a hexadecimal digit; negative (enough to make any code it is part of negative) when not one. */
function hex(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -0x10000;
}

/** `YYYY-MM-DDThh:mm:ss.fffffffffZ` and a valid date and time (no leap second), as `toCanonicalUtc` keeps it. */
function isCanonicalTime(bytes: Buffer, from: number, to: number): boolean {
  return to - from === CANONICAL_TIME_BYTES && isUtcTimeBytes(bytes, from, to);
}
