/**
 * A date histogram over "full-text match + time range" counts whole blocks of rows off the full-text
 * index (aggregations/fts-histogram.ts). This compares it, on random bulks (out-of-order, missing and
 * sub-millisecond times, small bulks that widen a block, partitions with deletions), with the same search
 * made row-reading by a no-op `must_not`: aggregations and totals must be identical.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BulkOp, JsonObject } from '../../../aggregator/store/types.ts';
import { itemOf, openTestStore, type TestStore } from '../../unit/store/open-store.ts';

// Yesterday and today (UTC): documents without @timestamp go to today's partition, among the others.
const BASE = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000;
const SPAN = 2 * 86_400_000;
const HOUR = 3_600_000;

const timeArb = fc.oneof(
  fc.integer({ min: 0, max: SPAN }).map((t) => new Date(BASE + t).toISOString()),
  fc.tuple(fc.integer({ min: 0, max: SPAN / HOUR }), fc.constantFrom(-1, 0, 1)).map(([h, d]) => new Date(BASE + h * HOUR + d).toISOString()),
  fc.integer({ min: 0, max: SPAN / 1000 }).map((s) => new Date(BASE + s * 1000).toISOString().replace('.000Z', '.000500Z')),
);
const docArb = fc.record({
  ts: fc.option(timeArb, { nil: undefined, freq: 10 }),
  text: fc.array(fc.constantFrom('alpha', 'beta', 'gamma'), { minLength: 1, maxLength: 3 }).map((w) => w.join(' ')),
});
/** Bulks in time order (like shipped logs), shuffled a little or a lot. */
const bulksArb = fc.tuple(fc.array(fc.array(docArb, { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 6 }), fc.boolean()).map(([bulks, ordered]) =>
  ordered ? bulks.map((b) => [...b].sort((x, y) => String(x.ts).localeCompare(String(y.ts)))) : bulks);

const pointArb = fc.oneof(fc.integer({ min: -HOUR, max: SPAN }), fc.tuple(fc.integer({ min: 0, max: SPAN / HOUR }), fc.constantFrom(-1, 0, 1)).map(([h, d]) => h * HOUR + d));
const boundsArb = fc.tuple(pointArb, pointArb, fc.constantFrom('gte', 'gt'), fc.constantFrom('lte', 'lt'))
  .map(([a, b, lo, hi]) => ({ range: { '@timestamp': { [lo]: new Date(BASE + Math.min(a, b)).toISOString(), [hi]: new Date(BASE + Math.max(a, b)).toISOString() } } }));
const histogramArb = fc.oneof(
  fc.constantFrom('10m', '1h', '3h', '1d').map((i) => ({ fixed_interval: i })),
  fc.constantFrom('hour', 'day').map((i) => ({ calendar_interval: i, time_zone: 'Europe/Berlin' })),
  fc.constant({ fixed_interval: '1h', offset: '+7m', time_zone: '+05:30' }),
);

describe('full-text date histograms counted by blocks', () => {
  let t: TestStore;
  let run = 0;
  beforeAll(async () => {
    t = await openTestStore();
  });
  afterAll(async () => {
    await t.close();
  });

  it('equal the row-reading answer', async () => {
    await fc.assert(fc.asyncProperty(bulksArb, fc.boolean(), fc.array(fc.tuple(fc.option(boundsArb, { nil: undefined }), fc.constantFrom('alpha', 'beta gamma'), histogramArb), { minLength: 1, maxLength: 3 }), async (bulks, withDelete, searches) => {
      const index = `fts-hist-${run++}`;
      let id = 0;
      for (const docs of bulks) {
        const ops: BulkOp[] = docs.map((d) => ({ op: 'index', index, id: String(id++), doc: { ...(d.ts !== undefined ? { '@timestamp': d.ts } : {}), message: d.text } }));
        for (const item of (await t.store.bulk(ops)).map(itemOf)) expect(item.status).toBe(201);
      }
      if (withDelete) await t.store.bulk([{ op: 'delete', index, id: '0' }]);
      for (const [bounds, words, interval] of searches) {
        const match = { match: { message: words } };
        const query = bounds === undefined ? match : { bool: { must: [match], filter: [bounds] } };
        const aggs = { h: { date_histogram: { field: '@timestamp', min_doc_count: 1, ...interval } } };
        const fast = await t.store.search(index, { size: 0, track_total_hits: true, query, aggs });
        const slow = await t.store.search(index, { size: 0, track_total_hits: true, query: { bool: { must: [query], must_not: [{ term: { 'message.keyword': 'no such line' } }] } }, aggs });
        expect(fast.aggregations).toEqual(slow.aggregations);
        expect((fast.hits as JsonObject).total).toEqual((slow.hits as JsonObject).total);
      }
    }), { numRuns: 120 });
  });
});
