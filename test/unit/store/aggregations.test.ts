import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EsError, type JsonObject } from '../../../aggregator/store/types.ts';
import { indexDocs, openTestStore, type TestStore } from './open-store.ts';

let t: TestStore;

beforeAll(async () => {
  t = await openTestStore();
  await indexDocs(t.store, 'agg', [
    { id: '1', '@timestamp': '2026-11-23T10:01:00Z', status: 200, bytes: 100, method: 'GET', ok: true, tags: ['x', 'y'] },
    { id: '2', '@timestamp': '2026-11-23T10:02:00Z', status: 200, bytes: 300, method: 'GET', ok: true, tags: ['y'] },
    { id: '3', '@timestamp': '2026-11-23T10:16:00Z', status: 404, bytes: 50, method: 'POST', ok: false },
    { id: '4', '@timestamp': '2026-11-23T11:30:00Z', status: 500, method: 'GET', ok: false, tags: ['z'] },
    { id: '5', '@timestamp': '2026-11-24T00:30:00Z', status: 200, bytes: 1000, method: 'PUT' },
  ]);
});
afterAll(async () => { await t.close(); });

const aggs = async (a: JsonObject, query?: JsonObject): Promise<JsonObject> =>
  (await t.store.search('agg', { size: 0, aggs: a, ...(query !== undefined ? { query } : {}) })).aggregations as JsonObject;

describe('aggregations', () => {
  it('terms counts keys, orders by count then key, and reports what it left out', async () => {
    const r = await aggs({ m: { terms: { field: 'method.keyword', size: 2 } } });
    expect(r.m).toEqual({ doc_count_error_upper_bound: 0, sum_other_doc_count: 1, buckets: [{ key: 'GET', doc_count: 3 }, { key: 'POST', doc_count: 1 }] });
  });

  it('terms orders by key, counts array values, supports missing and min_doc_count', async () => {
    expect(((await aggs({ m: { terms: { field: 'method.keyword', order: { _key: 'desc' } } } })).m as JsonObject).buckets).toEqual([
      { key: 'PUT', doc_count: 1 }, { key: 'POST', doc_count: 1 }, { key: 'GET', doc_count: 3 },
    ]);
    expect(((await aggs({ t: { terms: { field: 'tags.keyword' } } })).t as JsonObject).buckets).toEqual([
      { key: 'y', doc_count: 2 }, { key: 'x', doc_count: 1 }, { key: 'z', doc_count: 1 },
    ]);
    expect(((await aggs({ t: { terms: { field: 'tags.keyword', missing: 'none', min_doc_count: 2 } } })).t as JsonObject).buckets).toEqual([
      { key: 'none', doc_count: 2 }, { key: 'y', doc_count: 2 },
    ]);
  });

  it('terms on numbers and booleans renders keys like Elasticsearch', async () => {
    expect(((await aggs({ s: { terms: { field: 'status' } } })).s as JsonObject).buckets).toEqual([
      { key: 200, doc_count: 3 }, { key: 404, doc_count: 1 }, { key: 500, doc_count: 1 },
    ]);
    expect(((await aggs({ b: { terms: { field: 'ok' } } })).b as JsonObject).buckets).toEqual([
      { key: 0, key_as_string: 'false', doc_count: 2 }, { key: 1, key_as_string: 'true', doc_count: 2 },
    ]);
  });

  it('terms with a metric sub-aggregation, ordered by it', async () => {
    const r = await aggs({ m: { terms: { field: 'method.keyword', order: { avg_bytes: 'desc' } }, aggs: { avg_bytes: { avg: { field: 'bytes' } } } } });
    expect((r.m as JsonObject).buckets).toEqual([
      { key: 'PUT', doc_count: 1, avg_bytes: { value: 1000 } },
      { key: 'GET', doc_count: 3, avg_bytes: { value: 200 } },
      { key: 'POST', doc_count: 1, avg_bytes: { value: 50 } },
    ]);
  });

  it('date_histogram with fixed_interval fills empty buckets unless min_doc_count is 1', async () => {
    const r = await aggs({ h: { date_histogram: { field: '@timestamp', fixed_interval: '30m' } } }, { range: { '@timestamp': { lt: '2026-11-23T12:00:00Z' } } });
    expect(((r.h as JsonObject).buckets as JsonObject[]).map((b) => [b.key_as_string, b.doc_count])).toEqual([
      ['2026-11-23T10:00:00.000Z', 3], ['2026-11-23T10:30:00.000Z', 0], ['2026-11-23T11:00:00.000Z', 0], ['2026-11-23T11:30:00.000Z', 1],
    ]);
    const sparse = await aggs({ h: { date_histogram: { field: '@timestamp', fixed_interval: '30m', min_doc_count: 1 } } }, { range: { '@timestamp': { lt: '2026-11-23T12:00:00Z' } } });
    expect(((sparse.h as JsonObject).buckets as JsonObject[]).map((b) => b.doc_count)).toEqual([3, 1]);
  });

  it('date_histogram with calendar_interval, time_zone and extended_bounds', async () => {
    const r = await aggs({ h: { date_histogram: { field: '@timestamp', calendar_interval: 'day', time_zone: 'Europe/Paris', extended_bounds: { min: '2026-11-22T12:00:00Z', max: '2026-11-24T12:00:00Z' } } } });
    expect(((r.h as JsonObject).buckets as JsonObject[]).map((b) => [b.key_as_string, b.key, b.doc_count])).toEqual([
      ['2026-11-22T00:00:00.000+01:00', Date.parse('2026-11-21T23:00:00Z'), 0],
      ['2026-11-23T00:00:00.000+01:00', Date.parse('2026-11-22T23:00:00Z'), 4],
      ['2026-11-24T00:00:00.000+01:00', Date.parse('2026-11-23T23:00:00Z'), 1],
    ]);
  });

  it('date_histogram with a sub terms aggregation', async () => {
    const r = await aggs({ h: { date_histogram: { field: '@timestamp', calendar_interval: '1d', min_doc_count: 1 }, aggs: { m: { terms: { field: 'method.keyword' } } } } });
    const first = ((r.h as JsonObject).buckets as JsonObject[])[0]!;
    expect(first.doc_count).toBe(4);
    expect((first.m as JsonObject).buckets).toEqual([{ key: 'GET', doc_count: 3 }, { key: 'POST', doc_count: 1 }]);
  });

  it('histogram buckets numbers by interval', async () => {
    const r = await aggs({ h: { histogram: { field: 'bytes', interval: 250, min_doc_count: 1 } } });
    expect((r.h as JsonObject).buckets).toEqual([{ key: 0, doc_count: 2 }, { key: 250, doc_count: 1 }, { key: 1000, doc_count: 1 }]);
  });

  it('computes min, max, avg, sum, value_count, stats, cardinality and percentiles', async () => {
    const r = await aggs({
      min: { min: { field: 'bytes' } }, max: { max: { field: 'bytes' } }, avg: { avg: { field: 'bytes' } }, sum: { sum: { field: 'bytes' } },
      count: { value_count: { field: 'bytes' } }, stats: { stats: { field: 'status' } }, card: { cardinality: { field: 'method.keyword' } },
      pct: { percentiles: { field: 'bytes', percents: [50, 100] } }, first: { min: { field: '@timestamp' } },
    });
    expect(r.min).toEqual({ value: 50 });
    expect(r.max).toEqual({ value: 1000 });
    expect(r.avg).toEqual({ value: 362.5 });
    expect(r.sum).toEqual({ value: 1450 });
    expect(r.count).toEqual({ value: 4 });
    expect(r.stats).toEqual({ count: 5, min: 200, max: 500, avg: 300.8, sum: 1504 });
    expect(r.card).toEqual({ value: 3 });
    expect(r.pct).toEqual({ values: { '50.0': 200, '100.0': 1000 } });
    expect(r.first).toEqual({ value: Date.parse('2026-11-23T10:01:00Z'), value_as_string: '2026-11-23T10:01:00.000Z' });
  });

  it('range, date_range, missing and extended_stats', async () => {
    const r = await aggs({
      sizes: { range: { field: 'bytes', ranges: [{ to: 100 }, { from: 100, to: 500 }, { from: 500 }] } },
      when: { date_range: { field: '@timestamp', ranges: [{ to: '2026-11-23T10:10:00Z' }, { from: '2026-11-23T10:10:00Z' }] } },
      nobytes: { missing: { field: 'bytes' } },
      ext: { extended_stats: { field: 'bytes' } },
    });
    expect(((r.sizes as JsonObject).buckets as JsonObject[]).map((b) => [b.key, b.doc_count])).toEqual([['*-100', 1], ['100-500', 2], ['500-*', 1]]);
    expect(((r.when as JsonObject).buckets as JsonObject[]).map((b) => b.doc_count)).toEqual([2, 3]);
    expect(r.nobytes).toEqual({ doc_count: 1 });
    const ext = r.ext as { count: number; variance: number; std_deviation: number };
    expect(ext.count).toBe(4);
    const mean = 1450 / 4;
    const variance = [100, 300, 50, 1000].reduce((s, v) => s + (v - mean) ** 2, 0) / 4;
    expect(ext.variance).toBeCloseTo(variance, 6);
    expect(ext.std_deviation).toBeCloseTo(Math.sqrt(variance), 6);
  });

  it('prefixes aggregation names with their type when typed_keys is set', async () => {
    const res = await t.store.search('agg', { size: 0, aggs: { m: { terms: { field: 'method.keyword' }, aggs: { b: { max: { field: 'bytes' } } } } } }, { query: { typed_keys: 'true' } });
    const terms = (res.aggregations as JsonObject)['sterms#m'] as { buckets: JsonObject[] };
    expect(terms.buckets[0]).toEqual({ key: 'GET', doc_count: 3, 'max#b': { value: 300 } });
  });

  it('metrics over no documents are null, sums are 0', async () => {
    const r = await aggs({ min: { min: { field: 'bytes' } }, sum: { sum: { field: 'bytes' } } }, { term: { status: 999 } });
    expect(r).toEqual({ min: { value: null }, sum: { value: 0 } });
  });

  it('filter and filters narrow the documents of their sub-aggregations', async () => {
    const r = await aggs({
      errors: { filter: { range: { status: { gte: 400 } } }, aggs: { m: { terms: { field: 'method.keyword' } } } },
      by: { filters: { filters: { get: { term: { 'method.keyword': 'GET' } }, ok: { term: { ok: true } } } } },
    });
    expect(r.errors).toEqual({ doc_count: 2, m: { doc_count_error_upper_bound: 0, sum_other_doc_count: 0, buckets: [{ key: 'GET', doc_count: 1 }, { key: 'POST', doc_count: 1 }] } });
    expect(r.by).toEqual({ buckets: { get: { doc_count: 3 }, ok: { doc_count: 2 } } });
  });

  it('aggregations respect the query', async () => {
    const r = await aggs({ m: { terms: { field: 'method.keyword' } } }, { term: { ok: false } });
    expect(((r.m as JsonObject).buckets as JsonObject[]).map((b) => b.key)).toEqual(['GET', 'POST']);
  });

  it('refuses unsupported aggregations and aggregations on text fields', async () => {
    await expect(aggs({ x: { geo_bounds: { field: 'a' } } })).rejects.toSatisfy((e: unknown) => e instanceof EsError && e.status === 400 && e.message === 'logship does not support aggregation [geo_bounds]');
    await expect(aggs({ x: { terms: { field: 'method' } } })).rejects.toSatisfy((e: unknown) => e instanceof EsError && e.message.includes('Text fields are not optimised'));
  });
});

describe('total hits beside a date_histogram', () => {
  it('counts documents without @timestamp when nothing guarantees one', async () => {
    await indexDocs(t.store, 'agg-mixed', [{ id: 'a', '@timestamp': '2026-11-23T10:00:00Z' }, { id: 'b', other: 1 }]);
    const res = await t.store.search('agg-mixed', { size: 0, track_total_hits: true, aggs: { h: { date_histogram: { field: '@timestamp', fixed_interval: '1h' } } } });
    expect((res.hits as JsonObject).total).toEqual({ value: 2, relation: 'eq' });
    const ranged = await t.store.search('agg-mixed', { size: 0, track_total_hits: true, query: { range: { '@timestamp': { gte: '2026-11-23' } } }, aggs: { h: { date_histogram: { field: '@timestamp', fixed_interval: '1h' } } } });
    expect((ranged.hits as JsonObject).total).toEqual({ value: 1, relation: 'eq' });
    const capped = await t.store.search('agg', { size: 0, track_total_hits: 3, query: { range: { '@timestamp': { gte: '2026-11-01' } } }, aggs: { h: { date_histogram: { field: '@timestamp', calendar_interval: 'day' } } } });
    expect((capped.hits as JsonObject).total).toEqual({ value: 3, relation: 'gte' });
  });
});
