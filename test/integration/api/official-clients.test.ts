/**
 * The official clients against a real listening aggregator on the real store: what applications and our
 * own shippers actually call, with the responses and errors they expect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, errors } from '@elastic/elasticsearch';
import { Client as OpenSearchClient } from '@opensearch-project/opensearch';
import { startAggregator, type AggregatorProcess } from '../../helpers/aggregator-process.ts';

let aggregator: AggregatorProcess;
let client: Client;

beforeAll(async () => {
  aggregator = await startAggregator();
  client = new Client({ node: aggregator.url });
});
afterAll(async () => {
  await client?.close();
  await aggregator?.cleanup();
});

const at = (minute: number): string => `2026-11-24T10:${String(minute).padStart(2, '0')}:00.000Z`;

describe('@elastic/elasticsearch v9 against the aggregator', () => {
  it('ping and info', async () => {
    expect(await client.ping()).toBe(true);
    const info = await client.info();
    expect(info.version.number).toBe('8.19.0');
    expect(info.version.build_flavor).toBe('default');
    expect(info.tagline).toBe('You Know, for Search');
  });

  it('bulk create with ids: 201 each, then 409 for a duplicate id', async () => {
    const operations = [1, 2, 3].flatMap((n) => [{ create: { _index: 'clients-bulk', _id: `id-${n}` } }, { '@timestamp': at(n), message: `line ${n}` }]);
    const first = await client.bulk({ refresh: true, operations });
    expect(first.errors).toBe(false);
    expect(first.items.map((item) => item.create?.status)).toEqual([201, 201, 201]);
    const again = await client.bulk({ refresh: true, operations: operations.slice(0, 2) });
    expect(again.errors).toBe(true);
    expect(again.items[0]?.create?.status).toBe(409);
    expect(again.items[0]?.create?.error?.type).toBe('version_conflict_engine_exception');
    expect((await client.count({ index: 'clients-bulk' })).count).toBe(3);
  });

  it('a mapping conflict is a 400 for that item only', async () => {
    const response = await client.bulk({
      refresh: true,
      operations: [
        { index: { _index: 'clients-mapping', _id: 'a' } }, { '@timestamp': at(1), bytes: 512 },
        { index: { _index: 'clients-mapping', _id: 'b' } }, { '@timestamp': at(2), bytes: 'not a number' },
        { index: { _index: 'clients-mapping', _id: 'c' } }, { '@timestamp': at(3), bytes: 7 },
      ],
    });
    expect(response.errors).toBe(true);
    expect(response.items.map((item) => item.index?.status)).toEqual([201, 400, 201]);
    expect(response.items[1]?.index?.error?.type).toMatch(/parsing_exception/);
  });

  it('helpers.bulk indexes a datasource', async () => {
    const documents = Array.from({ length: 250 }, (_, n) => ({ '@timestamp': at(n % 60), message: `helper ${n}`, status: n % 2 === 0 ? 200 : 500 }));
    const stats = await client.helpers.bulk({
      datasource: documents,
      onDocument: () => ({ create: { _index: 'clients-helper' } }),
      flushBytes: 4096,
      refreshOnCompletion: 'clients-helper',
    });
    expect(stats.successful).toBe(250);
    expect(stats.failed).toBe(0);
    expect((await client.count({ index: 'clients-helper' })).count).toBe(250);
  });

  it('search with a query and aggregations', async () => {
    const result = await client.search({
      index: 'clients-helper',
      size: 3,
      query: { bool: { filter: [{ term: { status: 500 } }, { range: { '@timestamp': { gte: at(0), lte: at(59) } } }] } },
      sort: [{ '@timestamp': 'desc' }],
      aggs: { statuses: { terms: { field: 'status' } }, perMinute: { date_histogram: { field: '@timestamp', fixed_interval: '10m' } } },
    });
    expect(result.hits.total).toEqual({ value: 125, relation: 'eq' });
    expect(result.hits.hits).toHaveLength(3);
    for (const hit of result.hits.hits) expect((hit._source as { status: number }).status).toBe(500);
    const statuses = result.aggregations?.statuses as { buckets: Array<{ key: number; doc_count: number }> };
    expect(statuses.buckets).toEqual([{ key: 500, doc_count: 125 }]);
    const perMinute = result.aggregations?.perMinute as { buckets: Array<{ doc_count: number }> };
    expect(perMinute.buckets.reduce((sum, bucket) => sum + bucket.doc_count, 0)).toBe(125);
  });

  it('scrolls through every document with helpers.scrollDocuments', async () => {
    const seen = new Set<string>();
    for await (const document of client.helpers.scrollDocuments<{ message: string }>({ index: 'clients-helper', size: 60, scroll: '30s' })) seen.add(document.message);
    expect(seen.size).toBe(250);
  });

  it('pages with a point in time and search_after, then closes it', async () => {
    const pit = await client.openPointInTime({ index: 'clients-helper', keep_alive: '1m' });
    const ids = new Set<string>();
    let after: Array<string | number> | undefined;
    for (;;) {
      const page = await client.search({ pit: { id: pit.id, keep_alive: '1m' }, size: 100, sort: [{ '@timestamp': 'asc' }, { _shard_doc: 'asc' }], ...(after === undefined ? {} : { search_after: after }) });
      if (page.hits.hits.length === 0) break;
      for (const hit of page.hits.hits) ids.add(hit._id!);
      after = page.hits.hits.at(-1)!.sort as Array<string | number>;
    }
    expect(ids.size).toBe(250);
    expect((await client.closePointInTime({ id: pit.id })).succeeded).toBe(true);
  });

  it('msearch answers each search with its status, a missing index included', async () => {
    const result = await client.msearch({ searches: [{ index: 'clients-helper' }, { size: 0, query: { term: { status: 200 } } }, { index: 'clients-nope' }, { query: { match_all: {} } }] });
    const [found, missing] = result.responses;
    expect((found as { status: number; hits: { total: { value: number } } }).status).toBe(200);
    expect((found as { hits: { total: { value: number } } }).hits.total.value).toBe(125);
    expect((missing as { status: number; error: { type: string } }).status).toBe(404);
    expect((missing as { error: { type: string } }).error.type).toBe('index_not_found_exception');
  });

  it('count with a query', async () => {
    expect((await client.count({ index: 'clients-helper', query: { term: { status: 200 } } })).count).toBe(125);
  });

  it('fieldCaps lists the mapped fields', async () => {
    const caps = await client.fieldCaps({ index: 'clients-helper', fields: '*' });
    expect(caps.indices).toContain('clients-helper');
    expect(Object.keys(caps.fields)).toEqual(expect.arrayContaining(['@timestamp', 'message', 'status']));
    expect(Object.keys(caps.fields['@timestamp'] ?? {})).toEqual(['date']);
  });

  it('indices.create, exists, getMapping and delete', async () => {
    await client.indices.create({ index: 'clients-made', mappings: { properties: { level: { type: 'keyword' } } } });
    expect(await client.indices.exists({ index: 'clients-made' })).toBe(true);
    const mapping = await client.indices.getMapping({ index: 'clients-made' });
    expect(mapping['clients-made']?.mappings.properties?.level).toMatchObject({ type: 'keyword' });
    await client.indices.delete({ index: 'clients-made' });
    expect(await client.indices.exists({ index: 'clients-made' })).toBe(false);
  });

  it('cat.indices as JSON', async () => {
    const rows = await client.cat.indices({ index: 'clients-bulk', format: 'json' });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.index).toBe('clients-bulk');
    expect(rows[0]?.['docs.count']).toBe('3');
  });

  it('a missing index surfaces as ResponseError with the ES error type', async () => {
    const error = await client.search({ index: 'clients-does-not-exist' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errors.ResponseError);
    expect((error as errors.ResponseError).meta.statusCode).toBe(404);
    expect((error as errors.ResponseError).body).toMatchObject({ error: { type: 'index_not_found_exception' }, status: 404 });
  });

  it('get, index, update and delete a single document', async () => {
    await client.index({ index: 'clients-doc', id: 'one', document: { '@timestamp': at(0), message: 'first' }, refresh: true });
    expect((await client.get({ index: 'clients-doc', id: 'one' }))._source).toMatchObject({ message: 'first' });
    await client.update({ index: 'clients-doc', id: 'one', doc: { message: 'second' }, refresh: true });
    expect((await client.get({ index: 'clients-doc', id: 'one' }))._source).toMatchObject({ message: 'second' });
    await client.delete({ index: 'clients-doc', id: 'one', refresh: true });
    const missing = await client.get({ index: 'clients-doc', id: 'one' }).catch((e: unknown) => e);
    expect((missing as errors.ResponseError).meta.statusCode).toBe(404);
    expect((missing as errors.ResponseError).body).toMatchObject({ found: false });
  });
});

describe('@opensearch-project/opensearch against the aggregator', () => {
  it('info, bulk, search and count', async () => {
    const opensearch = new OpenSearchClient({ node: aggregator.url });
    const info = await opensearch.info();
    expect(info.body.version.number).toBe('8.19.0');
    const bulk = await opensearch.bulk({ refresh: 'true', body: [{ create: { _index: 'clients-os', _id: '1' } }, { '@timestamp': at(1), message: 'from opensearch' }] });
    expect(bulk.body.errors).toBe(false);
    const search = await opensearch.search({ index: 'clients-os', body: { query: { match: { message: 'opensearch' } } } });
    expect(search.body.hits.hits.map((hit) => hit._id)).toEqual(['1']);
    expect((await opensearch.count({ index: 'clients-os' })).body.count).toBe(1);
    await opensearch.close();
  });
});
