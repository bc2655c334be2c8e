import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toCanonicalUtc } from '../../../shipper/decode/timestamp.ts';

describe('timestamp conversion, for any instant and any offset', () => {
  it('gives the same UTC time as Date does for the whole seconds, and keeps the fraction digits untouched', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_102_444_800 - 1 }), // 1970 to 2099, in seconds
        fc.integer({ min: -14 * 4, max: 14 * 4 }).map((quarters) => quarters * 15), // offsets in minutes
        fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 0, maxLength: 9 }),
        (utcSeconds, offsetMinutes, fraction) => {
          const local = new Date((utcSeconds + offsetMinutes * 60) * 1000).toISOString().slice(0, 19);
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          const input = `${local}${fraction === '' ? '' : `.${fraction}`}${zone}`;
          const expected = `${new Date(utcSeconds * 1000).toISOString().slice(0, 19)}.${fraction.padEnd(9, '0')}Z`;
          expect(toCanonicalUtc(input)).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads UTC times (`Z`, any fraction length) as Date does, and refuses impossible dates and times', () => {
    const two = (n: number) => String(n).padStart(2, '0');
    fc.assert(
      fc.property(
        fc.record({
          year: fc.integer({ min: 1970, max: 2099 }),
          month: fc.integer({ min: 0, max: 13 }),
          day: fc.integer({ min: 0, max: 32 }),
          hour: fc.integer({ min: 0, max: 24 }),
          minute: fc.integer({ min: 0, max: 60 }),
          second: fc.integer({ min: 0, max: 60 }),
        }),
        fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 0, maxLength: 9 }),
        ({ year, month, day, hour, minute, second }, fraction) => {
          const whole = `${year}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}`;
          const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
          const possible = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day &&
            date.getUTCHours() === hour && date.getUTCMinutes() === minute && date.getUTCSeconds() === second;
          const input = `${whole}${fraction === '' ? '' : `.${fraction}`}Z`;
          expect(toCanonicalUtc(input)).toBe(possible ? `${whole}.${fraction.padEnd(9, '0')}Z` : undefined);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const result = toCanonicalUtc(text);
        expect(result === undefined || /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/.test(result)).toBe(true);
      }),
    );
  });
});
