/**
 * The pipeline's record store (records as slots of shared chunks, queued, batched, retried, dead-lettered
 * and settled by index) against a plain model: random records of a few sources, made the three ways the
 * shippers make them (encoded from a document, written byte by byte into reserved space, plain objects),
 * pushed in random groups into a small buffer, and a store that answers each item at random (stored, 409,
 * 429/503, rejected) or fails whole requests (500, 413). Whatever happens:
 * - every request carries exactly the bytes of the records it names (the original, or its dead letter);
 * - a byte range is settled only once every record in it has been answered for good, exactly once, as
 *   adjacent records of one source, and in the end every record is settled and the buffer is empty;
 * - nothing the store has acknowledged is sent again.
 */
import fc from 'fast-check';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createPipeline } from '../../../shipper/pipeline.ts';
import type { Outgoing, SendResult, Sink } from '../../../shipper/record.ts';
import { toOutgoing, documentId, documentIdHead } from '../../../shipper/document-id.ts';
import { commitRecord, recordHead, reserveRecord } from '../../../shipper/sink/bulk-record.ts';
import { RecordList } from '../../../shipper/sink/record-list.ts';

const DEAD_LETTER = 'logs-logship.deadletter-default';
const INDEXES = ['logs-nginx.access-default', 'logs-nginx.error-default'];
const SOURCES = ['1:10:aa', '1:11:bb', '2:7:cc'];

interface RecordSpec {
  readonly way: 'encoded' | 'written' | 'plain';
  readonly source: number;
  readonly index: number;
  readonly length: number;
  readonly gap: boolean;
  readonly message: string;
}

interface Expected {
  readonly index: string;
  readonly source: string;
  readonly offset: number;
  readonly endOffset: number;
  readonly body: string;
}

const messageArb = fc.oneof(
  { weight: 8, arbitrary: fc.string({ maxLength: 80, unit: 'grapheme' }) },
  { weight: 1, arbitrary: fc.integer({ min: 70_000, max: 90_000 }).map((n) => 'z'.repeat(n)) },
);
const recordArb: fc.Arbitrary<RecordSpec> = fc.record({
  way: fc.constantFrom('encoded' as const, 'written' as const, 'plain' as const),
  source: fc.integer({ min: 0, max: SOURCES.length - 1 }),
  index: fc.integer({ min: 0, max: INDEXES.length - 1 }),
  length: fc.integer({ min: 1, max: 400 }),
  gap: fc.boolean(),
  message: messageArb,
});

/** Writes the record byte by byte into reserved space, as the sidecar's and collector's byte writers do. */
function writtenRecord(index: string, source: string, offset: number, endOffset: number, body: string): Outgoing {
  const head = recordHead(index, documentIdHead(source));
  const middle = Buffer.from(`${offset.toString(36)}"}}\n`);
  const bodyBytes = Buffer.from(`${body}\n`);
  const space = reserveRecord(head.length + middle.length + bodyBytes.length);
  let pos = space.at;
  pos += head.copy(space.bytes, pos);
  pos += middle.copy(space.bytes, pos);
  const bodyStart = pos;
  pos += bodyBytes.copy(space.bytes, pos);
  return commitRecord(index, source, offset, endOffset, bodyStart, pos);
}

/** A tiny seeded generator, so that the store's answers are part of the property's case. */
function randomOf(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

/** The NDJSON request as (action, body) pairs. */
function requestItems(body: Buffer): Array<{ index: string; id: string; body: string }> {
  const lines = body.toString('utf8').split('\n');
  expect(lines.pop()).toBe('');
  const items: Array<{ index: string; id: string; body: string }> = [];
  for (let i = 0; i < lines.length; i += 2) {
    const action = JSON.parse(lines[i]!) as { create: { _index: string; _id: string } };
    items.push({ index: action.create._index, id: action.create._id, body: lines[i + 1]! });
  }
  return items;
}

async function runCase(groups: RecordSpec[][], seed: number, batchMaxDocs: number, maxInFlight: number, maxBufferBytes: number): Promise<void> {
  const random = randomOf(seed);
  const expected = new Map<string, Expected>();
  const bySource = new Map<string, Expected[]>();
  const stored = new Set<string>(); // `${index} ${id}` the store has acknowledged
  const final = new Set<string>(); // ids answered for good: stored, or dead-lettered (stored or dropped)
  const settled = new Set<string>();
  const failures: string[] = [];
  const next = new Map<string, number>(SOURCES.map((s) => [s, 0]));

  const sink: Sink = {
    send(batch) {
      expect(batch).toBeInstanceOf(RecordList);
      const items = requestItems((batch as RecordList).bulkBody());
      expect(items.length).toBe(batch.length);
      for (const item of items) {
        const original = expected.get(item.id);
        if (original === undefined) throw new Error(`unknown id ${item.id}`);
        if (stored.has(`${item.index} ${item.id}`)) failures.push(`sent again after it was stored: ${item.index} ${item.id}`);
        if (item.index === DEAD_LETTER) {
          const dead = JSON.parse(item.body) as { event: { original: string }; logship: { deadletter: { index: string } } };
          if (dead.event.original !== original.body || dead.logship.deadletter.index !== original.index) failures.push(`wrong dead letter for ${item.id}`);
        } else if (item.index !== original.index || item.body !== original.body) {
          failures.push(`wrong bytes for ${item.id}: ${item.index} ${item.body.slice(0, 60)}`);
        }
      }
      const roll = random();
      if (roll < 0.08) {
        return Promise.resolve({ delivered: [], retry: items.map((_, i) => i), rejected: [], requestError: 'boom', requestStatus: roll < 0.03 ? 413 : 500, retryAfterSeconds: 0 });
      }
      const result: { delivered: number[]; retry: number[]; rejected: Array<[number, string]> } = { delivered: [], retry: [], rejected: [] };
      items.forEach((item, i) => {
        const verdict = random();
        if (verdict < 0.6) {
          stored.add(`${item.index} ${item.id}`);
          final.add(item.id);
          result.delivered.push(i);
        } else if (verdict < 0.7) {
          // 409: already stored (only true if it was; otherwise it is a plain "stored" too).
          stored.add(`${item.index} ${item.id}`);
          final.add(item.id);
          result.delivered.push(i);
        } else if (verdict < 0.88) {
          result.retry.push(i);
        } else {
          if (item.index === DEAD_LETTER) final.add(item.id); // dropped for good
          result.rejected.push([i, `400 mapper_parsing_exception: field ${i}`]);
        }
      });
      return Promise.resolve(result satisfies SendResult);
    },
    close: () => Promise.resolve(),
  };

  const checkpoints = {
    settle(source: string, offset: number, endOffset: number) {
      // The settled range must be exactly adjacent records of the source, each answered for good, never settled before.
      const records = (bySource.get(source) ?? []).filter((r) => r.offset >= offset && r.offset < endOffset);
      let at = offset;
      for (const record of records) {
        const id = documentId(source, record.offset);
        if (record.offset !== at) failures.push(`settled range ${source} [${offset}, ${endOffset}) has a hole at ${at}`);
        if (!final.has(id)) failures.push(`settled before the store answered: ${id}`);
        if (settled.has(id)) failures.push(`settled twice: ${id}`);
        settled.add(id);
        at = record.endOffset;
      }
      if (at !== endOffset || records.length === 0) failures.push(`settled range ${source} [${offset}, ${endOffset}) is not whole records`);
    },
  };

  const pipeline = createPipeline({
    sink, checkpoints, logger: pino({ level: 'silent' }), registry: new Registry(),
    batchMaxDocs, batchMaxBytes: 64 * 1024, batchMaxWaitMs: 1, maxInFlight, maxBufferBytes,
    retryMaxBackoffMs: 1, deadLetterIndex: DEAD_LETTER, closeTimeoutMs: 10_000,
  });
  for (const group of groups) {
    const records: Outgoing[] = [];
    for (const spec of group) {
      const source = SOURCES[spec.source]!;
      const offset = next.get(source)! + (spec.gap ? 7 : 0);
      const endOffset = offset + spec.length;
      next.set(source, endOffset);
      const index = INDEXES[spec.index]!;
      const body = JSON.stringify({ message: spec.message, at: offset });
      const record: Expected = { index, source, offset, endOffset, body };
      expected.set(documentId(source, offset), record);
      bySource.set(source, [...(bySource.get(source) ?? []), record]);
      if (spec.way === 'encoded') records.push(toOutgoing(index, { message: spec.message, at: offset }, source, offset, endOffset));
      else if (spec.way === 'written') records.push(writtenRecord(index, source, offset, endOffset, body));
      else records.push({ index, id: documentId(source, offset), body, source, offset, endOffset, bytes: Buffer.byteLength(body) + 90 });
    }
    await pipeline.push(records);
  }
  expect(await pipeline.drain(20_000)).toBe(true);
  await pipeline.close();
  expect(failures).toEqual([]);
  expect(settled.size).toBe(expected.size);
  expect(pipeline.bufferedBytes()).toBe(0);
}

describe('the pipeline record store against a model of settled ranges', () => {
  it('sends the right bytes, settles every record once and only after the store answered for it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(recordArb, { minLength: 0, maxLength: 40 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 512, max: 256 * 1024 }),
        runCase,
      ),
      { numRuns: 150 },
    );
  }, 120_000);
});
