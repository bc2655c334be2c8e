/**
 * encodeRecord writes a record's head from cached bytes and a short id tail byte by byte
 * (sink/bulk-record.ts): for any index, id head, id tail (ASCII or not, escaped as ids are) and document,
 * in runs that share heads and runs that do not, and across chunk boundaries, the bytes are the NDJSON
 * the record serialized as strings gives, and the record reads back its id, document and size.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bulkBody, encodeRecord, jsonSafeId } from '../../shipper/sink/bulk-record.ts';

const indexArbitrary = fc.constantFrom('logs-nginx.access-default', 'logs-nginx.error-default', 'logs-ünï-☃', 'logs-"q"-x');
const idHeadArbitrary = fc.constantFrom('abcdefghijklmnop', 'QRSTUVWX_-012345', '', 'é☃');
const idTailArbitrary = fc.oneof(
  fc.nat().map((n) => n.toString(36)),
  fc.string({ unit: 'grapheme', maxLength: 12 }).map(jsonSafeId),
  fc.string({ maxLength: 12 }).map(jsonSafeId),
);
const bodyArbitrary = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 200 }).map((message) => JSON.stringify({ message })),
  fc.integer({ min: 0, max: 70_000 }).map((n) => JSON.stringify({ message: 'x'.repeat(n) })),
);

describe('encodeRecord', () => {
  it('writes the NDJSON of the record serialized as strings, and reads back what it was made of', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ index: indexArbitrary, idHead: idHeadArbitrary, idTail: idTailArbitrary, body: bodyArbitrary }), { minLength: 1, maxLength: 60 }), (items) => {
        const records = items.map(({ index, idHead, idTail, body }, i) => encodeRecord(index, idHead, idTail, body, `src-${i % 2}`, i, i + 1));
        const expected = items.map(({ index, idHead, idTail, body }) => `{"create":{"_index":${JSON.stringify(index)},"_id":"${idHead}${idTail}"}}\n${body}\n`);
        expect(bulkBody(records).toString('utf8')).toBe(expected.join(''));
        records.forEach((record, i) => {
          const { idHead, idTail, body } = items[i]!;
          expect(record.id).toBe(JSON.parse(`"${idHead}${idTail}"`) as string);
          expect(record.body).toBe(body);
          expect(record.bytes).toBe(Buffer.byteLength(expected[i]!));
        });
        for (const record of records) record.release();
      }),
      { numRuns: 300 },
    );
  });
});
