import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EsError } from '../../../aggregator/store/types.ts';
import { hitIds, itemOf, openTestStore, type TestStore } from './open-store.ts';

let t: TestStore;
beforeEach(async () => { t = await openTestStore(); });
afterEach(async () => { await t.close(); });

const STREAM = 'logs-nginx.access-default';

describe('bulk writes', () => {
  it('creates documents and answers 201 with the backing index of the data stream', async () => {
    const items = await t.store.bulk([{ op: 'create', index: STREAM, id: 'a', doc: { '@timestamp': '2026-11-23T07:00:00Z', message: 'GET /' } }]);
    const item = itemOf(items[0]);
    expect(item.status).toBe(201);
    expect(item.result).toBe('created');
    expect(String(item._index)).toMatch(/^\.ds-logs-nginx\.access-default-\d{4}\.\d{2}\.\d{2}-000001$/);
  });

  it('answers 409 for a create whose _id is already stored in another day partition', async () => {
    await t.store.bulk([{ op: 'create', index: STREAM, id: 'same', doc: { '@timestamp': '2026-11-20T07:00:00Z', message: 'first' } }]);
    const items = await t.store.bulk([{ op: 'create', index: STREAM, id: 'same', doc: { '@timestamp': '2026-11-23T07:00:00Z', message: 'retry with another day' } }]);
    const item = itemOf(items[0]);
    expect(item.status).toBe(409);
    expect((item.error as { type: string }).type).toBe('version_conflict_engine_exception');
    const found = await t.store.search(STREAM, { query: { match_all: {} } });
    expect(hitIds(found)).toEqual(['same']);
  });

  it('answers 409 for the second of two creates with the same _id inside one bulk', async () => {
    const items = await t.store.bulk([
      { op: 'create', index: STREAM, id: 'x', doc: { '@timestamp': '2026-11-23T07:00:00Z', message: 'a' } },
      { op: 'create', index: STREAM, id: 'x', doc: { '@timestamp': '2026-11-23T07:00:01Z', message: 'b' } },
    ]);
    expect(items.map((i) => itemOf(i).status)).toEqual([201, 409]);
  });

  it('refuses index operations into a data stream, as Elasticsearch does', async () => {
    const items = await t.store.bulk([{ op: 'index', index: STREAM, id: 'a', doc: { '@timestamp': '2026-11-23T07:00:00Z' } }]);
    expect(itemOf(items[0]).status).toBe(400);
    expect(JSON.stringify(itemOf(items[0]).error)).toContain('op_type of create');
  });

  it('refuses a data stream document without @timestamp', async () => {
    const items = await t.store.bulk([{ op: 'create', index: STREAM, id: 'a', doc: { message: 'no time' } }]);
    expect(itemOf(items[0]).status).toBe(400);
  });

  it('rejects one document whose value conflicts with the mapping and keeps the others', async () => {
    const items = await t.store.bulk([
      { op: 'create', index: STREAM, id: 'ok', doc: { '@timestamp': '2026-11-23T07:00:00Z', http: { response: { status_code: 200 } } } },
      { op: 'create', index: STREAM, id: 'bad', doc: { '@timestamp': '2026-11-23T07:00:00Z', 'http.response.status_code': 'abc' } },
    ]);
    expect(itemOf(items[0]).status).toBe(201);
    const bad = itemOf(items[1]);
    expect(bad.status).toBe(400);
    const error = bad.error as { type: string; reason: string };
    expect(error.type).toBe('document_parsing_exception');
    expect(error.reason).toMatch(/failed to parse field \[http\.response\.status_code\] of type \[long\] in document with id 'bad'\. Preview of field's value: 'abc'/);
    const doc = await t.store.getDocument(STREAM, 'bad');
    expect(doc.found).toBe(false);
  });

  it('overwrites a document with index and reports version 2', async () => {
    await t.store.bulk([{ op: 'index', index: 'plain', id: '1', doc: { n: 1 } }]);
    const items = await t.store.bulk([{ op: 'index', index: 'plain', id: '1', doc: { n: 2 } }]);
    expect(itemOf(items[0])).toMatchObject({ result: 'updated', status: 200, _version: 2 });
    const doc = await t.store.getDocument('plain', '1');
    expect(doc._source).toEqual({ n: 2 });
    const search = await t.store.search('plain', { query: { term: { n: 1 } } });
    expect(hitIds(search)).toEqual([]);
  });

  it('updates with a partial doc, upserts, and reports missing documents', async () => {
    await t.store.bulk([{ op: 'index', index: 'plain', id: '1', doc: { a: { b: 1, c: 2 } } }]);
    const items = await t.store.bulk([
      { op: 'update', index: 'plain', id: '1', doc: { a: { c: 3 } } },
      { op: 'update', index: 'plain', id: '2', doc: { z: 1 }, docAsUpsert: true },
      { op: 'update', index: 'plain', id: '3', doc: { z: 1 } },
      { op: 'update', index: 'plain', id: '4', doc: { z: 1 }, upsert: { z: 0 } },
      { op: 'update', index: 'plain', id: '1', doc: { a: { c: 3 } } },
    ]);
    expect(items.map((i) => itemOf(i).result ?? itemOf(i).status)).toEqual(['updated', 'created', 404, 'created', 'noop']);
    expect((await t.store.getDocument('plain', '1'))._source).toEqual({ a: { b: 1, c: 3 } });
    expect((await t.store.getDocument('plain', '4'))._source).toEqual({ z: 0 });
    const search = await t.store.search('plain', { query: { term: { 'a.c': 3 } } });
    expect(hitIds(search)).toEqual(['1']);
  });

  it('deletes documents so that search and get no longer see them, and a create may reuse the id', async () => {
    await t.store.bulk([{ op: 'create', index: STREAM, id: 'd', doc: { '@timestamp': '2026-11-23T07:00:00Z', message: 'to delete' } }]);
    const items = await t.store.bulk([{ op: 'delete', index: STREAM, id: 'd' }, { op: 'delete', index: STREAM, id: 'never' }]);
    expect(items.map((i) => itemOf(i).result)).toEqual(['deleted', 'not_found']);
    expect((await t.store.getDocument(STREAM, 'd')).found).toBe(false);
    expect(hitIds(await t.store.search(STREAM, { query: { match: { message: 'delete' } } }))).toEqual([]);
    const again = await t.store.bulk([{ op: 'create', index: STREAM, id: 'd', doc: { '@timestamp': '2026-11-23T07:00:00Z', message: 'back' } }]);
    expect(itemOf(again[0]).status).toBe(201);
  });

  it('generates a 20-character _id when none is given', async () => {
    const items = await t.store.bulk([{ op: 'index', index: 'plain', doc: { a: 1 } }]);
    expect(String(itemOf(items[0])._id)).toMatch(/^[A-Za-z0-9_-]{20}$/);
  });

  it('rejects an empty _id and an unknown pipeline per item', async () => {
    const items = await t.store.bulk([
      { op: 'index', index: 'plain', id: '', doc: { a: 1 } },
      { op: 'index', index: 'plain', id: 'p', doc: { a: 1 }, pipeline: 'nope' },
    ]);
    expect(items.map((i) => itemOf(i).status)).toEqual([400, 400]);
  });

  it('rejects an invalid index name per item', async () => {
    const items = await t.store.bulk([{ op: 'index', index: 'Upper', id: '1', doc: { a: 1 } }]);
    expect((itemOf(items[0]).error as { type: string }).type).toBe('invalid_index_name_exception');
  });

  it('throws index_not_found_exception when getting from a missing index', async () => {
    await expect(t.store.getDocument('missing', '1')).rejects.toSatisfy((e: unknown) => e instanceof EsError && e.status === 404 && e.type === 'index_not_found_exception');
  });

  it('keeps documents across a close and reopen of the same directory', async () => {
    await t.store.bulk([{ op: 'create', index: STREAM, id: 'p', doc: { '@timestamp': '2026-11-23T07:00:00Z', message: 'persisted' } }]);
    await t.store.close().catch(() => undefined);
    const { openEmbeddedStore } = await import('../../../aggregator/store/index.ts');
    const { pino } = await import('pino');
    const reopened = await openEmbeddedStore({ dataDir: t.dir, logger: pino({ level: 'silent' }), searchWorkers: 1 });
    try {
      expect((await reopened.getDocument(STREAM, 'p'))._source).toMatchObject({ message: 'persisted' });
      const again = await reopened.bulk([{ op: 'create', index: STREAM, id: 'p', doc: { '@timestamp': '2026-11-24T07:00:00Z' } }]);
      expect(itemOf(again[0]).status).toBe(409);
    } finally {
      await reopened.close();
    }
  });
});
