/**
 * Which searches take the store's fast paths (the answers are property-tested elsewhere: rollup.test.ts,
 * fts-histogram.test.ts). Kibana's own request shapes must be recognised, or searches at 10 M documents
 * fall back to reading rows.
 */
import { describe, expect, it } from 'vitest';
import type { IndexInfo, Leaf } from '../../../aggregator/store/catalog.ts';
import { ftsDriven } from '../../../aggregator/store/aggregations/fts-histogram.ts';
import { parseQuery } from '../../../aggregator/store/query/ast.ts';
import type { PartitionContext } from '../../../aggregator/store/query/compile.ts';
import { timeOnlyRange } from '../../../aggregator/store/query/time-range.ts';

const leaf = (path: string, kind: Leaf['kind'], col: number): Leaf => ({ path, kind, esType: kind, col, storesValue: kind !== 'text', multi: false });
const index = {
  id: 1, name: 'logs', uuid: 'u', createdMs: 0, settings: {}, mappings: {}, cols: {}, multi: new Set<string>(), nextCol: 4, dataStream: null, hidden: false, seq: 0,
  fields: new Map([['@timestamp', leaf('@timestamp', 'date', 1)], ['message', leaf('message', 'text', 2)], ['status', leaf('status', 'long', 3)]]),
} satisfies IndexInfo;
const ctx: PartitionContext = { index, part: { id: 7, indexId: 1, day: 20_000, sharedText: [] }, now: Date.parse('2026-11-24T12:00:00Z') };
const kibanaTime = { range: { '@timestamp': { format: 'strict_date_optional_time', gte: '2026-11-23T12:00:00.000Z', lte: '2026-11-24T12:00:00.000Z' } } };

describe('fast path recognition', () => {
  it('sees time-only queries, Kibana filter shape included', () => {
    expect(timeOnlyRange(parseQuery({ match_all: {} }), ctx)).toEqual({ requiresTimestamp: false });
    expect(timeOnlyRange(parseQuery({ range: { '@timestamp': { gte: 'now-24h' } } }), ctx)).toEqual({ lo: { at: ctx.now - 86_400_000, strict: false }, requiresTimestamp: true });
    const kibana = parseQuery({ bool: { must: [], filter: [{ match_all: {} }, kibanaTime], should: [], must_not: [] } });
    expect(timeOnlyRange(kibana, ctx)).toEqual({ lo: { at: Date.parse('2026-11-23T12:00:00Z'), strict: false }, hi: { at: Date.parse('2026-11-24T12:00:00Z'), strict: false }, requiresTimestamp: true });
    expect(timeOnlyRange(parseQuery({ bool: { filter: [kibanaTime, { term: { status: 404 } }] } }), ctx)).toBeUndefined();
    expect(timeOnlyRange(parseQuery({ bool: { filter: [kibanaTime], must_not: [{ term: { status: 404 } }] } }), ctx)).toBeUndefined();
  });

  it('sees one full-text match with time ranges, KQL `message: android` included', () => {
    const plain = ftsDriven(parseQuery({ bool: { must: [{ match: { message: 'android' } }], filter: [kibanaTime] } }), ctx, {});
    expect(plain).toMatchObject({ table: 'p7_x2', match: '"android"' });
    const kql = parseQuery({ bool: { must: [], filter: [{ bool: { should: [{ match: { message: 'android' } }], minimum_should_match: 1 } }, kibanaTime], should: [], must_not: [] } });
    expect(ftsDriven(kql, ctx, {})).toMatchObject({ table: 'p7_x2', match: '"android"' });
    // A partition whose shared full-text table holds the field: the match carries the column filter.
    const shared: PartitionContext = { ...ctx, part: { ...ctx.part, sharedText: [2] } };
    expect(ftsDriven(kql, shared, {})).toMatchObject({ table: 'p7_x', match: 'c2 : ("android")' });
    expect(ftsDriven(parseQuery({ bool: { must: [{ match: { message: 'android' } }, { term: { status: 404 } }] } }), ctx, {})).toBeUndefined();
    expect(ftsDriven(parseQuery({ range: { '@timestamp': { gte: 'now-1h' } } }), ctx, {})).toBeUndefined();
  });
});
