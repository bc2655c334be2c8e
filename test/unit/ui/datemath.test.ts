// The page's own date math must agree with @elastic/datemath (what Kibana uses), in a time zone with DST.
process.env.TZ = 'Europe/Paris';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import datemathModule from '@elastic/datemath';
import { parseAbsolute, parseDateMath } from '../../../aggregator/ui/src/datemath.ts';

// A CommonJS module whose types declare `export default`: under Node ESM the default import is module.exports itself.
type DateMath = typeof datemathModule.default;
const datemath: DateMath = ('parse' in datemathModule ? datemathModule : datemathModule.default) as DateMath;

const reference = (text: string, now: number, roundUp: boolean): number | undefined => {
  const result = datemath.parse(text, { roundUp, forceNow: new Date(now) });
  return result && result.isValid() ? result.valueOf() : undefined;
};

describe('date math', () => {
  const now = Date.UTC(2026, 10, 24, 4, 48, 14, 321); // 2026-11-24T04:48:14.321Z

  it('evaluates the quick ranges and rounding like Kibana', () => {
    for (const text of ['now', 'now-15m', 'now-1h', 'now-24h', 'now-7d', 'now/d', 'now-1d/d', 'now/w', 'now/M', 'now/y', 'now+1M/M', 'now-30s/m', 'now-1y']) {
      for (const roundUp of [false, true]) {
        expect(parseDateMath(text, { now, roundUp }), `${text} roundUp=${roundUp}`).toBe(reference(text, now, roundUp));
      }
    }
  });

  it('rounds now/d down to local midnight and up to the last millisecond of the day', () => {
    expect(new Date(parseDateMath('now/d', { now })!).toISOString()).toBe('2026-11-23T23:00:00.000Z');
    expect(new Date(parseDateMath('now/d', { now, roundUp: true })!).toISOString()).toBe('2026-11-24T22:59:59.999Z');
  });

  it('anchors math on an absolute date with ||', () => {
    expect(parseDateMath('2026-03-29T12:00:00Z||-1d')).toBe(reference('2026-03-29T12:00:00Z||-1d', now, false));
    expect(parseDateMath('2026-01-31||+1M')).toBe(reference('2026-01-31||+1M', now, false));
  });

  it('reads ISO dates with and without offsets as moment does', () => {
    for (const text of ['2026-11-23T06:16:36Z', '2026-11-23T06:16:36.123+05:30', '2026-11-23T06:16:36', '2026-11-23', '2026-07-01T00:00:00.5-0800']) {
      expect(parseAbsolute(text), text).toBe(reference(text, now, false));
    }
  });

  it('rejects text that is not date math', () => {
    for (const text of ['', 'now-', 'now-2/d', 'now-15q', 'yesterday', 'now+1x']) {
      expect(parseDateMath(text, { now }), text).toBeUndefined();
    }
  });

  it('agrees with @elastic/datemath on random expressions across DST changes', () => {
    const op = fc.oneof(
      fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 400 }), fc.constantFrom('y', 'M', 'w', 'd', 'h', 'm', 's', 'ms')).map(([o, n, u]) => `${o}${u === "y" ? n % 30 : n}${u}`), // years stay after 1911, when Paris time had seconds in its offset
      fc.constantFrom('y', 'M', 'w', 'd', 'h', 'm', 's').map((u) => `/${u}`),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 4 }), fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }), fc.boolean(), (ops, at, roundUp) => {
        const text = `now${ops.join('')}`;
        expect(parseDateMath(text, { now: at, roundUp })).toBe(reference(text, at, roundUp));
      }),
      { numRuns: 2000, examples: [[["-351h", "/h"], 1794153600000, false]] }, // the hour that repeats when clocks go back
    );
  });
});
