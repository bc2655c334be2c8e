import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../aggregator/store/types.ts';
import { openTestStore, type TestStore } from './open-store.ts';

let t: TestStore;
const NOW = Date.parse('2026-11-23T12:00:00Z');
beforeAll(async () => {
  t = await openTestStore({ now: () => NOW });
  await t.store.bulk([
    { op: 'create', index: 'logs-nginx.access-default', id: 'a', doc: { '@timestamp': '2026-11-23T11:59:00Z', message: '10.0.0.1 - - "GET /cart HTTP/1.1" 200', 'http.response.status_code': 200, 'url.path': '/cart', 'event.dataset': 'nginx.access' } },
    { op: 'create', index: 'logs-nginx.access-default', id: 'b', doc: { '@timestamp': '2026-11-23T11:58:00Z', message: '10.0.0.2 - - "POST /login HTTP/1.1" 401', 'http.response.status_code': 401, 'url.path': '/login', 'event.dataset': 'nginx.access' } },
  ]);
});
afterAll(async () => { await t.close(); });

describe('requests shaped like Kibana Discover', () => {
  it('answers the documents request (fields API, _source false, highlight, sort with unmapped_type)', async () => {
    const res = await t.store.search('logs-*', {
      fields: [{ field: '*', include_unmapped: 'true' }], size: 500, version: true, script_fields: {}, stored_fields: ['*'], runtime_mappings: {}, _source: false,
      query: { bool: { must: [], filter: [{ multi_match: { type: 'best_fields', query: 'login', lenient: true } }, { range: { '@timestamp': { format: 'strict_date_optional_time', gte: '2026-11-23T11:00:00.000Z', lte: '2026-11-23T12:00:00.000Z' } } }], should: [], must_not: [] } },
      highlight: { pre_tags: ['@kibana-highlighted-field@'], post_tags: ['@/kibana-highlighted-field@'], fields: { '*': {} }, fragment_size: 2147483647 },
      sort: [{ '@timestamp': { order: 'desc', format: 'strict_date_optional_time', unmapped_type: 'boolean' } }, { _doc: { order: 'desc', unmapped_type: 'boolean' } }],
      track_total_hits: false,
    }, { query: { preference: '1700000000000', ignore_unavailable: 'true' } });
    const hits = (res.hits as JsonObject).hits as JsonObject[];
    expect(hits.map((h) => h._id)).toEqual(['b']);
    expect(hits[0]!._source).toBeUndefined();
    expect((hits[0]!.fields as JsonObject)['url.path']).toEqual(['/login']);
    expect((hits[0]!.fields as JsonObject)['@timestamp']).toEqual(['2026-11-23T11:58:00.000Z']);
    expect((hits[0]!.highlight as JsonObject).message).toEqual(['10.0.0.2 - - "POST /@kibana-highlighted-field@login@/kibana-highlighted-field@ HTTP/1.1" 401']);
    expect((hits[0]!.sort as unknown[])[0]).toBe('2026-11-23T11:58:00.000Z');
  });

  it('answers the histogram request with a KQL-style filter', async () => {
    const res = await t.store.search('logs-*', {
      size: 0, track_total_hits: true,
      query: { bool: { filter: [{ bool: { should: [{ match: { 'url.path': '/cart' } }], minimum_should_match: 1 } }, { range: { '@timestamp': { gte: 'now-15m', lte: 'now', format: 'strict_date_optional_time' } } }] } },
      aggs: { 0: { date_histogram: { field: '@timestamp', fixed_interval: '1m', time_zone: 'Europe/Berlin', min_doc_count: 1 } } },
    });
    expect(((res.hits as JsonObject).total as JsonObject).value).toBe(1);
    expect(((res.aggregations as JsonObject)['0'] as JsonObject).buckets).toEqual([{ key_as_string: '2026-11-23T12:59:00.000+01:00', key: Date.parse('2026-11-23T11:59:00Z'), doc_count: 1 }]);
  });

  it('lists field capabilities for a data view over a data stream', async () => {
    const caps = await t.store.fieldCaps('logs-*', ['*']);
    const fields = caps.fields as Record<string, JsonObject>;
    expect(fields['@timestamp']).toEqual({ date: { type: 'date', metadata_field: false, searchable: true, aggregatable: true } });
    expect(fields['http.response.status_code']).toEqual({ long: { type: 'long', metadata_field: false, searchable: true, aggregatable: true } });
    expect(fields.message).toEqual({ match_only_text: { type: 'match_only_text', metadata_field: false, searchable: true, aggregatable: false } });
    expect(fields._id).toMatchObject({ _id: { metadata_field: true } });
  });
});
