import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRecordingBulkEndpoint, type RecordingBulkEndpoint } from '../../helpers/recording-bulk-endpoint.ts';
import { toOutgoing } from '../../../shipper/document-id.ts';
import { createElasticsearchSink } from '../../../shipper/sink/elasticsearch.ts';
import { RecordList } from '../../../shipper/sink/record-list.ts';
import type { Outgoing, Sink } from '../../../shipper/record.ts';

describe('an uncompressed bulk request streamed from the records chunks', () => {
  let es: RecordingBulkEndpoint;
  let sink: Sink;
  beforeEach(async () => {
    es = await startRecordingBulkEndpoint();
    sink = createElasticsearchSink({ url: es.url, gzip: false });
  });
  afterEach(async () => {
    await sink.close();
    await es.close();
  });

  it('carries every record as it was made, across chunks, a large record and a record made elsewhere', async () => {
    const records: Outgoing[] = [];
    for (let i = 0; i < 3000; i++) {
      const message = i === 1234 ? 'x'.repeat(200_000) : `line ${i} ${i % 3 === 0 ? 'ünïcødé ☃ 😀' : 'ascii'} ${'y'.repeat(i % 300)}`;
      records.push(toOutgoing(i % 2 === 0 ? 'logs-nginx.access-default' : 'logs-nginx.error-default', { message, i }, `src-${i % 3}`, i * 10, i * 10 + 10));
    }
    records.splice(7, 0, { index: 'logs-logship.deadletter-default', id: 'odd "id" ☃', body: '{"message":"dead ☃"}', source: 's', offset: 0, endOffset: 1, bytes: 10 });
    const batch = new RecordList();
    for (const record of records) batch.addOutgoing(record);
    const { slices, size } = batch.bodySlices();
    expect(Buffer.concat(slices).equals(batch.bulkBody())).toBe(true);
    expect(slices.length).toBeLessThan(records.length / 100);
    expect(size).toBe(batch.bulkBody().length);

    const result = await sink.send(batch);
    expect(result.delivered).toHaveLength(records.length);
    expect(es.requests.map((r) => [r.status, r.items, r.gzip])).toEqual([[200, records.length, false]]);
    for (const record of records) expect(es.docs.get(record.id)?.source).toEqual(JSON.parse(record.body));
    // Sent again: every item is already stored (409), which is delivered too. The answer says `errors`
    // without items, so the same slices are streamed a second time for the items' verdicts.
    expect((await sink.send(batch)).delivered).toHaveLength(records.length);
    expect(es.requests.map((r) => r.filterPath)).toEqual(['errors', 'errors', 'errors,items.*.status,items.*.error']);
    expect(es.conflicts).toBe(2 * records.length);
  });
});
