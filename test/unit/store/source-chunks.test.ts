/**
 * `_source` lives in compressed chunks of consecutive rows (aggregator/store/source-chunks.ts) and
 * full-text entries of dead rows are never deleted: these tests pin what that must not break.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../../aggregator/store/index.ts';
import fc from 'fast-check';
import { PendingChunk, chunkDocs, chunkLine, compressChunk, decompressChunk, findInChunk } from '../../../aggregator/store/source-chunks.ts';
import type { JsonObject } from '../../../aggregator/store/types.ts';
import { hitIds, itemOf, openTestStore, type TestStore } from './open-store.ts';

let t: TestStore;
beforeEach(async () => { t = await openTestStore(); });
afterEach(async () => { await t.close(); });

const hitsOf = (r: JsonObject): JsonObject[] => (r.hits as JsonObject).hits as JsonObject[];

describe('chunk text', () => {
  it('round-trips ids and sources with quotes, tabs, newlines and non-ASCII text', () => {
    const ids = ['plain', 'with "quotes" and \\', 'tab\there', 'line\nbreak', 'ünï'];
    const text = ids.map((id, i) => chunkLine(i + 7, id, JSON.stringify({ id, m: `a\tb\nc ${id}` }))).join('');
    const back = decompressChunk(compressChunk(Buffer.from(text)));
    expect(chunkDocs(back).map((d) => d.id)).toEqual(ids);
    expect(JSON.parse(findInChunk(back, 9)!.src)).toEqual({ id: ids[2], m: `a\tb\nc ${ids[2]}` });
    expect(findInChunk(back, 1)).toBeUndefined();
    expect(findInChunk(back, 70)).toBeUndefined();
  });
});

describe('a pending chunk', () => {
  it('compresses exactly the chunk text its lines make, whatever the ids and sources hold, however large', () => {
    const text = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('\ud800 lone', 'x'.repeat(70_000), 'é'.repeat(30_000)));
    const line = fc.record({ r: fc.nat({ max: 2 ** 40 }), id: text, source: text });
    fc.assert(fc.property(fc.array(line, { minLength: 1, maxLength: 70 }), (lines) => {
      const chunk = new PendingChunk();
      for (const { r, id, source } of lines) chunk.add(r, id, source);
      expect(chunk.count).toBe(lines.length);
      expect(chunk.last).toBe(lines.at(-1)!.r);
      // What the chunk stores must be what compressing the joined chunk text stored (lone surrogates included).
      const joined = lines.map(({ r, id, source }) => chunkLine(r, id, source)).join('');
      expect(decompressChunk(chunk.compress())).toBe(decompressChunk(compressChunk(Buffer.from(joined))));
    }), { numRuns: 300 });
  });
});

describe('documents in source chunks', () => {
  it('keeps the JSON text a _bulk line carried as _source, byte for byte, tabs between tokens included', async () => {
    const raw = '{ "n":\t1.50, "message" :"escaped\\ttab",\t"@timestamp":"2026-11-23T07:00:00Z" }';
    const doc = JSON.parse(raw) as JsonObject;
    const [item] = await t.store.bulk([{ op: 'create', index: 'verbatim', id: 'v1', doc, sourceJson: raw }, { op: 'index', index: 'verbatim', id: 'v2', doc: { n: 2 } }]);
    expect(itemOf(item).status).toBe(201);
    expect((await t.store.getDocument('verbatim', 'v1'))._source).toEqual(doc);
    const found = await t.store.search('verbatim', { query: { match: { message: 'tab' } } });
    expect(hitIds(found)).toEqual(['v1']);
    await t.store.close();
    const db = new DatabaseSync(join(t.dir, 'logship.sqlite'), { readOnly: true });
    try {
      const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'p%\\_s' ESCAPE '\\'`).all() as Array<{ name: string }>).map((row) => row.name);
      const texts = tables.flatMap((table) => (db.prepare(`SELECT z FROM ${table}`).all() as Array<{ z: Uint8Array }>).map((row) => decompressChunk(row.z)));
      const stored = texts.flatMap((text) => chunkDocs(text)).map((d) => [d.id, d.src]);
      expect(stored).toEqual([['v1', raw], ['v2', '{"n":2}']]);
    } finally {
      db.close();
      t = await openTestStore();
    }
  });

  it('returns every document of a bulk larger than a chunk, by search and by GET', async () => {
    const docs = Array.from({ length: 100 }, (_, i) => ({ op: 'index' as const, index: 'chunky', id: `d${i}`, doc: { '@timestamp': '2026-11-23T07:00:00Z', n: i, message: `doc number ${i}` } }));
    await t.store.bulk(docs);
    const found = await t.store.search('chunky', { size: 100, sort: [{ n: 'asc' }], query: { match_all: {} } });
    expect(hitsOf(found).map((h) => [h._id, (h._source as JsonObject).n])).toEqual(docs.map((d, i) => [`d${i}`, i]));
    for (const i of [0, 31, 32, 63, 99]) expect((await t.store.getDocument('chunky', `d${i}`))._source).toEqual(docs[i]!.doc);
  });

  it('updates a document created earlier in the same bulk (its chunk is not written yet)', async () => {
    const items = await t.store.bulk([
      { op: 'index', index: 'u', id: 'a', doc: { '@timestamp': '2026-11-23T07:00:00Z', k: 'one', x: 1 } },
      { op: 'update', index: 'u', id: 'a', doc: { k: 'two' } },
      { op: 'update', index: 'u', id: 'a', doc: { y: 2 } },
    ]);
    expect(items.map((i) => itemOf(i).result)).toEqual(['created', 'updated', 'updated']);
    expect((await t.store.getDocument('u', 'a'))._source).toEqual({ '@timestamp': '2026-11-23T07:00:00Z', k: 'two', x: 1, y: 2 });
    const found = await t.store.search('u', { query: { match_all: {} } });
    expect(hitsOf(found).map((h) => h._source)).toEqual([{ '@timestamp': '2026-11-23T07:00:00Z', k: 'two', x: 1, y: 2 }]);
  });

  it('does not match overwritten or deleted text (dead full-text entries stay behind)', async () => {
    await t.store.bulk([
      { op: 'index', index: 'w', id: 'a', doc: { '@timestamp': '2026-11-23T07:00:00Z', message: 'failed login' } },
      { op: 'index', index: 'w', id: 'b', doc: { '@timestamp': '2026-11-23T07:00:00Z', message: 'failed again' } },
    ]);
    await t.store.bulk([
      { op: 'index', index: 'w', id: 'a', doc: { '@timestamp': '2026-11-23T07:00:00Z', message: 'all good' } },
      { op: 'delete', index: 'w', id: 'b' },
    ]);
    for (const query of [{ match: { message: 'failed' } }, { match_phrase: { message: 'failed login' } }, { wildcard: { message: 'fail*' } }, { regexp: { message: 'fa.led' } }]) {
      expect(hitIds(await t.store.search('w', { query }))).toEqual([]);
    }
    expect(hitIds(await t.store.search('w', { query: { wildcard: { message: 'go?d' } } }))).toEqual(['a']);
    expect(hitIds(await t.store.search('w', { query: { match_phrase: { message: 'all good' } } }))).toEqual(['a']);
  });

  it('never reuses the row of a deleted last document, not even after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logship-store-chunks-'));
    try {
      let store = await openEmbeddedStore({ dataDir: dir, logger: pino({ level: 'silent' }), searchWorkers: 1 });
      await store.bulk([
        { op: 'index', index: 'r', id: 'keep', doc: { '@timestamp': '2026-11-23T07:00:00Z', message: 'kept' } },
        { op: 'index', index: 'r', id: 'gone', doc: { '@timestamp': '2026-11-23T07:00:01Z', message: 'removed' } },
      ]);
      await store.bulk([{ op: 'delete', index: 'r', id: 'gone' }]);
      await store.close();
      store = await openEmbeddedStore({ dataDir: dir, logger: pino({ level: 'silent' }), searchWorkers: 1 });
      await store.bulk([{ op: 'index', index: 'r', id: 'new', doc: { '@timestamp': '2026-11-23T07:00:02Z', message: 'fresh' } }]);
      expect((await store.getDocument('r', 'new'))._source).toEqual({ '@timestamp': '2026-11-23T07:00:02Z', message: 'fresh' });
      expect((await store.getDocument('r', 'gone')).found).toBe(false);
      const all = await store.search('r', { sort: [{ '@timestamp': 'asc' }], query: { match_all: {} } });
      expect(hitsOf(all).map((h) => [h._id, (h._source as JsonObject).message])).toEqual([['keep', 'kept'], ['new', 'fresh']]);
      expect(hitIds(await store.search('r', { query: { match: { message: 'removed' } } }))).toEqual([]);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
