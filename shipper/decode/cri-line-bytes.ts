/**
 * A whole CRI log line read from its bytes, without making a string of it: `<time> <stream> F <content>`
 * (or a line of a writer without tags), as `readWholeCriLine` reads its text.
 *
 * CRI content is raw, so JSON needs some of it escaped: `escapes` says how many bytes that adds, and the
 * record writer escapes as it copies (`copyEscaped`), as `JSON.stringify` would. Only ASCII or valid UTF-8
 * content is taken (it decodes to itself); with `refuseBrace`, none holding a `{` (it may be a JSON
 * object); none ending in a carriage return (the decoder drops it). Anything else (partials, invalid
 * times, other layouts) returns false, and the caller decodes the line's text as before. Pure; writes `into`.
 */
import { isUtf8 } from 'node:buffer';
import { copyBytes } from './copy-bytes.ts';
import { readTimeBytes, startsWith, type WholeDockerBytes } from './docker-json-bytes.ts';

const SPACE = 0x20;
const STDOUT = Buffer.from('stdout', 'latin1');
const STDERR = Buffer.from('stderr', 'latin1');

/** True when `bytes[start, end)` is a whole CRI line with a valid time and copyable content; its parts go to `into` (the content as the message). */
export function readWholeCriBytes(bytes: Buffer, start: number, end: number, into: WholeDockerBytes, refuseBrace: boolean): boolean {
  // The time ends at the line's first space; the text path finds the same one (a space is one byte, one character).
  let timeEnd = start;
  while (timeEnd < end && bytes[timeEnd] !== SPACE) timeEnd++;
  if (timeEnd === start || timeEnd === end) return false;
  const streamAt = timeEnd + 1;
  if (startsWith(bytes, streamAt, end, STDOUT)) into.stream = 'stdout';
  else if (startsWith(bytes, streamAt, end, STDERR)) into.stream = 'stderr';
  else return false;
  const streamEnd = streamAt + 6;
  let contentStart: number;
  if (streamEnd === end) {
    contentStart = end;
  } else {
    if (bytes[streamEnd] !== SPACE) return false;
    const tagsStart = streamEnd + 1;
    let tagsEnd = tagsStart;
    while (tagsEnd < end && bytes[tagsEnd] !== SPACE) tagsEnd++;
    const first = tagsStart < end ? bytes[tagsStart] : -1;
    // `P` or `F`, alone or followed by `:`-separated tags; anything else is already content (a writer without tags).
    const isTag = (first === 0x50 || first === 0x46) && (tagsEnd === tagsStart + 1 || bytes[tagsStart + 1] === 0x3a);
    if (!isTag) contentStart = tagsStart;
    else if (first !== 0x46) return false; // a partial: the decoder joins it
    else contentStart = tagsEnd < end ? tagsEnd + 1 : end;
  }
  const escapes = escapesOf(bytes, contentStart, end, refuseBrace);
  if (escapes < 0) return false;
  if (!readTimeBytes(bytes, start, timeEnd, into)) return false;
  into.messageStart = contentStart;
  into.messageEnd = end;
  into.escapes = escapes;
  return true;
}

/** Bytes `JSON.stringify` adds escaping `bytes[from, to)`; -1 for content left to the text path. */
function escapesOf(bytes: Buffer, from: number, to: number, refuseBrace: boolean): number {
  let escapes = 0;
  let high = false;
  for (let i = from; i < to; i++) {
    const byte = bytes[i]!;
    if (byte > 0x22 && byte < 0x7f && byte !== BACKSLASH && byte !== BRACE) continue;
    if (byte === SPACE || byte === 0x21) continue;
    if (byte === BRACE) {
      if (refuseBrace) return -1;
    } else if (byte > 0x7e) {
      high = true;
    } else if (byte === QUOTE || byte === BACKSLASH || SHORT_ESCAPES[byte] !== 0) {
      escapes += 1;
    } else {
      escapes += 5; // \u00XX
    }
  }
  if (to > from && bytes[to - 1] === 0x0d) return -1;
  return !high || isUtf8(bytes.subarray(from, to)) ? escapes : -1;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const BRACE = 0x7b;
/** The letter of JSON's two-character escapes of control characters (0: written as \u00XX). */
const SHORT_ESCAPES = new Uint8Array(32);
SHORT_ESCAPES[0x08] = 0x62; // b
SHORT_ESCAPES[0x09] = 0x74; // t
SHORT_ESCAPES[0x0a] = 0x6e; // n
SHORT_ESCAPES[0x0c] = 0x66; // f
SHORT_ESCAPES[0x0d] = 0x72; // r
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/**
 * Copies `bytes[from, to)` to `target` at `pos` escaped as `JSON.stringify` escapes a string (quote,
 * backslash, control characters; nothing else: the bytes are ASCII or valid UTF-8); returns the position
 * after it. Runs that need no escape are copied whole.
 */
export function copyEscaped(bytes: Buffer, from: number, to: number, target: Buffer, pos: number): number {
  let at = pos;
  let run = from;
  for (let i = from; i < to; i++) {
    const byte = bytes[i]!;
    if (byte >= SPACE && byte !== QUOTE && byte !== BACKSLASH) continue;
    if (i > run) at = copyBytes(bytes, run, i, target, at);
    run = i + 1;
    target[at++] = BACKSLASH;
    if (byte === QUOTE || byte === BACKSLASH) {
      target[at++] = byte;
    } else if (SHORT_ESCAPES[byte] !== 0) {
      target[at++] = SHORT_ESCAPES[byte]!;
    } else {
      target[at++] = 0x75; // u
      target[at++] = 0x30;
      target[at++] = 0x30;
      target[at++] = HEX[byte >> 4]!;
      target[at++] = HEX[byte & 15]!;
    }
  }
  if (to > run) at = copyBytes(bytes, run, to, target, at);
  return at;
}
