import { describe, expect, it } from 'vitest';
import { toCanonicalUtc } from '../../../shipper/decode/timestamp.ts';

describe('runtime timestamps to canonical UTC', () => {
  it.each([
    ['docker, all nine digits', '2026-11-23T06:49:27.652103513Z', '2026-11-23T06:49:27.652103513Z'],
    ['docker, a trailing zero trimmed', '2026-11-23T06:49:27.84254693Z', '2026-11-23T06:49:27.842546930Z'],
    ['containerd, two trailing zeros trimmed', '2026-11-23T06:51:12.0962779Z', '2026-11-23T06:51:12.096277900Z'],
    ['no fraction at all', '2026-11-23T06:51:12Z', '2026-11-23T06:51:12.000000000Z'],
    ['conmon in UTC', '2026-11-23T06:48:14.611249077+00:00', '2026-11-23T06:48:14.611249077Z'],
    ['conmon in St John\'s (-03:30)', '2026-11-23T03:18:27.499033813-03:30', '2026-11-23T06:48:27.499033813Z'],
    ['an offset that crosses into the next year', '2026-12-31T22:00:00.5-03:30', '2027-01-01T01:30:00.500000000Z'],
    ['a positive offset that goes back to a leap day', '2024-03-01T01:00:00.000000001+02:00', '2024-02-29T23:00:00.000000001Z'],
    ['the same in a common year', '2023-03-01T01:00:00+02:00', '2023-02-28T23:00:00.000000000Z'],
    ['an offset without a colon', '2026-11-23T12:00:00.1+0545', '2026-11-23T06:15:00.100000000Z'],
    ['lower-case t and z, space-free', '2026-11-23t06:49:27.5z', '2026-11-23T06:49:27.500000000Z'],
    ['a space instead of T', '2026-11-23 06:49:27.5+01:00', '2026-11-23T05:49:27.500000000Z'],
    ['more than nine digits (kept to nanoseconds)', '2026-11-23T06:49:27.1234567891Z', '2026-11-23T06:49:27.123456789Z'],
  ])('converts %s', (_, input, expected) => {
    expect(toCanonicalUtc(input)).toBe(expected);
  });

  it.each([
    ['a day that does not exist', '2026-02-30T00:00:00Z'],
    ['hour 24', '2026-11-23T24:00:00Z'],
    ['a leap second', '2016-12-31T23:59:60Z'],
    ['a word', 'yesterday'],
    ['nothing', ''],
    ['a dot with no digits', '2026-11-23T06:49:27.Z'],
    ['an offset beyond 23 hours', '2026-11-23T06:49:27+25:00'],
    ['no zone', '2026-11-23T06:49:27.123'],
    ['an offset with minutes past 59', '2026-11-23T06:49:27.1+01:60'],
    ['an offset with minutes past 59, without a colon', '2026-11-23T06:49:27.1+0160'],
    ['something after the zone', '2026-11-23T06:49:27.1Z '],
    ['month 13 in the canonical shape', '2026-13-23T06:49:27.123456789Z'],
  ])('refuses %s', (_, input) => {
    expect(toCanonicalUtc(input)).toBeUndefined();
  });
});
