import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import type { JsonObject } from '../../../aggregator/store/types.ts';
import { itemOf, openTestStore, type TestStore } from './open-store.ts';

let t: TestStore;
let registry: Registry;
beforeEach(async () => {
  registry = new Registry();
  t = await openTestStore({ registry });
});
afterEach(async () => { await t.close(); });

describe('limits and metrics', () => {
  it('refuses a document that would take an index past 1000 mapped fields', async () => {
    const wide: JsonObject = {};
    for (let i = 0; i < 1001; i++) wide[`f${i}`] = i;
    const items = await t.store.bulk([{ op: 'index', index: 'wide', id: '1', doc: wide }, { op: 'index', index: 'wide', id: '2', doc: { ok: 1 } }]);
    expect(itemOf(items[0]).status).toBe(400);
    expect(JSON.stringify(itemOf(items[0]).error)).toContain('Limit of total fields [1000]');
    expect(itemOf(items[1]).status).toBe(201);
  });

  it('counts indexed documents, bulk outcomes and searches in the registry', async () => {
    await t.store.bulk([
      { op: 'create', index: 'm', id: '1', doc: { a: 1 } },
      { op: 'create', index: 'm', id: '1', doc: { a: 1 } },
      { op: 'create', index: 'm', id: '2', doc: { a: 'not a number' } },
    ]);
    await t.store.search('m', {});
    const text = await registry.metrics();
    expect(text).toMatch(/logship_store_documents_indexed_total 1\n/);
    expect(text).toMatch(/logship_store_bulk_items_total\{outcome="created"\} 1\n/);
    expect(text).toMatch(/logship_store_bulk_items_total\{outcome="conflict"\} 1\n/);
    expect(text).toMatch(/logship_store_bulk_items_total\{outcome="rejected"\} 1\n/);
    expect(text).toMatch(/logship_store_search_seconds_count\{kind="search"\} 1\n/);
    expect(text).toMatch(/logship_store_disk_bytes [1-9]\d*\n/);
  });
});
