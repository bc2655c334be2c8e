import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LineSplitter } from '../../../shipper/tail/line-splitter.ts';
import type { Line } from '../../../shipper/record.ts';

function feed(splitter: LineSplitter, pieces: Buffer[], start = 0): Line[] {
  const out: Line[] = [];
  let at = start;
  for (const piece of pieces) {
    // The caller reuses its buffer: scribble over it afterwards to prove nothing kept a reference.
    const reused = Buffer.alloc(piece.length + 8, 0x41);
    piece.copy(reused);
    splitter.push(reused, piece.length, at, 's', '/p', out);
    reused.fill(0x42);
    at += piece.length;
  }
  return out;
}

describe('line splitter', () => {
  it('splits on newlines, strips a trailing carriage return, and gives byte offsets', () => {
    const lines = feed(new LineSplitter(100), [Buffer.from('a\r\nbé\n\nc')]);
    expect(lines).toEqual([
      { source: 's', path: '/p', text: 'a', offset: 0, endOffset: 3 },
      { source: 's', path: '/p', text: 'bé', offset: 3, endOffset: 7 },
      { source: 's', path: '/p', text: '', offset: 7, endOffset: 8 },
    ]);
  });

  it('holds an unterminated last line until its newline arrives, then emits it once', () => {
    const splitter = new LineSplitter(100);
    expect(feed(splitter, [Buffer.from('hel')])).toEqual([]);
    const lines = feed(splitter, [Buffer.from('lo wor'), Buffer.from('ld\nnext\n')], 3);
    expect(lines.map((line) => [line.text, line.offset, line.endOffset])).toEqual([['hello world', 0, 12], ['next', 12, 17]]);
  });

  it('turns invalid UTF-8 into U+FFFD without throwing', () => {
    const lines = feed(new LineSplitter(100), [Buffer.from([0x61, 0xff, 0xfe, 0x62, 0x0a])]);
    expect(lines[0]!.text).toBe('a\uFFFD\uFFFDb');
  });

  it('cuts a long line at the limit and covers the whole physical line, in one chunk or many', () => {
    const long = Buffer.from(`${'x'.repeat(50)}\nshort\n`);
    for (const pieces of [[long], [long.subarray(0, 7), long.subarray(7, 30), long.subarray(30)]]) {
      const lines = feed(new LineSplitter(10), pieces);
      expect(lines).toEqual([
        { source: 's', path: '/p', text: 'x'.repeat(10), offset: 0, endOffset: 51, truncated: true },
        { source: 's', path: '/p', text: 'short', offset: 51, endOffset: 57 },
      ]);
    }
  });

  it('never cuts inside a UTF-8 sequence', () => {
    const lines = feed(new LineSplitter(3), [Buffer.from('aaé€zz\n')]);
    expect(lines[0]!.text).toBe('aa');
    const split = feed(new LineSplitter(6), [Buffer.from('aa'), Buffer.from('é€zz'), Buffer.from('\n')]);
    expect(split[0]!.text).toBe('aaé');
  });

  it('emits the held partial line when asked to finish the file', () => {
    const splitter = new LineSplitter(100);
    feed(splitter, [Buffer.from('a\nlast words')]);
    expect(splitter.takePartial('s', '/p', 12)).toEqual({ source: 's', path: '/p', text: 'last words', offset: 2, endOffset: 12 });
    expect(splitter.takePartial('s', '/p', 12)).toBeUndefined();
  });

  it('discards up to the next newline when started inside a line', () => {
    const splitter = new LineSplitter(100);
    splitter.discardUntilNewline(5);
    const out: Line[] = [];
    const discarded = splitter.push(Buffer.from('tail\nfresh\n'), 11, 5, 's', '/p', out);
    expect(discarded).toBe(10);
    expect(out.map((line) => [line.text, line.offset])).toEqual([['fresh', 10]]);
  });

  it('gives the same lines however the bytes are chunked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom('\n', '\r\n', 'é', '\uFFFD'), fc.string({ maxLength: 12 })), { maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 10 }),
        (parts, sizes) => {
          const bytes = Buffer.from(parts.join(''));
          const whole = feed(new LineSplitter(16), [bytes]);
          const pieces: Buffer[] = [];
          for (let at = 0, index = 0; at < bytes.length; index++) {
            const size = sizes[index % sizes.length]!;
            pieces.push(bytes.subarray(at, at + size));
            at += size;
          }
          expect(feed(new LineSplitter(16), pieces)).toEqual(whole);
          // Every complete line is there, the ranges tile the file up to the last newline.
          let expectedOffset = 0;
          for (const line of whole) {
            expect(line.offset).toBe(expectedOffset);
            expectedOffset = line.endOffset;
          }
          expect(expectedOffset).toBe(bytes.lastIndexOf(10) + 1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
