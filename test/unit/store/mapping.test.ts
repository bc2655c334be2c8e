import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Mappings } from '../../../aggregator/store/catalog.ts';
import { analyzeDocument } from '../../../aggregator/store/mapping.ts';
import { EsError, type JsonObject } from '../../../aggregator/store/types.ts';
import { hitIds, itemOf, openTestStore, type TestStore } from './open-store.ts';

describe('dynamic mapping (pure)', () => {
  it('infers text + keyword for strings, long, float, boolean and date', () => {
    const result = analyzeDocument({ mappings: {} }, { s: 'hello', n: 3, f: 1.5, b: true, d: '2026-11-23T07:00:00Z', o: { inner: 'x' } }, '1');
    if ('status' in result) throw new Error(result.reason);
    expect(Object.fromEntries(result.newFields.map((f) => [f.path, f.mapping.type]))).toEqual({ s: 'text', n: 'long', f: 'float', b: 'boolean', d: 'date', 'o.inner': 'text' });
    expect(result.newFields.find((f) => f.path === 's')!.mapping.fields).toEqual({ keyword: { type: 'keyword', ignore_above: 256 } });
  });

  it('merges a dotted key and a nested object naming one field into one multi-valued field, document after document', () => {
    const mappings: Mappings = { properties: { a: { properties: { b: { type: 'long' } } }, k: { type: 'keyword' } } };
    for (let round = 0; round < 3; round++) {
      const result = analyzeDocument({ mappings }, { 'a.b': 1, a: { b: [2, 3] }, k: `v${round}` }, '1');
      if ('status' in result) throw new Error(result.reason);
      expect(result.fields).toEqual([{ path: 'a.b', kind: 'long', values: [1, 2, 3], isArray: true }, { path: 'k', kind: 'keyword', values: [`v${round}`], isArray: false }]);
    }
    const single = analyzeDocument({ mappings }, { a: { b: 7 } }, '2');
    if ('status' in single) throw new Error(single.reason);
    expect(single.fields).toEqual([{ path: 'a.b', kind: 'long', values: [7], isArray: false }]);
    const objectForLeaf = analyzeDocument({ mappings }, { k: { x: 1 } }, '3');
    expect('status' in objectForLeaf && objectForLeaf.status).toBe(400);
  });

  it('treats dotted keys and nested objects as the same field', () => {
    const mapping = { properties: { http: { properties: { response: { properties: { status_code: { type: 'long' } } } } } } };
    const result = analyzeDocument({ mappings: mapping }, { 'http.response.status_code': '404' }, '1');
    if ('status' in result) throw new Error(result.reason);
    expect(result.fields).toEqual([{ path: 'http.response.status_code', kind: 'long', values: [404], isArray: false }]);
    expect(result.newFields).toEqual([]);
  });

  it('rejects an object where a concrete field is mapped and the reverse', () => {
    const mapping = { properties: { a: { type: 'keyword' }, o: { properties: { x: { type: 'long' } } } } };
    const objectForLeaf = analyzeDocument({ mappings: mapping }, { a: { b: 1 } }, '7');
    expect(objectForLeaf).toMatchObject({ status: 400, type: 'document_parsing_exception' });
    const valueForObject = analyzeDocument({ mappings: mapping }, { o: 'x' }, '7');
    expect(valueForObject).toMatchObject({ status: 400, type: 'document_parsing_exception' });
    expect((valueForObject as { reason: string }).reason).toContain('tried to parse field [o] as object, but found a concrete value');
  });

  it('refuses new fields under dynamic strict and ignores them under dynamic false', () => {
    const strict = analyzeDocument({ mappings: { dynamic: 'strict', properties: {} } }, { x: 1 }, '1');
    expect(strict).toMatchObject({ status: 400, type: 'strict_dynamic_mapping_exception' });
    const off = analyzeDocument({ mappings: { dynamic: false, properties: {} } }, { x: 1 }, '1');
    expect(off).toEqual({ fields: [], newFields: [], timestamp: null });
  });

  it('applies dynamic templates before the defaults', () => {
    const mappings: Mappings = { dynamic_templates: [{ strings: { match_mapping_type: 'string', mapping: { type: 'keyword' } } }, { ids: { match: '*_id', mapping: { type: 'keyword' } } }] };
    const result = analyzeDocument({ mappings }, { s: 'x', user_id: 5, n: 5 }, '1');
    if ('status' in result) throw new Error(result.reason);
    expect(Object.fromEntries(result.newFields.map((f) => [f.path, f.mapping.type]))).toEqual({ s: 'keyword', user_id: 'keyword', n: 'long' });
  });
});

describe('mappings, templates and data streams', () => {
  let t: TestStore;
  beforeEach(async () => { t = await openTestStore(); });
  afterEach(async () => { await t.close(); });

  it('reports inferred mappings in the nested properties shape', async () => {
    await t.store.bulk([{ op: 'index', index: 'dyn', id: '1', doc: { 'http.response.status_code': 200, message: 'x', '@timestamp': '2026-11-23T07:00:00Z' } }]);
    expect(await t.store.getMapping('dyn')).toEqual({
      dyn: { mappings: { properties: {
        http: { properties: { response: { properties: { status_code: { type: 'long' } } } } },
        message: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } },
        '@timestamp': { type: 'date' },
      } } },
    });
  });

  it('gives logs-*-* data streams ECS keywords, ip and long fields from the built-in template', async () => {
    const items = await t.store.bulk([{ op: 'create', index: 'logs-app-default', id: '1', doc: { '@timestamp': '2026-11-23T07:00:00Z', message: 'hello world', 'log.level': 'info', 'source.ip': '10.1.2.3', 'custom.thing': 'x', 'http.response.status_code': 200 } }]);
    const backing = String(itemOf(items[0])._index);
    const m = ((await t.store.getMapping('logs-app-default'))[backing] as { mappings: { properties: Record<string, JsonObject> } }).mappings.properties;
    expect(m.message).toEqual({ type: 'match_only_text' });
    expect(((m.log!.properties as JsonObject).level as JsonObject).type).toBe('keyword');
    expect(((m.source!.properties as JsonObject).ip as JsonObject).type).toBe('ip');
    expect(((m.custom!.properties as JsonObject).thing as JsonObject).type).toBe('keyword');
    const streams = await t.store.getDataStreams('logs-app-default');
    expect(streams).toMatchObject({ data_streams: [{ name: 'logs-app-default', template: 'logs', indices: [{ index_name: backing }] }] });
    const found = await t.store.search('logs-app-*', { query: { bool: { filter: [{ term: { 'log.level': 'info' } }, { match: { message: 'world' } }] } } });
    expect(hitIds(found)).toEqual(['1']);
  });

  it('honours a composable template of higher priority, including data_stream', async () => {
    await t.store.putIndexTemplate('mine', { index_patterns: ['mine-*'], priority: 200, data_stream: {}, template: { mappings: { properties: { code: { type: 'keyword' } } } } });
    const items = await t.store.bulk([{ op: 'create', index: 'mine-a', id: '1', doc: { '@timestamp': '2026-11-23T07:00:00Z', code: 7 } }]);
    expect(itemOf(items[0]).status).toBe(201);
    const mapping = (await t.store.getMapping('mine-a'))[String(itemOf(items[0])._index)] as JsonObject;
    expect(JSON.stringify(mapping)).toContain('"code":{"type":"keyword"}');
    const listed = await t.store.getIndexTemplates('mine');
    expect(listed).toMatchObject({ index_templates: [{ name: 'mine', index_template: { priority: 200 } }] });
    await t.store.deleteIndexTemplate('mine');
    await expect(t.store.getIndexTemplates('mine')).rejects.toSatisfy((e: unknown) => e instanceof EsError && e.status === 404);
  });

  it('honours legacy templates for plain indices', async () => {
    await t.store.putLegacyTemplate('legacy', { index_patterns: ['old-*'], order: 1, mappings: { _doc: { properties: { n: { type: 'keyword' } } } } });
    await t.store.bulk([{ op: 'index', index: 'old-1', id: '1', doc: { n: 5 } }]);
    expect(await t.store.getMapping('old-1')).toEqual({ 'old-1': { mappings: { properties: { n: { type: 'keyword' } } } } });
    expect(Object.keys(await t.store.getLegacyTemplates())).toEqual(['legacy']);
  });

  it('creates indices with mappings, refuses duplicates and applies putMapping', async () => {
    expect(await t.store.createIndex('made', { mappings: { properties: { code: { type: 'keyword' } } } })).toEqual({ acknowledged: true, shards_acknowledged: true, index: 'made' });
    await expect(t.store.createIndex('made', {})).rejects.toSatisfy((e: unknown) => e instanceof EsError && e.type === 'resource_already_exists_exception');
    await t.store.putMapping('made', { properties: { extra: { type: 'long' } } });
    await expect(t.store.putMapping('made', { properties: { code: { type: 'long' } } })).rejects.toSatisfy((e: unknown) => e instanceof EsError && e.status === 400);
    const items = await t.store.bulk([{ op: 'index', index: 'made', id: '1', doc: { code: 12, extra: '5' } }]);
    expect(itemOf(items[0]).status).toBe(201);
    expect(hitIds(await t.store.search('made', { query: { term: { code: '12' } } }))).toEqual(['1']);
    expect(hitIds(await t.store.search('made', { query: { range: { extra: { gte: 5 } } } }))).toEqual(['1']);
  });

  it('lists field capabilities in the shape Kibana reads', async () => {
    await t.store.bulk([{ op: 'index', index: 'caps', id: '1', doc: { message: 'x', n: 1 } }]);
    const caps = await t.store.fieldCaps('caps', ['message*', 'n']);
    expect(caps).toEqual({
      indices: ['caps'],
      fields: {
        message: { text: { type: 'text', metadata_field: false, searchable: true, aggregatable: false } },
        'message.keyword': { keyword: { type: 'keyword', metadata_field: false, searchable: true, aggregatable: true } },
        n: { long: { type: 'long', metadata_field: false, searchable: true, aggregatable: true } },
      },
    });
  });

  it('deletes indices and data streams and resolves names with wildcards and exclusions', async () => {
    await t.store.bulk([
      { op: 'index', index: 'a-1', id: '1', doc: { x: 1 } }, { op: 'index', index: 'a-2', id: '1', doc: { x: 1 } },
      { op: 'create', index: 'logs-x-default', id: '1', doc: { '@timestamp': '2026-11-23T07:00:00Z' } },
    ]);
    expect((await t.store.resolveIndices('a-*,-a-2,logs-*')).sort()).toEqual(['a-1', 'logs-x-default']);
    await t.store.deleteIndex('a-1');
    expect(await t.store.resolveIndices('a-*')).toEqual(['a-2']);
    await t.store.deleteDataStream('logs-x-default');
    expect(await t.store.resolveIndices('logs-*')).toEqual([]);
    expect((await t.store.stats()).documents).toBe(1);
    const rows = await t.store.catIndices('*');
    expect(rows.map((r) => [r.index, r['docs.count']])).toEqual([['a-2', 1]]);
  });

  it('creates a data stream explicitly only when a template allows it', async () => {
    expect(await t.store.createDataStream('logs-made-default')).toEqual({ acknowledged: true });
    await expect(t.store.createDataStream('nomatch')).rejects.toSatisfy((e: unknown) => e instanceof EsError && e.status === 400);
    await expect(t.store.createDataStream('logs-made-default')).rejects.toSatisfy((e: unknown) => e instanceof EsError && e.type === 'resource_already_exists_exception');
  });
});

describe('indexed fields', () => {
  it('indexes the value of fields named in index.logship.indexed_fields, also when they appear later', async () => {
    const t = await openTestStore();
    try {
      await t.store.createIndex('ix', { settings: { index: { logship: { indexed_fields: ['k', 'later'] } } }, mappings: { properties: { k: { type: 'keyword' } } } });
      await t.store.bulk([{ op: 'index', index: 'ix', id: '1', doc: { k: 'a', other: 'x' } }, { op: 'index', index: 'ix', id: '2', doc: { k: 'b', later: 5 } }]);
      const { DatabaseSync } = await import('node:sqlite');
      const db = new DatabaseSync(t.store.databasePath, { readOnly: true });
      const names = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'p%_f_c%'`).all() as Array<{ name: string }>).map((r) => r.name);
      db.close();
      expect(names).toHaveLength(2);
      const res = await t.store.search('ix', { size: 0, aggs: { k: { terms: { field: 'k' } }, l: { terms: { field: 'later' } } } });
      expect(res.aggregations).toEqual({
        k: { doc_count_error_upper_bound: 0, sum_other_doc_count: 0, buckets: [{ key: 'a', doc_count: 1 }, { key: 'b', doc_count: 1 }] },
        l: { doc_count_error_upper_bound: 0, sum_other_doc_count: 0, buckets: [{ key: 5, doc_count: 1 }] },
      });
    } finally {
      await t.close();
    }
  });
});
