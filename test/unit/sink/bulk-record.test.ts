import { describe, expect, it } from 'vitest';
import { BulkRecord, bulkBody, encodeRecord, jsonSafeId, keepRecordMemoryFor } from '../../../shipper/sink/bulk-record.ts';
import { documentId, toOutgoing } from '../../../shipper/document-id.ts';
import type { Outgoing } from '../../../shipper/record.ts';

/** The NDJSON the sink used to build from strings: the reference the encoded bytes must equal. */
function reference(items: readonly Outgoing[]): string {
  return items.map((item) => `{"create":{"_index":${JSON.stringify(item.index)},"_id":${JSON.stringify(item.id)}}}\n${item.body}\n`).join('');
}

describe('records encoded as their bulk request lines', () => {
  it('give back the document JSON and the deterministic id they were made with', () => {
    const doc = { '@timestamp': '2026-11-24T06:00:00.000Z', message: 'GET / "quoted" é ☃ 😀', n: 1 };
    const out = toOutgoing('logs-nginx.access-default', doc, 'dev:ino:fp', 1234, 1300);
    expect(out.body).toBe(JSON.stringify(doc));
    expect(out.id).toBe(documentId('dev:ino:fp', 1234));
    expect([out.index, out.source, out.offset, out.endOffset]).toEqual(['logs-nginx.access-default', 'dev:ino:fp', 1234, 1300]);
    expect(out.bytes).toBe(Buffer.byteLength(reference([out])));
  });

  it('make the same request body, byte for byte, as the records serialized as strings', () => {
    const items: Outgoing[] = [];
    for (let i = 0; i < 2000; i++) {
      // Enough records to fill several shared chunks, some with multi-byte characters, one very large.
      const message = i === 777 ? 'x'.repeat(300_000) : `line ${i} ${i % 3 === 0 ? 'ünïcødé ☃ 😀' : 'ascii'} ${'y'.repeat(i % 500)}`;
      items.push(toOutgoing(i % 2 === 0 ? 'logs-nginx.access-default' : 'logs-nginx.error-default', { message, i }, `src-${i % 3}`, i * 10, i * 10 + 10));
    }
    // A record made elsewhere (a dead letter, a test) travels beside encoded ones, with its id escaped.
    items.splice(5, 0, { index: 'logs-logship.deadletter-default', id: 'odd "id"\\', body: '{"message":"dead ☃"}', source: 's', offset: 0, endOffset: 1, bytes: 10 });
    expect(bulkBody(items).toString('utf8')).toBe(reference(items));
    expect(bulkBody(items.slice(3, 9).reverse()).toString('utf8')).toBe(reference(items.slice(3, 9).reverse()));
    expect(bulkBody([]).length).toBe(0);
  });

  it('keep an explicit id and the buffer size they are accounted for', () => {
    const out = encodeRecord('logs-x-default', jsonSafeId('a"b'), '', '{"a":1}', 'src', 5, 9, 4242);
    expect(out.id).toBe('a"b');
    expect(out.bytes).toBe(4242);
    expect(bulkBody([out]).toString()).toBe('{"create":{"_index":"logs-x-default","_id":"a\\"b"}}\n{"a":1}\n');
  });
});

describe('the memory of released records', () => {
  it('is reused for new records, and a released record read after that throws instead of sending other bytes', () => {
    // Fill and release several chunks' worth of records so that chunks go back to the pool and are reused.
    const first = Array.from({ length: 3000 }, (_, i) => toOutgoing('logs-x-default', { message: 'a'.repeat(200), i }, 'src', i, i + 1));
    const firstBody = bulkBody(first.slice(-10)).toString();
    for (const record of first) record.release?.();
    const second = Array.from({ length: 3000 }, (_, i) => toOutgoing('logs-x-default', { message: 'b'.repeat(200), i }, 'src', i, i + 1));
    // The new records read back exactly what was written for them.
    expect(bulkBody(second).toString()).toBe(reference(second));
    expect(firstBody).toContain('"aaaa');
    // The chunks of the first records now hold later ones: reading such a record is refused.
    const stale = first.filter((record) => {
      try {
        bulkBody([record]);
        return false;
      } catch (error) {
        expect(String(error)).toMatch(/reused after it was released/);
        return true;
      }
    });
    expect(stale.length).toBeGreaterThan(1000);
    // Releasing twice, or releasing an old record again, changes nothing for the live ones.
    for (const record of first) record.release?.();
    expect(bulkBody(second).toString()).toBe(reference(second));
  });

  it('is kept, once free, for as much as a pipeline buffer holds (beyond the 32 chunks always kept)', () => {
    keepRecordMemoryFor(24 * 1024 * 1024);
    const chunksOf = (records: readonly Outgoing[]): Set<unknown> => new Set(records.map((record) => (record as BulkRecord).chunk));
    // ~20 MiB of records: ~80 chunks, more than the 32 kept without a pipeline's buffer.
    const first = Array.from({ length: 20_000 }, (_, i) => toOutgoing('logs-x-default', { message: 'e'.repeat(1000), i }, 'src', i, i + 1));
    const firstChunks = chunksOf(first);
    expect(firstChunks.size).toBeGreaterThan(64);
    for (const record of first) record.release?.();
    const second = Array.from({ length: 20_000 }, (_, i) => toOutgoing('logs-x-default', { message: 'f'.repeat(1000), i }, 'src', i, i + 1));
    const fresh = [...chunksOf(second)].filter((chunk) => !firstChunks.has(chunk));
    // Every chunk of the second round is a reused one but one or two (the first round's records did not
    // end exactly at a chunk's end); with only 32 kept, some 48 would be new.
    expect(fresh.length).toBeLessThanOrEqual(2);
    expect(bulkBody(second.slice(-5)).toString()).toBe(reference(second.slice(-5)));
    for (const record of second) record.release?.();
  });

  it('is not reused while a record in the same chunk is still held', () => {
    const held = toOutgoing('logs-x-default', { message: 'keep me' }, 'src', 0, 1);
    const others = Array.from({ length: 3000 }, (_, i) => toOutgoing('logs-x-default', { message: 'c'.repeat(200), i }, 'src', i + 1, i + 2));
    for (const record of others) record.release?.();
    Array.from({ length: 3000 }, (_, i) => toOutgoing('logs-x-default', { message: 'd'.repeat(200), i }, 'src', i, i + 1));
    expect(held.body).toBe('{"message":"keep me"}');
  });
});
