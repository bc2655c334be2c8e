/**
 * `YYYY-MM-DDTHH:MM:SS.sssZ` is parsed without the regex (dates.ts, parseCanonicalUtc): on strings of that
 * shape with any digits (invalid months, days, hours included) and on near misses, the answer must be the
 * general parser's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDatePattern, parseDateString } from '../../../aggregator/store/dates.ts';

const digits = (n: number): fc.Arbitrary<string> => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
const plausible = (min: number, max: number): fc.Arbitrary<string> => fc.integer({ min, max }).map((v) => String(v).padStart(2, '0'));
const canonicalArb = fc.tuple(
  fc.oneof(digits(4), fc.integer({ min: 1960, max: 2100 }).map(String)), fc.oneof(digits(2), plausible(1, 12)), fc.oneof(digits(2), plausible(1, 31)),
  fc.oneof(digits(2), plausible(0, 24)), fc.oneof(digits(2), plausible(0, 59)), fc.oneof(digits(2), plausible(0, 60)), digits(3),
).map(([y, mo, d, h, mi, s, ms]) => `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
const nearMissArb = fc.tuple(canonicalArb, fc.integer({ min: 0, max: 23 }), fc.constantFrom('x', '5', ' ', 'z', '-', ':', '.', 'T')).map(([s, at, c]) => s.slice(0, at) + c + s.slice(at + 1));

describe('the canonical ISO date shortcut', () => {
  it('parses exactly as the general parser', () => {
    fc.assert(fc.property(fc.oneof(canonicalArb, nearMissArb, fc.date({ noInvalidDate: true }).map((d) => d.toISOString())), fc.constantFrom('UTC', 'Europe/Berlin', '+05:30'), fc.boolean(), (text, zone, roundUp) => {
      expect(parseDateString(text, zone, roundUp)).toBe(parseDatePattern(text, zone, roundUp));
    }), { numRuns: 5000, examples: [['0000-01-01T23:59:60.000Z', 'UTC', false], ['2026-12-31T23:59:60.000Z', 'UTC', false], ['2026-11-24T12:59:60.000Z', 'UTC', false]] });
  });
});
