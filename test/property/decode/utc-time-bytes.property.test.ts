/**
 * `isUtcTimeBytes` (shipper/decode/utc-time-bytes.ts) remembers the last two dates and minutes it found
 * valid and does not read them again when a time begins with the same bytes. Held here to what it
 * stands for — a time of its shape is taken exactly when `toCanonicalUtc` takes it — over sequences of
 * times that share dates and minutes (valid and invalid ones, next to each other), at any position in
 * their buffers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toCanonicalUtc } from '../../../shipper/decode/timestamp.ts';
import { isUtcTimeBytes } from '../../../shipper/decode/utc-time-bytes.ts';

const SHAPE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const oracle = (text: string): boolean => SHAPE.test(text) && toCanonicalUtc(text) !== undefined;

// Few values per field, so that neighbours often share a date and minute; invalid ones among them.
const minute = fc.tuple(
  fc.constantFrom('2026', '2024', '2100', '0000', '20x6'),
  fc.constantFrom('01', '02', '11', '12', '13', '00'),
  fc.constantFrom('01', '24', '28', '29', '30', '31', '00', '32'),
  fc.constantFrom('00', '05', '23', '24'),
  fc.constantFrom('00', '59', '60', '0a'),
).map(([y, mo, d, h, mi]) => `${y}-${mo}-${d}T${h}:${mi}:`);
// Nine fraction digits make the canonical length (30), which is read four bytes at a time: its variants put
// the bytes just outside '0'–'9' ('/' and ':') at every word's edges.
const rest = fc.tuple(
  fc.constantFrom('00', '07', '59', '60', '6x', '5:', '/9', ':0'),
  fc.constantFrom('', '.1', '.123456789', '.000', '.', '.1234567890', '.12a', '.999999999', '.000000000', '.:23456789', '.123/56789', '.1234:6789', '.12345678/', '.12345678:', '.1234567:9', ',123456789'),
  fc.constantFrom('Z', 'Z', 'Z', 'z', '+'),
).map(([s, f, z]) => `${s}${f}${z}`);

describe('isUtcTimeBytes over a sequence of times', () => {
  it('takes each time exactly when toCanonicalUtc takes a time of its shape', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 4 }), minute, rest, fc.nat({ max: 5 })), { minLength: 1, maxLength: 30 }), (times) => {
        // The date and minute of the last three times, newest first.
        const recent = ['2026-11-24T05:00:', '1970-01-01T00:00:', '2026-11-24T04:59:'];
        for (const [reuse, fresh, end, at] of times) {
          // Most times take the date and minute of one of the last three, as consecutive log lines (and
          // their applications' own times, in other minutes) do.
          const known = reuse === 0 ? fresh : recent[(reuse - 1) % 3]!;
          // Now and then a known date and minute followed by something else than ':' (the check reads 16 bytes).
          const prefix = reuse === 4 ? `${known.slice(0, 16)}.` : known;
          const text = `${prefix}${end}`;
          recent.unshift(text.slice(0, 17));
          recent.length = 3;
          const bytes = Buffer.concat([Buffer.alloc(at, 0x30), Buffer.from(text, 'latin1'), Buffer.from('"}')]);
          expect(isUtcTimeBytes(bytes, at, at + text.length)).toBe(oracle(text));
        }
      }),
      { numRuns: 5_000 },
    );
  });
});
