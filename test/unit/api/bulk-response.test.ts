/**
 * `_bulk`'s serializer writes the embedded store's usual items from a template: its text must be exactly
 * JSON.stringify's for every response the route can return — random bulks (every action, ids and values
 * that need escaping, conflicts, misses, no-ops, refused documents) through a real store, before and after
 * `filter_path`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BulkResponseWriter, serializeBulkResponse } from '../../../aggregator/http/bulk-response.ts';
import { applyFilterPath, parseFilterPath } from '../../../aggregator/http/filter-path.ts';
import type { BulkOp, JsonObject } from '../../../aggregator/store/types.ts';
import { openTestStore, type TestStore } from '../store/open-store.ts';

const id = fc.oneof(fc.constantFrom('a', 'b', 'quote"d', 'back\\slash', 'tab\there', 'é', '😀', ''), fc.string({ maxLength: 6 }));
const index = fc.constantFrom('logs-app-default', 'plain', 'plain-"odd"'.replace(/"/g, ''));
const doc: fc.Arbitrary<JsonObject> = fc.record({
  '@timestamp': fc.constantFrom('2026-11-23T07:00:00Z', '2026-11-24T01:02:03.456Z'),
  message: fc.string({ maxLength: 10 }),
  n: fc.oneof(fc.integer(), fc.constant('not a number')),
}, { requiredKeys: ['@timestamp'] });
const op: fc.Arbitrary<BulkOp> = fc.oneof(
  fc.record({ op: fc.constantFrom('create' as const, 'index' as const), index, id, doc }),
  fc.record({ op: fc.constant('delete' as const), index, id }),
  fc.record({ op: fc.constant('update' as const), index, id, doc, docAsUpsert: fc.boolean() }),
);

let t: TestStore;
beforeAll(async () => {
  t = await openTestStore();
});
afterAll(async () => {
  await t.close();
});

describe('serializeBulkResponse', () => {
  it('writes exactly what JSON.stringify writes, with or without filter_path', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), fc.nat(100_000), async (ops, took) => {
        const items = await t.store.bulk(ops);
        const response = { took, errors: items.some((item) => Object.values(item)[0]!.error !== undefined), items };
        expect(serializeBulkResponse(response)).toBe(JSON.stringify(response));
        for (const filter of ['errors,items.*.error,items.*.status', 'items.*._id', '-took']) {
          const filtered = applyFilterPath(response, parseFilterPath(filter));
          expect(serializeBulkResponse(filtered)).toBe(JSON.stringify(filtered));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('writes answers larger than its first buffer, and reused buffers carry nothing of an earlier answer', async () => {
    const writer = new BulkResponseWriter();
    const ops = (n: number, prefix: string): BulkOp[] => Array.from({ length: n }, (_, i) => ({ op: 'index' as const, index: 'plain', id: `${prefix}-${i}-${'é😀'.repeat(20)}`, doc: { '@timestamp': '2026-11-24T01:02:03.456Z' } }));
    const large = { took: 7, errors: false, items: await t.store.bulk(ops(3000, 'large')) };
    const largeBytes = writer.serialize(large);
    expect(Buffer.isBuffer(largeBytes)).toBe(true);
    expect((largeBytes as Buffer).length).toBeGreaterThan(512 * 1024);
    expect((largeBytes as Buffer).toString('utf8')).toBe(JSON.stringify(large));
    writer.release(largeBytes as Buffer);
    writer.release(largeBytes as Buffer); // twice: kept once
    for (const n of [2, 1]) {
      const small = { took: 1, errors: false, items: await t.store.bulk(ops(n, `small${n}`)) };
      const bytes = writer.serialize(small) as Buffer;
      expect(bytes.buffer).toBe((largeBytes as Buffer).buffer);
      expect(bytes.toString('utf8')).toBe(JSON.stringify(small));
      writer.release(bytes);
    }
  });

  it('writes any other value as JSON.stringify does', () => {
    for (const value of [{}, [], null, 'x', { took: 1, errors: false }, { took: 1, errors: false, items: [], extra: 1 }, { errors: false, took: 1, items: [] }]) {
      expect(serializeBulkResponse(value)).toBe(JSON.stringify(value));
    }
  });
});
