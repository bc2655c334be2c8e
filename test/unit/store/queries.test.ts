import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EsError, type JsonObject } from '../../../aggregator/store/types.ts';
import { hitIds, indexDocs, openTestStore, totalOf, type TestStore } from './open-store.ts';

let t: TestStore;
const NOW = Date.parse('2026-11-23T12:00:00Z');

beforeAll(async () => {
  t = await openTestStore({ now: () => NOW });
  await indexDocs(t.store, 'web', [
    { id: '1', '@timestamp': '2026-11-23T11:50:00Z', message: 'GET /index.html returned OK', status: 200, level: 'info', host: { name: 'alpha' }, tags: ['a', 'b'], ratio: 0.5, ok: true },
    { id: '2', '@timestamp': '2026-11-23T11:10:00Z', message: 'POST /api/login failed with error', status: 500, level: 'error', host: { name: 'beta' }, tags: ['b'], ratio: 1.5, ok: false },
    { id: '3', '@timestamp': '2026-11-22T09:00:00Z', message: 'GET /api/items slow response', status: 404, level: 'warn', host: { name: 'alpha-2' }, ratio: 2.5 },
    { id: '4', '@timestamp': '2026-11-20T00:00:00Z', message: 'Connection reset by peer', level: 'error', tags: ['c'] },
  ]);
});
afterAll(async () => { await t.close(); });

const ids = async (query: JsonObject, extra: JsonObject = {}): Promise<string[]> => hitIds(await t.store.search('web', { query, size: 100, sort: [{ _doc: 'asc' }], ...extra })).sort();

describe('query DSL', () => {
  it('term matches keyword, numeric and boolean values exactly', async () => {
    expect(await ids({ term: { 'level.keyword': 'error' } })).toEqual(['2', '4']);
    expect(await ids({ term: { status: 404 } })).toEqual(['3']);
    expect(await ids({ term: { status: { value: '500' } } })).toEqual(['2']);
    expect(await ids({ term: { ok: true } })).toEqual(['1']);
    expect(await ids({ term: { 'level.keyword': 'ERROR' } })).toEqual([]);
    expect(await ids({ term: { 'level.keyword': { value: 'ERROR', case_insensitive: true } } })).toEqual(['2', '4']);
  });

  it('terms matches any of the values, including inside arrays', async () => {
    expect(await ids({ terms: { status: [200, 404] } })).toEqual(['1', '3']);
    expect(await ids({ terms: { 'tags.keyword': ['a', 'c'] } })).toEqual(['1', '4']);
    expect(await ids({ term: { 'tags.keyword': 'b' } })).toEqual(['1', '2']);
  });

  it('range works on numbers, floats and dates with date math and rounding', async () => {
    expect(await ids({ range: { status: { gte: 300 } } })).toEqual(['2', '3']);
    expect(await ids({ range: { ratio: { gt: 0.5, lt: 2.5 } } })).toEqual(['2']);
    expect(await ids({ range: { '@timestamp': { gte: 'now-1h' } } })).toEqual(['1', '2']);
    expect(await ids({ range: { '@timestamp': { gte: 'now-15m/m' } } })).toEqual(['1']);
    expect(await ids({ range: { '@timestamp': { gte: 'now-1d/d', lt: 'now/d' } } })).toEqual(['3']);
    expect(await ids({ range: { '@timestamp': { lte: '2026-11-22' } } })).toEqual(['3', '4']);
    expect(await ids({ range: { '@timestamp': { gte: '2026-11-23T12:00:00', time_zone: '+01:00' } } })).toEqual(['1', '2']);
    expect(await ids({ range: { '@timestamp': { gte: '1795392000', format: 'epoch_second' } } })).toEqual(['1', '2']);
  });

  it('exists finds documents with a value, including object paths', async () => {
    expect(await ids({ exists: { field: 'status' } })).toEqual(['1', '2', '3']);
    expect(await ids({ exists: { field: 'host' } })).toEqual(['1', '2', '3']);
    expect(await ids({ exists: { field: 'nothing' } })).toEqual([]);
  });

  it('prefix, wildcard and regexp work on keywords and on text tokens', async () => {
    expect(await ids({ prefix: { 'host.name.keyword': 'alpha' } })).toEqual(['1', '3']);
    expect(await ids({ wildcard: { 'host.name.keyword': { value: 'a*-?' } } })).toEqual(['3']);
    expect(await ids({ wildcard: { 'host.name.keyword': { value: 'ALPHA*', case_insensitive: true } } })).toEqual(['1', '3']);
    expect(await ids({ regexp: { 'host.name.keyword': 'be.a' } })).toEqual(['2']);
    expect(await ids({ prefix: { message: 'respon' } })).toEqual(['3']);
    expect(await ids({ wildcard: { message: 'f*led' } })).toEqual(['2']);
  });

  it('ids selects by _id, and term on _id does too', async () => {
    expect(await ids({ ids: { values: ['2', '4', 'zz'] } })).toEqual(['2', '4']);
    expect(await ids({ term: { _id: '3' } })).toEqual(['3']);
  });

  it('match is an OR of analysed terms unless operator is and; match_phrase needs the order', async () => {
    expect(await ids({ match: { message: 'get failed' } })).toEqual(['1', '2', '3']);
    expect(await ids({ match: { message: { query: 'GET api', operator: 'and' } } })).toEqual(['3']);
    expect(await ids({ match_phrase: { message: 'api login' } })).toEqual(['2']);
    expect(await ids({ match_phrase: { message: 'login api' } })).toEqual([]);
    expect(await ids({ match_phrase_prefix: { message: 'reset by pe' } })).toEqual(['4']);
    expect(await ids({ match: { status: 404 } })).toEqual(['3']);
  });

  it('multi_match searches several fields and all fields by default', async () => {
    expect(await ids({ multi_match: { query: 'beta', fields: ['host.name', 'message'] } })).toEqual(['2']);
    expect(await ids({ multi_match: { query: 'alpha', lenient: true } })).toEqual(['1', '3']);
    expect(await ids({ multi_match: { query: 'alpha', fields: ['host.name.keyword'] } })).toEqual(['1']);
    expect(await ids({ multi_match: { query: 'reset by', type: 'phrase' } })).toEqual(['4']);
  });

  it('bool combines must, filter, should with minimum_should_match and must_not', async () => {
    expect(await ids({ bool: { filter: [{ term: { 'level.keyword': 'error' } }], must_not: [{ exists: { field: 'status' } }] } })).toEqual(['4']);
    expect(await ids({ bool: { should: [{ term: { status: 200 } }, { term: { status: 404 } }] } })).toEqual(['1', '3']);
    expect(await ids({ bool: { must: [{ match: { message: 'get' } }], should: [{ term: { status: 999 } }] } })).toEqual(['1', '3']);
    expect(await ids({ bool: { should: [{ match: { message: 'get' } }, { term: { 'level.keyword': 'warn' } }, { term: { status: 404 } }], minimum_should_match: 2 } })).toEqual(['3']);
    expect(await ids({ bool: { must_not: { term: { status: 200 } } } })).toEqual(['2', '3', '4']);
    expect(await ids({ match_none: {} })).toEqual([]);
    expect(await ids({ bool: {} })).toEqual(['1', '2', '3', '4']);
  });

  it('query_string speaks Lucene: fields, boolean operators, phrases, ranges, wildcards and _exists_', async () => {
    const qs = (query: string, extra: JsonObject = {}): Promise<string[]> => ids({ query_string: { query, ...extra } });
    expect(await qs('level:error AND NOT status:*')).toEqual(['4']);
    expect(await qs('status:[400 TO 500]')).toEqual(['2', '3']);
    expect(await qs('status:{404 TO 500]')).toEqual(['2']);
    expect(await qs('status:>=404')).toEqual(['2', '3']);
    expect(await qs('message:"api login"')).toEqual(['2']);
    expect(await qs('host.name.keyword:alpha*')).toEqual(['1', '3']);
    expect(await qs('_exists_:tags -level:error')).toEqual(['1']);
    expect(await qs('(get OR reset) AND level:error')).toEqual(['4']);
    expect(await qs('connection')).toEqual(['4']);
    expect(await qs('get api', { default_operator: 'AND' })).toEqual(['3']);
    expect(await qs('message:FAIL*')).toEqual(['2']);
  });

  it('simple_query_string never fails on syntax', async () => {
    expect(await ids({ simple_query_string: { query: 'reset + peer', fields: ['message'] } })).toEqual(['4']);
    expect(await ids({ simple_query_string: { query: 'get | connection -api', fields: ['message'] } }, {})).toEqual(expect.arrayContaining(['4']));
    expect(Array.isArray(await ids({ simple_query_string: { query: '"unclosed (', fields: ['message'] } }))).toBe(true);
  });

  it('the q parameter is a query_string with df and default_operator', async () => {
    const res = await t.store.search('web', {}, { query: { q: 'level:warn' } });
    expect(hitIds(res)).toEqual(['3']);
  });

  it('refuses unsupported queries by name with a 400', async () => {
    await expect(t.store.search('web', { query: { script: { script: 'x' } } })).rejects.toSatisfy((e: unknown) => e instanceof EsError && e.status === 400 && e.message.includes('[script]'));
    await expect(t.store.search('web', { query: { range: { '@timestamp': { gte: 'not a date' } } } })).rejects.toSatisfy((e: unknown) => e instanceof EsError && e.status === 400);
  });

  it('counts with _count', async () => {
    const res = await t.store.count('web', { query: { term: { 'level.keyword': 'error' } } });
    expect(res.count).toBe(2);
  });
});

describe('search response', () => {
  it('sorts by a field with missing values last and returns sort values', async () => {
    const res = await t.store.search('web', { sort: [{ status: { order: 'desc' } }], size: 10 });
    expect(hitIds(res)).toEqual(['2', '3', '1', '4']);
    const hits = (res.hits as JsonObject).hits as JsonObject[];
    expect(hits[0]!.sort).toEqual([500]);
    expect(hits[0]!._score).toBeNull();
  });

  it('sorts by date descending, returning epoch millis or the requested format', async () => {
    const res = await t.store.search('web', { sort: [{ '@timestamp': { order: 'desc', format: 'strict_date_optional_time' } }], size: 2 });
    expect(hitIds(res)).toEqual(['1', '2']);
    expect(((res.hits as JsonObject).hits as JsonObject[])[0]!.sort).toEqual(['2026-11-23T11:50:00.000Z']);
    const plain = await t.store.search('web', { sort: ['@timestamp'], size: 1 });
    expect(((plain.hits as JsonObject).hits as JsonObject[])[0]!.sort).toEqual([Date.parse('2026-11-20T00:00:00Z')]);
  });

  it('pages with from/size and search_after', async () => {
    const page1 = await t.store.search('web', { sort: [{ '@timestamp': 'asc' }], size: 2 });
    const page1Hits = (page1.hits as JsonObject).hits as JsonObject[];
    const page2 = await t.store.search('web', { sort: [{ '@timestamp': 'asc' }], size: 2, search_after: page1Hits[1]!.sort });
    expect([...hitIds(page1), ...hitIds(page2)]).toEqual(['4', '3', '2', '1']);
    const fromPage = await t.store.search('web', { sort: [{ '@timestamp': 'asc' }], from: 2, size: 2 });
    expect(hitIds(fromPage)).toEqual(['2', '1']);
  });

  it('refuses a result window beyond 10000', async () => {
    await expect(t.store.search('web', { from: 9999, size: 2 })).rejects.toSatisfy((e: unknown) => e instanceof EsError && e.message.includes('Result window is too large'));
  });

  it('tracks total hits exactly, up to a number, or not at all', async () => {
    expect(totalOf(await t.store.search('web', {}))).toBe(4);
    const capped = await t.store.search('web', { track_total_hits: 2 });
    expect((capped.hits as JsonObject).total).toEqual({ value: 2, relation: 'gte' });
    const none = await t.store.search('web', { track_total_hits: false });
    expect((none.hits as JsonObject).total).toBeUndefined();
  });

  it('filters _source with includes and excludes, or leaves it out', async () => {
    const res = await t.store.search('web', { query: { ids: { values: ['1'] } }, _source: { includes: ['host.*', 'status'] } });
    expect(((res.hits as JsonObject).hits as JsonObject[])[0]!._source).toEqual({ status: 200, host: { name: 'alpha' } });
    const excluded = await t.store.search('web', { query: { ids: { values: ['1'] } }, _source: { excludes: ['host', 'message', 'tags', '@timestamp'] } });
    expect(((excluded.hits as JsonObject).hits as JsonObject[])[0]!._source).toEqual({ id: '1', status: 200, level: 'info', ratio: 0.5, ok: true });
    const none = await t.store.search('web', { query: { ids: { values: ['1'] } }, _source: false });
    expect(((none.hits as JsonObject).hits as JsonObject[])[0]!._source).toBeUndefined();
    const list = await t.store.search('web', { query: { ids: { values: ['1'] } }, _source: ['status'] });
    expect(((list.hits as JsonObject).hits as JsonObject[])[0]!._source).toEqual({ status: 200 });
  });

  it('highlights matched terms in text fields with the given tags', async () => {
    const res = await t.store.search('web', {
      query: { match: { message: 'failed' } }, highlight: { pre_tags: ['@hl@'], post_tags: ['@/hl@'], fields: { '*': {} }, fragment_size: 2147483647 },
    });
    expect(((res.hits as JsonObject).hits as JsonObject[])[0]!.highlight).toEqual({ message: ['POST /api/login @hl@failed@/hl@ with error'] });
  });

  it('returns fields with dates formatted', async () => {
    const res = await t.store.search('web', { query: { ids: { values: ['2'] } }, fields: [{ field: '@timestamp' }, 'status', 'host.*'], _source: false });
    expect(((res.hits as JsonObject).hits as JsonObject[])[0]!.fields).toEqual({ '@timestamp': ['2026-11-23T11:10:00.000Z'], status: [500], 'host.name': ['beta'], 'host.name.keyword': ['beta'] });
  });

  it('searches several indices by pattern and reports each hit index', async () => {
    await indexDocs(t.store, 'other', [{ id: 'o1', message: 'GET elsewhere' }]);
    const res = await t.store.search('web,oth*', { query: { match: { message: 'get' } }, size: 10 });
    const indices = ((res.hits as JsonObject).hits as JsonObject[]).map((h) => h._index).sort();
    expect(indices).toEqual(['other', 'web', 'web']);
    const excluded = await t.store.search('*,-other', { query: { match: { message: 'get' } } });
    expect(totalOf(excluded)).toBe(2);
    await expect(t.store.search('missing', {})).rejects.toSatisfy((e: unknown) => e instanceof EsError && e.status === 404);
    expect(totalOf(await t.store.search('missing*', {}))).toBe(0);
  });
});
