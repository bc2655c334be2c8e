/**
 * Terms-like aggregations over a time-only query read per-bucket counts (rollups) instead of rows. This
 * compares them, on random documents, overwrites, deletes and time ranges, with the same search made
 * row-reading by a no-op `must_not` (which is not time-only): both must give identical aggregations.
 * Likewise full-text searches, answered from the narrow row table, against the fields table.
 */
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BulkOp, JsonObject } from '../../../aggregator/store/types.ts';
import { itemOf, openTestStore, type TestStore } from '../../unit/store/open-store.ts';

const BASE = Date.parse('2026-11-21T00:00:00Z');
const SPAN = 2 * 86_400_000;
const BUCKET = 600_000;

const timeArb = fc.oneof(
  fc.integer({ min: 0, max: SPAN }),
  // bucket boundaries and their neighbours
  fc.tuple(fc.integer({ min: 0, max: SPAN / BUCKET }), fc.constantFrom(-1, 0, 1)).map(([b, d]) => b * BUCKET + d),
).map((t) => BASE + t);

const docArb = fc.record({
  id: fc.integer({ min: 0, max: 40 }).map(String),
  ts: fc.option(timeArb, { nil: undefined, freq: 8 }),
  k: fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { nil: undefined }),
  n: fc.option(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom(1.5, 2.0)), { nil: undefined }),
  flag: fc.option(fc.boolean(), { nil: undefined }),
  s: fc.option(fc.constantFrom('x y', 'y', 'z z'), { nil: undefined }),
  tags: fc.option(fc.array(fc.constantFrom('p', 'q'), { minLength: 1, maxLength: 2 }), { nil: undefined, freq: 10 }),
});

const opArb = fc.oneof(
  { weight: 5, arbitrary: docArb.map((d) => ({ kind: 'index' as const, d })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 40 }).map((id) => ({ kind: 'delete' as const, id: String(id) })) },
);

const boundArb = fc.tuple(fc.constantFrom('gt', 'gte', 'lt', 'lte'), timeArb);
const queryArb: fc.Arbitrary<JsonObject> = fc.oneof(
  fc.constant({ match_all: {} }),
  fc.array(boundArb, { minLength: 1, maxLength: 2 }).map((bounds) => ({
    range: { '@timestamp': Object.fromEntries(bounds.map(([op, t]) => [op, new Date(t).toISOString()])) },
  })),
  fc.tuple(timeArb, timeArb).map(([a, b]) => ({
    bool: { filter: [{ range: { '@timestamp': { gte: a } } }, { range: { '@timestamp': { lt: b, format: 'epoch_millis' } } }] },
  })),
  fc.constant({ range: { '@timestamp': {} } }),
);

const AGGS: JsonObject = {
  k: { terms: { field: 'k', size: 50 } },
  n: { terms: { field: 'n', size: 50 } },
  flag: { terms: { field: 'flag', size: 50 } },
  s: { terms: { field: 's.keyword', size: 50, missing: 'none' } },
  tags: { terms: { field: 'tags', size: 50 } },
  card: { cardinality: { field: 'k' } },
  pct: { percentiles: { field: 'n', percents: [10, 50, 90] } },
};

function docOf(d: { ts: number | undefined; k: string | undefined; n: number | undefined; flag: boolean | undefined; s: string | undefined; tags: string[] | undefined }): JsonObject {
  const doc: JsonObject = {};
  if (d.ts !== undefined) doc['@timestamp'] = new Date(d.ts).toISOString();
  if (d.k !== undefined) doc.k = d.k;
  if (d.n !== undefined) doc.n = d.n;
  if (d.flag !== undefined) doc.flag = d.flag;
  if (d.s !== undefined) doc.s = d.s;
  if (d.tags !== undefined) doc.tags = d.tags;
  return doc;
}

describe('rollup-backed terms aggregations', () => {
  let t: TestStore;
  let run = 0;
  beforeAll(async () => {
    t = await openTestStore();
  });
  afterAll(async () => {
    await t.close();
  });

  it('equal the row-reading answer for time-only queries', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.array(opArb, { minLength: 1, maxLength: 15 }), { minLength: 1, maxLength: 4 }), fc.array(queryArb, { minLength: 1, maxLength: 4 }), async (bulks, queries) => {
      const index = `rollup-${run++}`;
      await t.store.createIndex(index, { mappings: { properties: { k: { type: 'keyword' }, n: { type: 'double' }, tags: { type: 'keyword' } } } });
      for (const ops of bulks) {
        const body: BulkOp[] = ops.map((op) => (op.kind === 'index' ? { op: 'index', index, id: op.d.id, doc: docOf(op.d) } : { op: 'delete', index, id: op.id }));
        const items = await t.store.bulk(body);
        for (const item of items.map(itemOf)) expect([200, 201, 404]).toContain(item.status);
      }
      for (const query of queries) {
        const fast = await t.store.search(index, { size: 0, query, aggs: AGGS });
        const slow = await t.store.search(index, { size: 0, query: { bool: { filter: [query], must_not: [{ ids: { values: ['no-such-id'] } }] } }, aggs: AGGS });
        expect(fast.aggregations).toEqual(slow.aggregations);
        // Full-text matches reach @timestamp through the narrow row table; a condition on a field column
        // sends the same search to the fields table.
        const text = { bool: { must: [{ match: { s: 'y z' } }, query] } };
        const histogram = { h: { date_histogram: { field: '@timestamp', fixed_interval: '3h', min_doc_count: 1 } } };
        const narrow = await t.store.search(index, { size: 0, track_total_hits: true, query: text, aggs: histogram });
        const wide = await t.store.search(index, { size: 0, track_total_hits: true, query: { bool: { must: [text], must_not: [{ term: { k: 'no-such-key' } }] } }, aggs: histogram });
        expect(narrow.aggregations).toEqual(wide.aggregations);
        expect(narrow.hits).toEqual(wide.hits);
        expect(await t.store.count(index, { query: text })).toEqual(await t.store.count(index, { query: { bool: { must: [text], must_not: [{ term: { k: 'no-such-key' } }] } } }));
      }
    }), { numRuns: 60 });
    // The fast path was there to be taken.
    const db = new DatabaseSync(join(t.dir, 'logship.sqlite'), { readOnly: true });
    expect((db.prepare('SELECT count(*) AS n FROM rollups').get() as { n: number }).n).toBeGreaterThan(0);
    db.close();
  });

  it('stops counting a column whose values are nearly all distinct, and still answers exactly', async () => {
    const index = 'rollup-unique';
    const docs: BulkOp[] = [];
    for (let i = 0; i < 24_000; i++) {
      docs.push({ op: 'index', index, id: String(i), doc: { '@timestamp': new Date(BASE + i * 1000).toISOString(), unique: `u${i}`, few: `f${i % 3}` } });
    }
    await t.store.bulk(docs);
    const query = { range: { '@timestamp': { gte: new Date(BASE + 1_234_567).toISOString() } } };
    const aggs = { unique: { terms: { field: 'unique.keyword', size: 3 } }, few: { terms: { field: 'few.keyword' } } };
    const fast = await t.store.search(index, { size: 0, query, aggs });
    const slow = await t.store.search(index, { size: 0, query: { bool: { filter: [query], must_not: [{ ids: { values: ['x'] } }] } }, aggs });
    expect(fast.aggregations).toEqual(slow.aggregations);
    const db = new DatabaseSync(join(t.dir, 'logship.sqlite'), { readOnly: true });
    const cols = db.prepare(`SELECT r.col FROM rollups r JOIN partitions p ON p.id = r.part JOIN indices i ON i.id = p.index_id WHERE i.name = ?`).all(index) as Array<{ col: number }>;
    const mapping = JSON.parse((db.prepare('SELECT cols FROM indices WHERE name = ?').get(index) as { cols: string }).cols) as Record<string, number>;
    db.close();
    expect(cols.map((c) => c.col)).toContain(mapping['few.keyword']);
    expect(cols.map((c) => c.col)).not.toContain(mapping['unique.keyword']);
  });
});
