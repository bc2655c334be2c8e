import { afterEach, describe, expect, it } from 'vitest';
import { startRecordingBulkEndpoint, type RecordingBulkEndpoint, type RecordingBulkEndpointOptions } from '../../helpers/recording-bulk-endpoint.ts';
import { toOutgoing } from '../../../shipper/document-id.ts';
import { createElasticsearchSink } from '../../../shipper/sink/elasticsearch.ts';
import { RecordList } from '../../../shipper/sink/record-list.ts';
import type { Outgoing, Sink } from '../../../shipper/record.ts';

const DETAILED = 'errors,items.*.status,items.*.error';
const INDEX = 'logs-app-default';

function records(count: number, from = 0): Outgoing[] {
  return Array.from({ length: count }, (_, k) => {
    const n = from + k;
    return toOutgoing(INDEX, { message: `line ${n}`, n }, 'dev:ino:fp', n * 10, n * 10 + 10);
  });
}

function asList(batch: readonly Outgoing[]): RecordList {
  const list = new RecordList();
  for (const record of batch) list.addOutgoing(record);
  return list;
}

/** Items whose `n` is in `failing` are answered with `status` (400: rejected for good; 429: retry later). */
function failNumbers(es: RecordingBulkEndpoint, failing: ReadonlySet<number>, status: number): void {
  es.setItemHook((doc) => (failing.has(doc.source?.n as number)
    ? { status, type: status === 429 ? 'es_rejected_execution_exception' : 'document_parsing_exception', reason: `refused ${String(doc.source?.n)}` }
    : undefined));
}

describe('the bulk answers the sink asks for', () => {
  let es: RecordingBulkEndpoint | undefined;
  let sink: Sink | undefined;
  let detailRequests = 0;
  afterEach(async () => {
    await sink?.close();
    await es?.close();
    detailRequests = 0;
  });

  async function start(gzip: boolean, endpoint: RecordingBulkEndpointOptions = {}): Promise<{ es: RecordingBulkEndpoint; sink: Sink }> {
    es = await startRecordingBulkEndpoint(endpoint);
    sink = createElasticsearchSink({ url: es.url, gzip, onDetailRequest: () => detailRequests++ });
    return { es, sink };
  }

  for (const gzip of [false, true]) {
    describe(gzip ? 'gzip body' : 'body streamed from the records', () => {
      it('asks for `errors` alone, and a clean answer delivers the whole batch in one request', async () => {
        const { es, sink } = await start(gzip);
        const result = await sink.send(asList(records(300)));
        expect(result).toEqual({ delivered: Array.from({ length: 300 }, (_, i) => i), retry: [], rejected: [] });
        expect(es.requests.map((r) => [r.items, r.filterPath, r.gzip])).toEqual([[300, 'errors', gzip]]);
        expect(es.count(INDEX)).toBe(300);
        expect(detailRequests).toBe(0);
      });

      it('sends a body with errors again for its items verdicts: each record stored once, the rejected ones named', async () => {
        const { es, sink } = await start(gzip);
        failNumbers(es, new Set([3, 150, 299]), 400);
        const result = await sink.send(asList(records(300)));
        expect(result.rejected.map(([i]) => i)).toEqual([3, 150, 299]);
        expect(result.rejected[0]![1]).toContain('document_parsing_exception: refused 3');
        expect(result.retry).toEqual([]);
        expect(result.delivered).toHaveLength(297);
        expect(result.delivered).not.toContain(150);
        expect(es.requests.map((r) => r.filterPath)).toEqual(['errors', DETAILED]);
        // The second request found the stored 297 already there (409: delivered), and stored nothing twice.
        expect(es.count(INDEX)).toBe(297);
        expect(es.conflicts).toBe(297);
        expect(detailRequests).toBe(1);
      });

      it('keeps asking for details while answers have errors, and goes back to `errors` after a clean one', async () => {
        const { es, sink } = await start(gzip);
        failNumbers(es, new Set([5, 105]), 429);
        const first = await sink.send(asList(records(100)));
        expect(first.retry).toEqual([5]);
        const second = await sink.send(asList(records(100, 100)));
        expect(second.retry).toEqual([5]);
        expect(second.delivered).toHaveLength(99);
        es.setItemHook(undefined);
        await sink.send(asList(records(100, 200)));
        await sink.send(asList(records(100, 300)));
        // Narrow, then detailed (the resend), then each batch once: detailed until a clean answer, then narrow.
        expect(es.requests.map((r) => r.filterPath)).toEqual(['errors', DETAILED, DETAILED, DETAILED, 'errors']);
        expect(detailRequests).toBe(1);
        expect(es.count(INDEX)).toBe(398);
      });

      it('reads the verdicts of a store that answers in full whatever filter_path asks, without sending twice', async () => {
        const { es, sink } = await start(gzip, { ignoreFilterPath: true });
        failNumbers(es, new Set([7]), 400);
        const result = await sink.send(asList(records(50)));
        expect(result.rejected.map(([i]) => i)).toEqual([7]);
        expect(result.delivered).toHaveLength(49);
        expect(es.requests).toHaveLength(1);
        expect(detailRequests).toBe(0);
      });
    });
  }

  it('retries the whole batch when the detail request fails as a whole, and stores nothing twice afterwards', async () => {
    const { es, sink } = await start(false);
    // Record 1 is refused with a 429 by the first request, which also arranges for the next one (the
    // detail request) to have its connection reset before any answer.
    es.setItemHook((doc) => {
      if (doc.source?.n !== 1) return undefined;
      es.fail({ kind: 'reset' }, 1);
      return { status: 429, type: 'es_rejected_execution_exception', reason: 'busy' };
    });
    const batch = records(20);
    const result = await sink.send(asList(batch));
    expect(result.delivered).toEqual([]);
    expect(result.retry).toHaveLength(20);
    expect(result.requestError).toBeDefined();
    expect(es.requests.map((r) => [r.status, r.filterPath])).toEqual([[200, 'errors'], [0, undefined]]);
    expect(es.count(INDEX)).toBe(19);
    es.setItemHook(undefined);
    const again = await sink.send(asList(batch));
    expect(again.delivered).toHaveLength(20);
    expect(es.count(INDEX)).toBe(20);
    expect(es.conflicts).toBe(19);
  });
});
