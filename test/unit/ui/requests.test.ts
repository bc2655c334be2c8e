// The requests the search page sends have the shapes Kibana Discover sends (es-compat.md §3).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addToBuckets, buildQuery, documentsRequest, fillBuckets, histogramRequest, termsRequest, timeBounds, TimeRangeError, type ViewState,
} from '../../../aggregator/ui/src/search/requests.ts';
import { chooseInterval } from '../../../aggregator/ui/src/search/interval.ts';
import { decodeState, DEFAULT_STATE, encodeState, type UrlState } from '../../../aggregator/ui/src/search/url-state.ts';
import { fieldsFromCaps } from '../../../aggregator/ui/src/search/fields.ts';
import { flattenSource } from '../../../aggregator/ui/src/search/flatten.ts';
import { KqlSyntaxError } from '../../../aggregator/ui/src/kql/parse.ts';

const view: ViewState = { ...DEFAULT_STATE, query: 'kubernetes.namespace : shop', filters: [{ field: 'http.request.method', value: 'GET', negate: false }, { field: 'url.path', value: '/health', negate: true }] };
const bounds = { min: Date.UTC(2026, 10, 24, 4, 0), max: Date.UTC(2026, 10, 24, 5, 0) };

describe('search requests', () => {
  it('puts the KQL query, the pills and the time range in bool.filter, negated pills in must_not', () => {
    expect(buildQuery(view, bounds)).toEqual({
      bool: {
        must: [],
        filter: [
          { bool: { should: [{ match: { 'kubernetes.namespace': 'shop' } }], minimum_should_match: 1 } },
          { match_phrase: { 'http.request.method': 'GET' } },
          { range: { '@timestamp': { format: 'strict_date_optional_time', gte: '2026-11-24T04:00:00.000Z', lte: '2026-11-24T05:00:00.000Z' } } },
        ],
        should: [],
        must_not: [{ match_phrase: { 'url.path': '/health' } }],
      },
    });
  });

  it('sends Lucene as query_string with analyze_wildcard in bool.must', () => {
    const query = buildQuery({ ...view, language: 'lucene', query: 'status:[500 TO 599]', filters: [] }, bounds, { timeZone: 'Europe/Paris' });
    expect((query.bool as { must: unknown[] }).must).toEqual([{ query_string: { query: 'status:[500 TO 599]', analyze_wildcard: true, time_zone: 'Europe/Paris' } }]);
  });

  it('throws a positioned KqlSyntaxError for bad KQL', () => {
    expect(() => buildQuery({ ...view, query: 'a:(b' }, bounds)).toThrow(KqlSyntaxError);
  });

  it('sorts documents newest first with Kibana\'s tiebreaker and pages with search_after', () => {
    const request = documentsRequest({ match_all: {} }, '@timestamp', 100, ['2026-11-24T04:59:00.000Z', 17]);
    expect(request).toEqual({
      size: 100,
      sort: [
        { '@timestamp': { order: 'desc', format: 'strict_date_optional_time', unmapped_type: 'boolean' } },
        { _doc: { order: 'desc', unmapped_type: 'boolean' } },
      ],
      query: { match_all: {} },
      track_total_hits: false,
      search_after: ['2026-11-24T04:59:00.000Z', 17],
    });
  });

  it('counts exactly and buckets by a fixed interval in the histogram request', () => {
    expect(histogramRequest({ match_all: {} }, '@timestamp', { es: '1m', ms: 60_000 }, 'UTC')).toEqual({
      size: 0,
      track_total_hits: true,
      query: { match_all: {} },
      aggs: { histogram: { date_histogram: { field: '@timestamp', fixed_interval: '1m', time_zone: 'UTC', min_doc_count: 1 } } },
    });
    expect(termsRequest({ match_all: {} }, ['a', 'b'], 5).aggs).toEqual({ 0: { terms: { field: 'a', size: 5 } }, 1: { terms: { field: 'b', size: 5 } } });
  });

  it('chooses 50 to 100 buckets for the quick ranges', () => {
    for (const span of [15 * 60_000, 3_600_000, 86_400_000, 7 * 86_400_000]) {
      const interval = chooseInterval(span);
      const buckets = span / interval.ms;
      expect(buckets, interval.es).toBeGreaterThanOrEqual(30);
      expect(buckets, interval.es).toBeLessThanOrEqual(100);
    }
  });

  it('never makes more than 100 buckets, whatever the range', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 50 * 365 * 86_400_000 }), (span) => span / chooseInterval(span).ms <= 100));
  });

  it('resolves the range with "to" rounded up and rejects an inverted or invalid one', () => {
    const now = Date.UTC(2026, 10, 24, 4, 48);
    expect(timeBounds({ from: 'now-15m', to: 'now' }, now)).toEqual({ min: now - 900_000, max: now });
    expect(() => timeBounds({ from: 'now', to: 'now-1h' }, now)).toThrow(TimeRangeError);
    expect(() => timeBounds({ from: 'yesterday', to: 'now' }, now)).toThrow(/Invalid start/);
  });

  it('fills the histogram with empty buckets across the range and adds live lines to it', () => {
    const interval = { es: '10m', ms: 600_000 };
    const filled = fillBuckets([{ key: bounds.min + 1_200_000, count: 4 }], bounds, interval);
    expect(filled.map((b) => b.count)).toEqual([0, 0, 4, 0, 0, 0, 0]);
    const live = addToBuckets(filled, bounds.max + 700_000, interval);
    expect(live.length).toBe(8);
    expect(live.at(-1)).toEqual({ key: bounds.min + 7 * 600_000, count: 1 });
    expect(addToBuckets(live, bounds.min + 1_200_001, interval)[2]!.count).toBe(5);
  });
});

describe('URL state', () => {
  it('round-trips every part of the view through the hash', () => {
    const state: UrlState = { ...view, from: '2026-11-24T04:00:00.000Z', to: 'now/d', language: 'lucene', columns: ['url.path', 'http.response.status_code'], live: true, index: 'logs-nginx.access-*', timeField: 'event.created' };
    expect(decodeState(encodeState(state))).toEqual(state);
  });

  it('round-trips any view, whatever characters its query, pills and columns hold', () => {
    const text = fc.string({ minLength: 1, maxLength: 30 }).filter((t) => t.trim() !== '');
    const filter = fc.record({ field: text, value: fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean()), negate: fc.boolean() });
    const state = fc.record({
      index: text, timeField: text, from: text, to: text, query: fc.string({ maxLength: 60 }),
      language: fc.constantFrom('kuery' as const, 'lucene' as const), filters: fc.array(filter, { maxLength: 4 }), columns: fc.array(fc.string({ maxLength: 20 }), { maxLength: 4 }), live: fc.boolean(),
    });
    fc.assert(fc.property(state, (s) => { expect(decodeState(encodeState(s))).toEqual(s); }), { numRuns: 500 });
  });

  it('falls back to the defaults for whatever is missing or malformed', () => {
    expect(decodeState('')).toEqual(DEFAULT_STATE);
    expect(decodeState('#/?filters=%5Bnot-json&columns=7&lang=sql')).toEqual(DEFAULT_STATE);
  });
});

describe('field list', () => {
  it('reads _field_caps into typed fields, hiding metadata and object fields', () => {
    const fields = fieldsFromCaps({
      fields: {
        '@timestamp': { date: { type: 'date', searchable: true, aggregatable: true } },
        message: { text: { type: 'text', searchable: true, aggregatable: false } },
        'url.path': { keyword: { type: 'keyword', searchable: true, aggregatable: true } },
        status: { long: { type: 'long', searchable: true, aggregatable: true }, keyword: { type: 'keyword', searchable: true, aggregatable: true } },
        _source: { _source: { type: '_source', metadata_field: true, searchable: false, aggregatable: false } },
        url: { object: { type: 'object', searchable: false, aggregatable: false } },
      },
    });
    expect(fields.map((f) => [f.name, f.type, f.aggregatable])).toEqual([
      ['@timestamp', 'date', true], ['message', 'string', false], ['status', 'conflict', true], ['url.path', 'string', true],
    ]);
  });

  it('flattens a document to dotted names, keeping arrays as values', () => {
    expect(flattenSource({ a: { b: 1, c: { d: 'x' } }, tags: ['t1', 't2'], 'k.dotted': true })).toEqual({ 'a.b': 1, 'a.c.d': 'x', tags: ['t1', 't2'], 'k.dotted': true });
  });
});
