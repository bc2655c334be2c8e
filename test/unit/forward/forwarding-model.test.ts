/**
 * The forwarding store against a model: random sequences of bulks (ids repeat), cluster faults (whole-
 * request 429/500, connection resets before and after the items were applied, per-item 429) and restarts
 * of the store. Whatever the sequence, once the cluster recovers and the queue drains, the cluster holds
 * exactly the ids the store acknowledged with 201, and a 409 was only ever given for an acknowledged id.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openForwardingStore, type ForwardingStore } from '../../../aggregator/forward/index.ts';
import type { BulkFault } from '../../helpers/recording-bulk-endpoint.ts';
import { startRecordingBulkEndpoint, type RecordingBulkEndpoint } from '../../helpers/recording-bulk-endpoint.ts';
import { eventually } from '../../helpers/eventually.ts';

const INDEX = 'logs-model-default';
const logger = pino({ level: 'silent' });

type Step =
  | { readonly kind: 'bulk'; readonly ids: readonly number[] }
  | { readonly kind: 'fault'; readonly fault: BulkFault; readonly times: number }
  | { readonly kind: 'item-429'; readonly id: number }
  | { readonly kind: 'recover' }
  | { readonly kind: 'restart' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('bulk' as const), ids: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 12 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('fault' as const),
      fault: fc.constantFrom<BulkFault>({ kind: 'status', status: 429, retryAfterSeconds: 0 }, { kind: 'status', status: 500 }, { kind: 'reset' }, { kind: 'reset-after-apply' }),
      times: fc.integer({ min: 1, max: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('item-429' as const), id: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'recover' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

let cluster: RecordingBulkEndpoint;
beforeAll(async () => {
  cluster = await startRecordingBulkEndpoint();
});
afterAll(async () => {
  await cluster.close();
});

describe('the forwarding store under random faults and restarts', () => {
  it('ends with the cluster holding exactly the acknowledged ids, each once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        cluster.recover();
        cluster.setItemHook(undefined);
        cluster.clear();
        const dir = await mkdtemp(join(tmpdir(), 'logship-forward-model-'));
        const open = (): Promise<ForwardingStore> => openForwardingStore({ url: cluster.url, dataDir: dir, logger, backoffBaseMs: 1, backoffCapMs: 20 });
        let store = await open();
        const acknowledged = new Set<string>();
        const refusals = new Map<string, number>();
        cluster.setItemHook((doc) => {
          const left = refusals.get(doc.id) ?? 0;
          if (left <= 0) return undefined;
          refusals.set(doc.id, left - 1);
          return { status: 429, type: 'es_rejected_execution_exception', reason: 'busy' };
        });
        try {
          for (const s of steps) {
            if (s.kind === 'bulk') {
              const items = await store.bulk(s.ids.map((n) => ({ op: 'create', index: INDEX, id: `id-${n}`, doc: { message: `m${n}` } })));
              items.forEach((item, i) => {
                const inner = Object.values(item)[0]!;
                const id = `id-${s.ids[i]}`;
                if (inner.status === 201) {
                  acknowledged.add(id);
                } else {
                  expect(inner.status).toBe(409);
                  expect(acknowledged.has(id)).toBe(true);
                }
              });
            } else if (s.kind === 'fault') {
              cluster.fail(s.fault, s.times);
            } else if (s.kind === 'item-429') {
              refusals.set(`id-${s.id}`, 2);
            } else if (s.kind === 'recover') {
              cluster.recover();
            } else {
              await store.close();
              store = await open();
            }
          }
          cluster.recover();
          const drained = store;
          await eventually(() => expect(drained.queued().records).toBe(0), { timeoutMs: 20_000 });
          expect(new Set(cluster.list(INDEX).map((doc) => doc.id))).toEqual(acknowledged);
          expect(cluster.count(INDEX)).toBe(acknowledged.size);
        } finally {
          await store.close();
          await rm(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 25 },
    );
  });
});
