import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toOutgoing } from '../../../shipper/document-id.ts';
import { BulkRecord, bulkBody, type RecordChunk } from '../../../shipper/sink/bulk-record.ts';
import { RecordList } from '../../../shipper/sink/record-list.ts';
import type { Outgoing } from '../../../shipper/record.ts';

const recordAt = (i: number, size = 40): Outgoing => toOutgoing('logs-x-default', { message: 'm'.repeat(size), i }, `src-${i % 2}`, i * 10, i * 10 + 10);
const chunkOf = (record: Outgoing): RecordChunk => (record as BulkRecord).chunk;

describe('a list of records as chunk slots', () => {
  it('reads back, slices, picks, empties and sends what a plain array of the records would', () => {
    type Op = { kind: 'add'; count: number } | { kind: 'reset' } | { kind: 'slice'; from: number; to: number } | { kind: 'pick'; seed: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), count: fc.integer({ min: 0, max: 9000 }) }),
      fc.record({ kind: fc.constant('reset' as const) }),
      fc.record({ kind: fc.constant('slice' as const), from: fc.nat(9000), to: fc.nat(9000) }),
      fc.record({ kind: fc.constant('pick' as const), seed: fc.nat() }),
    );
    let made = 0;
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 8 }), (ops) => {
        let list = new RecordList(1);
        let model: Outgoing[] = [];
        for (const op of ops) {
          if (op.kind === 'add') {
            for (let i = 0; i < op.count; i++) {
              const record = recordAt(made++, made % 7 === 0 ? 300 : 20);
              list.addOutgoing(record);
              model.push(record);
            }
          } else if (op.kind === 'reset') {
            // Emptied for reuse (a queue's segment): its arrays stay, its items go.
            list.reset();
            model = [];
          } else if (op.kind === 'slice') {
            const from = Math.min(op.from, model.length);
            const to = Math.max(from, Math.min(op.to, model.length));
            list = list.slice(from, to);
            model = model.slice(from, to);
          } else {
            const indices = model.map((_, i) => i).filter((i) => (i * 2654435761 + op.seed) % 3 !== 0).reverse();
            list = list.pick(indices);
            model = indices.map((i) => model[i]!);
          }
          expect(list.length).toBe(model.length);
        }
        for (const i of [0, model.length - 1, model.length >> 1]) {
          const record = model[i];
          if (record === undefined) continue;
          expect([list.indexAt(i), list.sourceAt(i), list.offsetAt(i), list.endOffsetAt(i), list.bytesAt(i), list.idAt(i), list.bodyAt(i)])
            .toEqual([record.index, record.source, record.offset, record.endOffset, record.bytes, record.id, record.body]);
        }
        expect(list.bulkBody().equals(bulkBody(model))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('encodes a record made elsewhere with the same bytes and accounted size', () => {
    const list = new RecordList();
    const plain: Outgoing = { index: 'logs-logship.deadletter-default', id: 'odd "id" ☃', body: '{"message":"dead ☃"}', source: 's', offset: 3, endOffset: 9, bytes: 4242 };
    list.addOutgoing(plain);
    expect(list.bulkBody().toString()).toBe(bulkBody([plain]).toString());
    expect([list.idAt(0), list.bodyAt(0), list.bytesAt(0), list.offsetAt(0), list.endOffsetAt(0)]).toEqual([plain.id, plain.body, 4242, 3, 9]);
  });
});

describe('chunk memory across reuses', () => {
  it('is not reused while a record is held, even if a neighbour is released twice', () => {
    const held = recordAt(0);
    const neighbour = recordAt(1);
    const others = Array.from({ length: 3000 }, (_, i) => recordAt(i + 2, 200));
    const live = chunkOf(held).live;
    neighbour.release?.();
    neighbour.release?.();
    expect(chunkOf(held).live).toBe(live - 1);
    for (const record of others) record.release?.();
    Array.from({ length: 3000 }, (_, i) => recordAt(i, 200));
    expect(chunkOf(held)).toBe(chunkOf(neighbour));
    expect(held.body).toBe(JSON.stringify({ message: 'm'.repeat(40), i: 0 }));
  });

  it('keeps being reused round after round once its records are released (no chunk leaks)', () => {
    const seen = new Set<RecordChunk>();
    let firstRound = 0;
    for (let round = 0; round < 12; round++) {
      const records = Array.from({ length: 3000 }, (_, i) => recordAt(i, 200));
      for (const record of records) seen.add(chunkOf(record));
      if (round === 0) firstRound = seen.size;
      for (const record of records) record.release?.();
    }
    // A round needs about as many chunks as the first; released ones come back from the pool.
    expect(seen.size).toBeLessThanOrEqual(firstRound + 2);
  });
});
