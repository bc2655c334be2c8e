/**
 * Benchmark of the forwarding store (`--forward-to`; `npm run bench -- forward`):
 * - acknowledge rate: bulks of 500 nginx-like records queued (one fsync per bulk), against the embedded
 *   store's bulk on the same records in the same run as the baseline;
 * - drain rate: the queue forwarded to the recording bulk endpoint (a cluster that costs nothing) and to a
 *   real logship aggregator (embedded store, child process).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { openForwardingStore } from '../../aggregator/forward/index.ts';
import { openEmbeddedStore } from '../../aggregator/store/index.ts';
import type { BulkOp } from '../../aggregator/store/types.ts';
import { startAggregator } from '../helpers/aggregator-process.ts';
import { startRecordingBulkEndpoint } from '../helpers/recording-bulk-endpoint.ts';

const logger = pino({ level: 'silent' });
const RECORDS = Number(process.env.RECORDS ?? (process.env.BENCH_SHORT === '1' ? 5_000 : 50_000));
const BULK = 500;

function bulks(prefix: string): BulkOp[][] {
  const out: BulkOp[][] = [];
  for (let from = 0; from < RECORDS; from += BULK) {
    out.push(Array.from({ length: BULK }, (_, k) => {
      const n = from + k;
      return {
        op: 'create', index: 'logs-nginx.access-default', id: `${prefix}-${n}`,
        doc: {
          '@timestamp': new Date(Date.UTC(2026, 10, 24) + n).toISOString(),
          message: `10.0.${n % 255}.7 - - [24/Nov/2026:06:00:00 +0000] "GET /api/items/${n}?page=2 HTTP/1.1" 200 ${n % 9000} "-" "Mozilla/5.0 (X11; Linux x86_64)"`,
          source: { ip: `10.0.${n % 255}.7` }, http: { request: { method: 'GET' }, response: { status_code: 200, body: { bytes: n % 9000 } } },
          url: { path: `/api/items/${n}` }, event: { dataset: 'nginx.access' }, data_stream: { type: 'logs', dataset: 'nginx.access', namespace: 'default' },
        },
      } satisfies BulkOp;
    }));
  }
  return out;
}

async function timed(work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

const rate = (seconds: number): string => `${Math.round(RECORDS / seconds).toLocaleString('en')} records/s (${seconds.toFixed(2)} s)`;

const embeddedDir = await mkdtemp(join(tmpdir(), 'logship-measure-embedded-'));
const embedded = await openEmbeddedStore({ dataDir: embeddedDir, logger, searchWorkers: 1 });
const baseline = await timed(async () => { for (const ops of bulks('e')) await embedded.bulk(ops); });
await embedded.close();
await rm(embeddedDir, { recursive: true, force: true });

const endpoint = await startRecordingBulkEndpoint({ keepSources: false });
endpoint.fail({ kind: 'status', status: 503 });
const queueDir = await mkdtemp(join(tmpdir(), 'logship-measure-queue-'));
const forwarding = await openForwardingStore({ url: endpoint.url, dataDir: queueDir, logger, backoffBaseMs: 1, backoffCapMs: 5 });
const queued = await timed(async () => { for (const ops of bulks('q')) await forwarding.bulk(ops); });
const queueBytes = forwarding.queued().bytes;
endpoint.recover();
const drainEndpoint = await timed(async () => {
  while (forwarding.queued().records > 0) await new Promise((resolve) => setTimeout(resolve, 20));
});
await forwarding.close();

const aggregator = await startAggregator();
const toAggregator = await openForwardingStore({ url: aggregator.url, dataDir: await mkdtemp(join(tmpdir(), 'logship-measure-queue2-')), logger });
const endToEnd = await timed(async () => {
  for (const ops of bulks('a')) await toAggregator.bulk(ops);
  while (toAggregator.queued().records > 0) await new Promise((resolve) => setTimeout(resolve, 20));
});
await toAggregator.close();
await aggregator.cleanup();
await endpoint.close();
await rm(queueDir, { recursive: true, force: true });

process.stdout.write([
  `${RECORDS} records, bulks of ${BULK}; queue ${(queueBytes / RECORDS).toFixed(0)} bytes/record`,
  `embedded store bulk (baseline):         ${rate(baseline)}`,
  `forwarding store acknowledge (queued):  ${rate(queued)}  = ${(baseline / queued).toFixed(2)}x baseline`,
  `drain to recording endpoint:            ${rate(drainEndpoint)}`,
  `ack + drain to a real aggregator:       ${rate(endToEnd)}`,
  '',
].join('\n'));
process.stdout.write(`BENCH_RESULT ${JSON.stringify({ bench: 'forward', records: RECORDS, embeddedBulkPerSec: Math.round(RECORDS / baseline), queuedPerSec: Math.round(RECORDS / queued), drainPerSec: Math.round(RECORDS / drainEndpoint), endToEndPerSec: Math.round(RECORDS / endToEnd) })}\n`);
