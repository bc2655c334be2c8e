import { describe, expect, it } from 'vitest';
import { bulkBody, encodeRecord, encodeRecordParts, recordHead } from '../../../shipper/sink/bulk-record.ts';
import type { Outgoing } from '../../../shipper/record.ts';

describe('records encoded from parts (head bytes, middle string, tail bytes)', () => {
  it('are the same records, byte for byte, as encoded from the whole document', () => {
    const parts: Outgoing[] = [];
    const whole: Outgoing[] = [];
    for (let i = 0; i < 3000; i++) {
      // Enough to fill several shared chunks; multi-byte characters in the middle and the tail; some very large.
      const index = i % 2 === 0 ? 'logs-kubernetes.container_logs-default' : 'logs-shop-default';
      const source = `src-${i % 3}`;
      const idTail = (i * 97).toString(36);
      const own = `{"message":"line ${i} ${i % 3 === 0 ? 'ünïcødé ☃ 😀' : 'ascii'} ${(i === 1234 ? 'z' : 'y').repeat(i === 1234 ? 200_000 : i % 700)}"`;
      const tail = `,"kubernetes":{"pod":{"name":"wéb-${i % 5}"}}}`;
      parts.push(encodeRecordParts(index, recordHead(index, `head${i % 3}`), `${idTail}"}}\n${own}`, idTail.length + 4, Buffer.from(`${tail}\n`), source, i * 10, i * 10 + 7));
      whole.push(encodeRecord(index, `head${i % 3}`, idTail, `${own}${tail}`, source, i * 10, i * 10 + 7));
    }
    expect(bulkBody(parts).equals(bulkBody(whole))).toBe(true);
    for (const [i, record] of parts.entries()) {
      const reference = whole[i]!;
      expect([record.index, record.id, record.body, record.source, record.offset, record.endOffset, record.bytes])
        .toEqual([reference.index, reference.id, reference.body, reference.source, reference.offset, reference.endOffset, reference.bytes]);
    }
  });
});
