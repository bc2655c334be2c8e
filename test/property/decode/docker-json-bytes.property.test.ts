/**
 * `readWholeDockerBytes` decides on whole words of memory where it can (four plain bytes at a time, see
 * `isCopyableMessage` in shipper/decode/docker-json-bytes.ts). Held here to the byte-at-a-time check it
 * replaced, kept below as the oracle: the same answer and the same parts for random messages made of the
 * bytes at the edges of every class the check tells apart, wherever the line lies against the words of
 * its memory (buffers at every byte offset of their memory, lines at every position in the buffer).
 * byte-lines.property.test.ts holds the records made from these to the text path's.
 */
import fc from 'fast-check';
import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { readDockerLayout, readTimeBytes, readWholeDockerBytes, type WholeDockerBytes } from '../../../shipper/decode/docker-json-bytes.ts';

const fresh = (): WholeDockerBytes => ({ stream: 'stdout', messageStart: 0, messageEnd: 0, timeStart: 0, timeEnd: 0, timestamp: undefined, escapes: 0 });

/** The check as it was before the word-at-a-time scan: one byte at a time. */
function oracleCopyable(bytes: Uint8Array, from: number, to: number, refuseBrace: boolean): boolean {
  const hex = (byte: number): number => {
    if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
    const lower = byte | 0x20;
    return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -0x10000;
  };
  let high = false;
  for (let i = from; i < to; i++) {
    const byte = bytes[i]!;
    if (byte >= 0x20 && byte < 0x7f && byte !== 0x5c && byte !== 0x7b && byte !== 0x22) continue;
    if (byte === 0x7b) {
      if (refuseBrace) return false;
      continue;
    }
    if (byte > 0x7e) {
      high = true;
      continue;
    }
    if (byte !== 0x5c || i + 1 >= to) return false;
    const escaped = bytes[++i]!;
    if (escaped === 0x75) {
      if (i + 4 >= to) return false;
      const code = (hex(bytes[i + 1]!) << 12) | (hex(bytes[i + 2]!) << 8) | (hex(bytes[i + 3]!) << 4) | hex(bytes[i + 4]!);
      i += 4;
      if (code < 0 || (code >= 0xd800 && code <= 0xdfff) || (code === 0x7b && refuseBrace) || (code === 0x0d && i + 1 === to)) return false;
    } else if (escaped === 0x72) {
      if (i + 1 === to) return false;
    } else if (![0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x74].includes(escaped)) {
      return false;
    }
  }
  return !high || isUtf8(bytes.subarray(from, to));
}

// Bytes at the edges of the classes: controls, space, `"`, `\`, `{`, `~`, DEL, high bytes, and the escapes.
const edgeByte = fc.constantFrom(0x00, 0x01, 0x09, 0x0d, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b, 0x5c, 0x5d, 0x7a, 0x7b, 0x7c, 0x7e, 0x7f, 0x80, 0xa0, 0xc3, 0xa9, 0xe2, 0xff);
const plainRun = fc.string({ minLength: 1, maxLength: 9 }).map((text) => Buffer.from(text.replace(/[^\x20-\x7e]|["\\{]/g, 'a'), 'latin1'));
const piece = fc.oneof(
  { weight: 6, arbitrary: plainRun },
  { weight: 3, arbitrary: edgeByte.map((byte) => Buffer.from([byte])) },
  { weight: 3, arbitrary: fc.constantFrom('\\"', '\\\\', '\\/', '\\n', '\\r', '\\t', '\\u003c', '\\u007b', '\\u000d', '\\ud800', '\\u12g4', '\\x', 'é', '日本', '🚀').map((text) => Buffer.from(text)) },
);
const message = fc.array(piece, { maxLength: 24 }).map((pieces) => Buffer.concat(pieces));

function dockerLine(message: Buffer, stream: string): Buffer {
  return Buffer.concat([Buffer.from('{"log":"'), message, Buffer.from(`\\n","stream":"${stream}","time":"2026-11-24T05:00:00.123456789Z"}`)]);
}

describe('readWholeDockerBytes, word at a time', () => {
  it('decides as the byte-at-a-time check, wherever the line lies in its memory', () => {
    fc.assert(
      fc.property(message, fc.constantFrom('stdout', 'stderr'), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 }), fc.boolean(), (text, stream, memoryOffset, lineOffset, refuseBrace) => {
        const line = dockerLine(text, stream);
        // The line inside a buffer that itself starts at `memoryOffset` in its memory, with bytes around it.
        const memory = new ArrayBuffer(memoryOffset + lineOffset + line.length + 5);
        const buffer = Buffer.from(memory, memoryOffset, lineOffset + line.length + 3);
        buffer.fill(0x61);
        line.copy(buffer, lineOffset);
        const start = lineOffset;
        const end = lineOffset + line.length;
        const layout = fresh();
        const hasLayout = readDockerLayout(buffer, start, end, layout);
        const expected = hasLayout && oracleCopyable(buffer, layout.messageStart, layout.messageEnd, refuseBrace);
        const read = fresh();
        expect(readWholeDockerBytes(buffer, start, end, read, refuseBrace)).toBe(expected);
        if (expected) expect(read).toEqual(layout);
      }),
      { numRuns: 20_000 },
    );
  });

  it('takes long plain messages and refuses one bad byte anywhere in them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.nat(), edgeByte, fc.integer({ min: 0, max: 3 }), (length, where, byte, memoryOffset) => {
        const text = Buffer.alloc(length, 0x61);
        if (length > 0) text[where % length] = byte;
        const line = dockerLine(text, 'stdout');
        const buffer = Buffer.from(new ArrayBuffer(line.length + memoryOffset), memoryOffset, line.length);
        line.copy(buffer);
        const layout = fresh();
        const expected = readDockerLayout(buffer, 0, buffer.length, layout) && oracleCopyable(buffer, layout.messageStart, layout.messageEnd, true);
        expect(readWholeDockerBytes(buffer, 0, buffer.length, fresh(), true)).toBe(expected);
      }),
      { numRuns: 5_000 },
    );
  });
});

/**
 * dockerd's layout as `readDockerLayout` read it before it compared the fixed parts four bytes at a time
 * (byte by byte against each part), kept as the oracle.
 */
function oracleLayout(bytes: Buffer, start: number, end: number, into: WholeDockerBytes): boolean {
  const startsWith = (at: number, prefix: string): boolean => {
    if (at + prefix.length > end) return false;
    for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix.charCodeAt(i)) return false;
    return true;
  };
  const messageStart = start + 8;
  if (end - messageStart < 2 + 12 + 6 + 10 + 2) return false;
  if (!startsWith(start, '{"log":"') || bytes[end - 1] !== 0x7d || bytes[end - 2] !== 0x22) return false;
  const timeEnd = end - 2;
  const lowest = Math.max(messageStart, timeEnd - 40);
  let quote = timeEnd - 1;
  while (quote >= lowest && bytes[quote] !== 0x22) quote--;
  const timeStart = quote + 1;
  const keysAt = timeStart - 28;
  if (quote < lowest || keysAt - 2 < messageStart) return false;
  if (!startsWith(keysAt, '","stream":"') || !startsWith(keysAt + 18, '","time":"')) return false;
  if (startsWith(keysAt + 12, 'stdout')) into.stream = 'stdout';
  else if (startsWith(keysAt + 12, 'stderr')) into.stream = 'stderr';
  else return false;
  const messageEnd = keysAt - 2;
  if (bytes[messageEnd] !== 0x5c || bytes[messageEnd + 1] !== 0x6e) return false;
  if (!readTimeBytes(bytes, timeStart, timeEnd, into)) return false;
  into.messageStart = messageStart;
  into.messageEnd = messageEnd;
  into.escapes = 0;
  return true;
}

const streamName = fc.constantFrom('stdout', 'stderr', 'stdouT', 'stderx', 'stdin', 'stdoutt', '');
const time = fc.constantFrom('2026-11-24T05:00:00.123456789Z', '2026-11-24T05:00:00Z', '2026-11-24T06:00:00.5+01:00', '2026-11-24T05:00:00.12345678Z', '2026-13-24T05:00:00.123456789Z', 'now', '');

describe('readDockerLayout, fixed parts a word at a time', () => {
  it('reads what the byte-by-byte reading read, for lines with any byte of them changed, wherever they lie in memory', () => {
    fc.assert(
      fc.property(message, streamName, time, fc.option(fc.tuple(fc.nat(), edgeByte.chain((edge) => fc.constantFrom(edge, 0x6c, 0x73, 0x65, 0x22, 0x3a, 0x2c)))), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 }),
        (text, stream, written, change, memoryOffset, lineOffset) => {
          const line = Buffer.concat([Buffer.from('{"log":"'), text, Buffer.from(`\\n","stream":"${stream}","time":"${written}"}`)]);
          if (change !== null) line[change[0] % line.length] = change[1];
          const memory = new ArrayBuffer(memoryOffset + lineOffset + line.length + 5);
          const buffer = Buffer.from(memory, memoryOffset, lineOffset + line.length + 3);
          buffer.fill(0x22);
          line.copy(buffer, lineOffset);
          const expected = fresh();
          const read = fresh();
          const has = oracleLayout(buffer, lineOffset, lineOffset + line.length, expected);
          expect(readDockerLayout(buffer, lineOffset, lineOffset + line.length, read)).toBe(has);
          if (has) expect(read).toEqual(expected);
        }),
      { numRuns: 30_000 },
    );
  });
});
