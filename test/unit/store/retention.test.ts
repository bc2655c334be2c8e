import { afterEach, describe, expect, it } from 'vitest';
import type { BulkOp } from '../../../aggregator/store/types.ts';
import { itemOf, openTestStore, totalOf, type TestStore } from './open-store.ts';

const NOW = Date.parse('2026-11-23T12:00:00Z');
let t: TestStore | undefined;
afterEach(async () => { await t?.close(); t = undefined; });

function daysOfDocs(days: number, perDay: number): BulkOp[] {
  const ops: BulkOp[] = [];
  for (let d = 0; d < days; d++) {
    for (let i = 0; i < perDay; i++) {
      ops.push({ op: 'create', index: 'logs-ret-default', id: `d${d}-${i}`, doc: { '@timestamp': new Date(NOW - d * 86_400_000 - i * 1000).toISOString(), message: 'x'.repeat(200) + i } });
    }
  }
  return ops;
}

describe('retention', () => {
  it('drops day partitions older than retentionMs and forgets their ids', async () => {
    t = await openTestStore({ now: () => NOW, retentionMs: 2 * 86_400_000 });
    await t.store.bulk(daysOfDocs(5, 10));
    expect(totalOf(await t.store.search('logs-ret-default', {}))).toBe(50);
    const dropped = t.store.applyRetention();
    // Days 19 and 20 end before the cutoff (Nov 21, 12:00); day 21 still holds documents inside it.
    expect(dropped).toBe(2);
    const left = await t.store.search('logs-ret-default', { size: 0, aggs: { oldest: { min: { field: '@timestamp' } } } });
    expect(totalOf(left)).toBe(30);
    expect(((left.aggregations as { oldest: { value: number } }).oldest.value)).toBeGreaterThanOrEqual(Date.parse('2026-11-21T00:00:00Z'));
    const recreated = await t.store.bulk([{ op: 'create', index: 'logs-ret-default', id: 'd4-0', doc: { '@timestamp': new Date(NOW).toISOString() } }]);
    expect(itemOf(recreated[0]).status).toBe(201);
    expect((await t.store.stats()).documents).toBe(31);
  });

  it('drops the oldest partitions while the database is larger than maxDiskBytes, keeping the newest', async () => {
    t = await openTestStore({ now: () => NOW, maxDiskBytes: 1 });
    await t.store.bulk(daysOfDocs(4, 300));
    const before = await t.store.stats();
    const dropped = t.store.applyRetention();
    expect(dropped).toBe(3);
    const after = await t.store.stats();
    expect(after.documents).toBe(300);
    expect(after.diskBytes).toBeLessThan(before.diskBytes);
    const newest = await t.store.search('logs-ret-default', { size: 1, sort: [{ '@timestamp': 'desc' }] });
    expect(totalOf(newest)).toBe(300);
  });
});
