import { describe, expect, it } from 'vitest';
import { bulkBody, encodeRecord, jsonSafeId } from '../../../shipper/sink/bulk-record.ts';
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
