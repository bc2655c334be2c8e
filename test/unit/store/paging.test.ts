import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BulkOp, JsonObject } from '../../../aggregator/store/types.ts';
import { EsError } from '../../../aggregator/store/types.ts';
import { hitIds, openTestStore, type TestStore } from './open-store.ts';

let t: TestStore;
const STREAM = 'logs-page-default';
const COUNT = 537;

beforeAll(async () => {
  t = await openTestStore();
  // Three day partitions, several documents sharing a timestamp, so tiebreaks matter.
  const ops: BulkOp[] = [];
  for (let i = 0; i < COUNT; i++) {
    const ts = Date.parse('2026-11-21T00:00:00Z') + Math.floor(i / 3) * 1_300_000;
    ops.push({ op: 'create', index: STREAM, id: `d${i}`, doc: { '@timestamp': new Date(ts).toISOString(), n: i % 7 } });
  }
  await t.store.bulk(ops);
});
afterAll(async () => { await t.close(); });

describe('paging through everything', () => {
  it('scroll returns every document exactly once and then an empty page', async () => {
    const seen: string[] = [];
    let page = await t.store.search(STREAM, { size: 50 }, { query: { scroll: '1m' } });
    const id = String(page._scroll_id);
    while (hitIds(page).length > 0) {
      seen.push(...hitIds(page));
      page = await t.store.scroll(id, '1m');
    }
    expect(seen.length).toBe(COUNT);
    expect(new Set(seen).size).toBe(COUNT);
    expect(await t.store.clearScroll([id])).toEqual({ succeeded: true, num_freed: 1 });
    await expect(t.store.scroll(id, '1m')).rejects.toSatisfy((e: unknown) => e instanceof EsError && e.status === 404 && e.type === 'search_context_missing_exception');
  });

  it('scroll with a sort keeps the order and does not see documents added after it started', async () => {
    let page = await t.store.search(STREAM, { size: 100, sort: [{ n: 'desc' }, { '@timestamp': 'asc' }] }, { query: { scroll: '1m' } });
    const id = String(page._scroll_id);
    await t.store.bulk([{ op: 'create', index: STREAM, id: 'late', doc: { '@timestamp': '2026-11-22T00:00:00Z', n: 6 } }]);
    const ns: number[] = [];
    const seen: string[] = [];
    while (hitIds(page).length > 0) {
      seen.push(...hitIds(page));
      ns.push(...((page.hits as JsonObject).hits as JsonObject[]).map((h) => (h._source as { n: number }).n));
      page = await t.store.scroll(id, '1m');
    }
    expect(seen.length).toBe(COUNT);
    expect(seen).not.toContain('late');
    expect(ns).toEqual([...ns].sort((a, b) => b - a));
    await t.store.bulk([{ op: 'delete', index: STREAM, id: 'late' }]);
  });

  it('a point in time with search_after pages through everything exactly once, sorted', async () => {
    const { id } = await t.store.openPointInTime(STREAM, '1m');
    const seen: string[] = [];
    const times: number[] = [];
    let after: unknown[] | undefined;
    for (;;) {
      const body: JsonObject = { size: 64, sort: [{ '@timestamp': 'desc' }], pit: { id, keep_alive: '1m' }, ...(after !== undefined ? { search_after: after } : {}) };
      const page = await t.store.search('', body);
      expect(page.pit_id).toBe(id);
      const hits = (page.hits as JsonObject).hits as JsonObject[];
      if (hits.length === 0) break;
      seen.push(...hits.map((h) => String(h._id)));
      times.push(...hits.map((h) => (h.sort as number[])[0]!));
      after = hits[hits.length - 1]!.sort as unknown[];
      expect(after.length).toBe(2);
    }
    expect(seen.length).toBe(COUNT);
    expect(new Set(seen).size).toBe(COUNT);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(await t.store.closePointInTime(String(id))).toEqual({ succeeded: true, num_freed: 1 });
    await expect(t.store.search('', { pit: { id } })).rejects.toSatisfy((e: unknown) => e instanceof EsError && e.status === 404);
  });
});

describe('search_after over documents missing the sort field', () => {
  it('pages through every document once when some lack the sort field', async () => {
    const local = await openTestStore();
    try {
      const ops = Array.from({ length: 40 }, (_, i) => ({ op: 'index' as const, index: 'sparse', id: `s${i}`, doc: i % 3 === 0 ? { other: i } : { n: i % 5 } }));
      await local.store.bulk(ops);
      const { id } = await local.store.openPointInTime('sparse', '1m');
      const seen: string[] = [];
      let after: unknown[] | undefined;
      for (let guard = 0; guard < 20; guard++) {
        const page = await local.store.search('', { size: 7, sort: [{ n: 'asc' }], pit: { id }, ...(after !== undefined ? { search_after: after } : {}) });
        const hits = (page.hits as JsonObject).hits as JsonObject[];
        if (hits.length === 0) break;
        seen.push(...hits.map((h) => String(h._id)));
        after = hits[hits.length - 1]!.sort as unknown[];
      }
      expect(seen.length).toBe(40);
      expect(new Set(seen).size).toBe(40);
    } finally {
      await local.close();
    }
  });
});
