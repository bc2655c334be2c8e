import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { digitCount, writeDigits } from '../../../shipper/kit/digit-bytes.ts';

/** The digits as `writeDigits` writes them, read back. */
function written(value: number, radix: number): string {
  const target = Buffer.alloc(32, 0x2e);
  const end = writeDigits(target, 3, value, radix);
  expect(end - 3).toBe(digitCount(value, radix));
  expect(target[2]).toBe(0x2e);
  expect(target[end]).toBe(0x2e);
  return target.toString('latin1', 3, end);
}

describe('writeDigits and digitCount (offsets, sizes and ids written as bytes)', () => {
  const edges = [0, 1, 9, 10, 35, 36, 99, 100, 1295, 1296, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 10 ** 15 - 1, 10 ** 15, 36 ** 10 - 1, 36 ** 10, Number.MAX_SAFE_INTEGER];

  it.each([10, 36])('writes what toString(%i) gives at the edges of a digit count and of 32-bit arithmetic', (radix) => {
    for (const value of edges) expect(written(value, radix)).toBe(value.toString(radix));
  });

  it('writes what toString gives for any safe integer', () => {
    fc.assert(fc.property(fc.oneof(fc.nat(), fc.maxSafeNat()), fc.constantFrom(10, 36, 16), (value, radix) => {
      expect(written(value, radix)).toBe(value.toString(radix));
    }), { numRuns: 2000 });
  });
});
