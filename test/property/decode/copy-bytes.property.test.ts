/**
 * `copyBytes` and `copyAll` (shipper/decode/copy-bytes.ts) replaced `Buffer#copy` and `TypedArray#set` in
 * the record writers: held here to them for every length around the byte-loop threshold and beyond, sources and targets at every offset of
 * their memory (views of a larger buffer, as the tailer's reads and the record chunks are), and ranges
 * anywhere in them. The bytes around the copy must stay untouched.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyAll, copyBytes } from '../../../shipper/decode/copy-bytes.ts';

const case_ = fc.record({
  memory: fc.uint8Array({ minLength: 0, maxLength: 300, size: 'max' }),
  sourceOffset: fc.nat({ max: 7 }),
  targetOffset: fc.nat({ max: 7 }),
  from: fc.nat({ max: 300 }),
  length: fc.oneof(fc.nat({ max: 40 }), fc.nat({ max: 300 })),
  at: fc.nat({ max: 300 }),
});

describe('copyBytes', () => {
  it('writes what Buffer#copy writes, where it writes it, and returns the position after it', () => {
    fc.assert(fc.property(case_, ({ memory, sourceOffset, targetOffset, from, length, at }) => {
      const sourceMemory = new ArrayBuffer(sourceOffset + memory.length);
      new Uint8Array(sourceMemory).set(memory, sourceOffset);
      const source = Buffer.from(sourceMemory, sourceOffset);
      const start = from % (source.length + 1);
      const end = Math.min(start + length, source.length);
      const targetMemory = Buffer.alloc(targetOffset + at + (end - start) + 8, 0x55);
      const expected = Buffer.from(targetMemory);
      const target = targetMemory.subarray(targetOffset);
      const copied = source.copy(expected.subarray(targetOffset), at, start, end);
      expect(copyBytes(source, start, end, target, at)).toBe(at + copied);
      expect(targetMemory).toEqual(expected);
    }), { numRuns: 2000 });
  });

  it('copyAll writes what TypedArray#set writes and returns the position after it', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64, size: 'max' }), fc.nat({ max: 7 }), fc.nat({ max: 40 }), (part, targetOffset, at) => {
      const targetMemory = Buffer.alloc(targetOffset + at + part.length + 8, 0x55);
      const expected = Buffer.from(targetMemory);
      expected.set(part, targetOffset + at);
      expect(copyAll(part, targetMemory.subarray(targetOffset), at)).toBe(at + part.length);
      expect(targetMemory).toEqual(expected);
    }), { numRuns: 2000 });
  });

  it('copies nothing for an empty or reversed range', () => {
    const target = Buffer.alloc(4, 1);
    expect(copyBytes(Buffer.from('abcd'), 2, 2, target, 1)).toBe(1);
    expect(copyBytes(Buffer.from('abcd'), 3, 1, target, 1)).toBe(1);
    expect(target).toEqual(Buffer.alloc(4, 1));
  });
});
