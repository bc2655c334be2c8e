/**
 * The pipeline's queue of pending records (segments) against what it replaced: one list with a moving
 * head, from which a batch took at most `maxDocs` records and stopped before the record that would pass
 * `maxBytes` (always at least one). Random pushes of records of random sizes (some larger than a batch's
 * bytes) and takes with random limits, across many segments: every batch names the same records, in the
 * same order, with the same bytes, and the queue's length and bytes agree with the model's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toOutgoing } from '../../../shipper/document-id.ts';
import { bulkBody } from '../../../shipper/sink/bulk-record.ts';
import { RecordQueue, SEGMENT } from '../../../shipper/sink/record-queue.ts';
import type { Outgoing } from '../../../shipper/record.ts';

/**
 * `take` with random limits; `cut` with a byte limit that ends exactly at (`slack` 0) or one byte short of
 * (`slack` -1) the end of a record: a random one, or one next to where the front's segment ends.
 */
type Op =
  | { kind: 'push'; count: number; size: number }
  | { kind: 'take'; maxDocs: number; maxBytes: number }
  | { kind: 'cut'; atBoundary: boolean; shift: number; pick: number; slack: number; maxDocs: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('push' as const), count: fc.integer({ min: 0, max: 9000 }), size: fc.integer({ min: 1, max: 600 }) }),
  fc.record({ kind: fc.constant('take' as const), maxDocs: fc.integer({ min: 1, max: 6000 }), maxBytes: fc.integer({ min: 1, max: 2_000_000 }) }),
  fc.record({ kind: fc.constant('cut' as const), atBoundary: fc.boolean(), shift: fc.integer({ min: -1, max: 1 }), pick: fc.nat(), slack: fc.constantFrom(0, -1), maxDocs: fc.constantFrom(6000, 100_000) }),
);

/** The old head-moving cut of a batch from `model`. */
function modelTake(model: Outgoing[], maxDocs: number, maxBytes: number): Outgoing[] {
  let end = 0;
  let bytes = 0;
  const last = Math.min(model.length, maxDocs);
  while (end < last) {
    const size = model[end]!.bytes;
    if (end > 0 && bytes + size > maxBytes) break;
    bytes += size;
    end++;
  }
  return model.splice(0, end);
}

describe('the pipeline queue of pending records', () => {
  it('cuts the same batches as one list with a moving head', () => {
    let made = 0;
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 12 }), (ops) => {
        const queue = new RecordQueue();
        const model: Outgoing[] = [];
        const taken: Outgoing[] = [];
        // Records pushed since the queue was last empty: where its segments start.
        let sinceEmpty = 0;
        for (const op of ops) {
          if (op.kind === 'push') {
            for (let i = 0; i < op.count; i++) {
              const n = made++;
              const record = toOutgoing(`logs-x${n % 3}-default`, { message: 'm'.repeat((op.size * (n % 5 + 1)) % 700) }, `src-${n % 2}`, n * 10, n * 10 + 10);
              if (model.length === 0) sinceEmpty = 0;
              expect(queue.push(record)).toBe(record.bytes);
              model.push(record);
              sinceEmpty++;
            }
          } else {
            const maxDocs = op.maxDocs;
            let maxBytes = op.kind === 'take' ? op.maxBytes : 1;
            if (op.kind === 'cut' && model.length > 0) {
              const front = sinceEmpty - model.length;
              const records = op.atBoundary ? SEGMENT - (front % SEGMENT) + op.shift : 1 + (op.pick % model.length);
              const count = Math.max(1, Math.min(model.length, records));
              maxBytes = model.slice(0, count).reduce((sum, record) => sum + record.bytes, 0) + op.slack;
            }
            const batch = queue.take(maxDocs, maxBytes);
            const expected = modelTake(model, maxDocs, maxBytes);
            expect(batch.length).toBe(expected.length);
            for (let i = 0; i < expected.length; i++) {
              const record = expected[i]!;
              expect([batch.indexAt(i), batch.sourceAt(i), batch.offsetAt(i), batch.endOffsetAt(i), batch.bytesAt(i)])
                .toEqual([record.index, record.source, record.offset, record.endOffset, record.bytes]);
            }
            if (expected.length > 0) expect(batch.bulkBody().equals(bulkBody(expected))).toBe(true);
            taken.push(...expected);
          }
          expect(queue.length).toBe(model.length);
          expect(queue.bytes).toBe(model.reduce((sum, record) => sum + record.bytes, 0));
        }
        // Release what was taken, as the pipeline does once answered, so chunks go back to the pool.
        for (const record of taken) record.release?.();
        const rest = queue.take(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
        expect(rest.length).toBe(model.length);
        for (let i = 0; i < rest.length; i++) rest.release(i);
        expect(queue.length).toBe(0);
        expect(queue.bytes).toBe(0);
      }),
      { numRuns: 80 },
    );
  });
});
