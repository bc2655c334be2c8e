import { describe, expect, it } from 'vitest';
import { calendarFloor, calendarNext, evaluateDateMath } from '../../../aggregator/store/datemath.ts';
import { parseDateValue } from '../../../aggregator/store/dates.ts';
import { parseQuery } from '../../../aggregator/store/query/ast.ts';
import { parseLucene } from '../../../aggregator/store/query/lucene.ts';

const NOW = Date.parse('2026-11-23T12:34:56.789Z');
const opts = { fields: ['*'], operator: 'or' as const, simple: false, lenient: true };

describe('date math', () => {
  it.each([
    ['now', 'down', '2026-11-23T12:34:56.789Z'],
    ['now-15m', 'down', '2026-11-23T12:19:56.789Z'],
    ['now-15m/m', 'down', '2026-11-23T12:19:00.000Z'],
    ['now/d', 'down', '2026-11-23T00:00:00.000Z'],
    ['now/d', 'up', '2026-11-23T23:59:59.999Z'],
    ['now-1M/M', 'down', '2026-10-01T00:00:00.000Z'],
    ['now/w', 'down', '2026-11-23T00:00:00.000Z'],
    ['2026-11-20||+1d/d', 'up', '2026-11-21T23:59:59.999Z'],
    ['2026-11-20', 'up', '2026-11-20T23:59:59.999Z'],
    ['2026-11', 'down', '2026-11-01T00:00:00.000Z'],
  ] as const)('%s rounding %s is %s', (expr, rounding, expected) => {
    expect(new Date(evaluateDateMath(expr, { now: NOW, rounding })!).toISOString()).toBe(expected);
  });

  it('rounds in the given time zone', () => {
    expect(new Date(evaluateDateMath('now/d', { now: NOW, zone: 'America/New_York' })!).toISOString()).toBe('2026-11-23T05:00:00.000Z');
    expect(new Date(evaluateDateMath('now/d', { now: NOW, zone: '+02:00' })!).toISOString()).toBe('2026-11-22T22:00:00.000Z');
  });

  it('moves hours on the timeline and days on the wall clock across DST, as java.time does for Elasticsearch', () => {
    const at = (expr: string, now: string, rounding: 'down' | 'up' = 'down'): string =>
      new Date(evaluateDateMath(expr, { now: Date.parse(now), zone: 'Europe/Paris', rounding })!).toISOString();
    // Clocks went back at 01:00Z on 2026-10-25: 24 hours earlier is not the same wall time, a day earlier is.
    expect(at('now-24h', '2026-10-25T12:00:00.000Z')).toBe('2026-10-24T12:00:00.000Z');
    expect(at('now-1d', '2026-10-25T12:00:00.000Z')).toBe('2026-10-24T11:00:00.000Z');
    // 00:30Z is the first 02:30 of that night (+02:00): its hour starts at 02:00+02:00, not at the later 02:00+01:00.
    expect(at('now/h', '2026-10-25T00:30:00.000Z')).toBe('2026-10-25T00:00:00.000Z');
    expect(at('now/h', '2026-10-25T00:30:00.000Z', 'up')).toBe('2026-10-25T00:59:59.999Z');
    expect(at('now/h', '2026-10-25T01:30:00.000Z')).toBe('2026-10-25T01:00:00.000Z');
    // 02:30 on 2026-03-29 does not exist in Paris: the wall time moves forward past the gap, to 03:30+02:00.
    expect(at('now+1d', '2026-03-28T01:30:00.000Z')).toBe('2026-03-29T01:30:00.000Z');
    expect(at('now/d', '2026-03-29T12:00:00.000Z', 'up')).toBe('2026-03-29T21:59:59.999Z');
  });

  it('gives each real hour its own calendar bucket on the night clocks go back, and a day its 25 hours', () => {
    const starts: string[] = [];
    for (let t = Date.parse('2026-10-24T23:00:00.000Z'); t < Date.parse('2026-10-25T03:00:00.000Z'); t = calendarNext(t, 'h', 'Europe/Paris')) {
      expect(calendarFloor(t + 1_799_999, 'h', 'Europe/Paris')).toBe(t);
      starts.push(new Date(t).toISOString().slice(11, 16));
    }
    expect(starts).toEqual(['23:00', '00:00', '01:00', '02:00']);
    const day = calendarFloor(Date.parse('2026-10-25T12:00:00.000Z'), 'd', 'Europe/Paris');
    expect(new Date(day).toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(calendarNext(day, 'd', 'Europe/Paris') - day).toBe(25 * 3_600_000);
  });

  it('refuses what is not a date', () => {
    expect(evaluateDateMath('yesterday', { now: NOW })).toBeUndefined();
    expect(parseDateValue('2026-13-01')).toBeUndefined();
    expect(parseDateValue('2026-11-23T07:00:00.123456789+01:00')).toBe(Date.parse('2026-11-23T06:00:00.123Z'));
    expect(parseDateValue(1_700_000_000_000)).toBe(1_700_000_000_000);
  });
});

describe('Lucene query syntax', () => {
  it('makes both sides of AND required and keeps bare terms optional', () => {
    expect(parseLucene('a AND b OR c', opts)).toEqual({
      t: 'bool', filter: [], mustNot: [], msm: undefined,
      must: [expect.objectContaining({ t: 'match', query: 'a' }), expect.objectContaining({ t: 'match', query: 'b' })],
      should: [expect.objectContaining({ t: 'match', query: 'c' })],
    });
  });

  it('reads fields, ranges, comparisons, phrases, negation and _exists_', () => {
    expect(parseLucene('status:[200 TO *}', opts)).toEqual({ t: 'range', field: 'status', gte: '200' });
    expect(parseLucene('bytes:>=10', opts)).toEqual({ t: 'range', field: 'bytes', gte: '10' });
    expect(parseLucene('msg:"a b"', opts)).toMatchObject({ t: 'match', fields: ['msg'], query: 'a b', kind: 'phrase' });
    expect(parseLucene('_exists_:x', opts)).toEqual({ t: 'exists', field: 'x' });
    expect(parseLucene('-level:debug', opts)).toMatchObject({ t: 'bool', mustNot: [{ t: 'match', fields: ['level'], query: 'debug' }] });
    expect(parseLucene('host:web*', opts)).toEqual({ t: 'prefix', field: 'host', value: 'web', ci: false });
    expect(parseLucene('path:\\/api\\/v1', opts)).toMatchObject({ t: 'match', fields: ['path'], query: '/api/v1' });
    expect(parseLucene('*:*', opts)).toEqual({ t: 'all' });
    expect(parseLucene('f:(a b)', opts)).toMatchObject({ t: 'bool', should: [{ fields: ['f'], query: 'a' }, { fields: ['f'], query: 'b' }] });
  });

  it('reports unbalanced parentheses as a 400', () => {
    expect(() => parseLucene('(a OR b', opts)).not.toThrow();
    expect(() => parseLucene('a OR b)', opts)).toThrow(/unbalanced/);
  });
});

describe('query DSL parsing', () => {
  it('accepts shorthand forms and refuses unknown queries by name', () => {
    expect(parseQuery({ term: { a: 'x' } })).toEqual({ t: 'term', field: 'a', value: 'x', ci: false });
    expect(parseQuery({ match: { a: 'x y' } })).toMatchObject({ t: 'match', fields: ['a'], query: 'x y', operator: 'or' });
    expect(() => parseQuery({ nested: {} })).toThrow('logship does not support query [nested]');
    expect(() => parseQuery({ term: { a: 1, b: 2 } })).toThrow(/multiple fields/);
  });
});
