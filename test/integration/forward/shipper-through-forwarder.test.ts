/**
 * What a shipper sees over HTTP when the aggregator forwards: the real API (`buildApp`, listening) on the
 * forwarding store, the shipper's own Elasticsearch sink as the client, and the recording bulk endpoint
 * (or a real aggregator) as the cluster.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../../aggregator/app.ts';
import { openForwardingStore, type ForwardingStore, type ForwardingStoreOptions } from '../../../aggregator/forward/index.ts';
import type { Outgoing } from '../../../shipper/record.ts';
import { createElasticsearchSink } from '../../../shipper/sink/elasticsearch.ts';
import { startAggregator } from '../../helpers/aggregator-process.ts';
import { eventually } from '../../helpers/eventually.ts';
import { startRecordingBulkEndpoint, type RecordingBulkEndpoint } from '../../helpers/recording-bulk-endpoint.ts';

const logger = pino({ level: 'silent' });
const INDEX = 'logs-nginx.access-default';
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Forwarder {
  readonly url: string;
  readonly store: ForwardingStore;
}

/** The aggregator's API on a forwarding store towards `clusterUrl`, listening on a free port. */
async function startForwarder(clusterUrl: string, extra: Partial<ForwardingStoreOptions> = {}): Promise<Forwarder> {
  const dataDir = await mkdtemp(join(tmpdir(), 'logship-forward-http-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const store = await openForwardingStore({ url: clusterUrl, dataDir, logger, backoffBaseMs: 10, backoffCapMs: 200, ...extra });
  cleanups.push(() => store.close());
  const app: FastifyInstance = buildApp({ store, logger, registry: new Registry(), clusterUuid: 'forwarding-test-cluster' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  cleanups.push(() => app.close());
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, store };
}

async function recordingCluster(): Promise<RecordingBulkEndpoint> {
  const endpoint = await startRecordingBulkEndpoint();
  cleanups.push(() => endpoint.close());
  return endpoint;
}

const outgoing = (from: number, to: number): Outgoing[] => Array.from({ length: to - from }, (_, k) => {
  const body = JSON.stringify({ '@timestamp': '2026-11-24T06:00:00Z', message: `line ${from + k}`, n: from + k });
  return { index: INDEX, id: `id-${from + k}`, body, source: 'test', offset: from + k, endOffset: from + k + 1, bytes: body.length };
});

describe('a shipper writing through the forwarding aggregator', () => {
  it('has every record delivered by the shipper sink reach the cluster', async () => {
    const cluster = await recordingCluster();
    const forwarder = await startForwarder(cluster.url);
    const sink = createElasticsearchSink({ url: forwarder.url });
    cleanups.push(() => sink.close());
    const result = await sink.send(outgoing(0, 40));
    expect(result.delivered).toHaveLength(40);
    expect(result.retry).toEqual([]);
    await eventually(() => expect(cluster.count(INDEX)).toBe(40));
  });

  it('answers a resend of still-queued records with 409, which the shipper counts as delivered, and the cluster gets each once', async () => {
    const cluster = await recordingCluster();
    cluster.fail({ kind: 'status', status: 503 });
    const forwarder = await startForwarder(cluster.url);
    const client = new Client({ node: forwarder.url });
    cleanups.push(() => client.close());
    const operations = outgoing(0, 3).flatMap((item) => [{ create: { _index: item.index, _id: item.id } }, JSON.parse(item.body) as object]);
    const first = await client.bulk({ operations });
    expect(first.items.map((item) => item.create?.status)).toEqual([201, 201, 201]);
    const again = await client.bulk({ operations });
    expect(again.errors).toBe(true);
    expect(again.items.map((item) => [item.create?.status, item.create?.error?.type])).toEqual(new Array(3).fill([409, 'version_conflict_engine_exception']));
    expect(forwarder.store.queued().records).toBe(3);
    cluster.recover();
    await eventually(() => expect(forwarder.store.queued().records).toBe(0));
    expect(cluster.count(INDEX)).toBe(3);
    expect(cluster.conflicts).toBe(0);
  });

  it('makes the shipper back off with a whole-request 429 and Retry-After while the queue is full, applying nothing', async () => {
    const cluster = await recordingCluster();
    cluster.fail({ kind: 'status', status: 503 });
    const forwarder = await startForwarder(cluster.url, { maxQueueBytes: 4000 });
    const sink = createElasticsearchSink({ url: forwarder.url });
    cleanups.push(() => sink.close());
    expect((await sink.send(outgoing(0, 30))).delivered).toHaveLength(30);
    const queued = forwarder.store.queued();
    const refused = await sink.send(outgoing(30, 40));
    expect(refused.requestStatus).toBe(429);
    expect(refused.retryAfterSeconds).toBe(1);
    expect(refused.retry).toHaveLength(10);
    expect(refused.delivered).toEqual([]);
    expect(forwarder.store.queued()).toEqual(queued);
    cluster.recover();
    await eventually(() => expect(forwarder.store.queued().records).toBe(0));
    expect((await sink.send(outgoing(30, 40))).delivered).toHaveLength(10);
    await eventually(() => expect(cluster.count(INDEX)).toBe(40));
  });

  it('serves searches, counts and documents from the cluster through the same API', async () => {
    const cluster = await startAggregator();
    cleanups.push(() => cluster.cleanup());
    const forwarder = await startForwarder(cluster.url);
    const client = new Client({ node: forwarder.url });
    cleanups.push(() => client.close());
    const operations = outgoing(0, 12).flatMap((item) => [{ create: { _index: item.index, _id: item.id } }, JSON.parse(item.body) as object]);
    await client.bulk({ operations, refresh: 'wait_for' });
    const response = await client.search({ index: 'logs-nginx.*', query: { range: { n: { lt: 4 } } }, sort: [{ n: 'asc' }] });
    expect(response.hits.hits.map((hit) => hit._id)).toEqual(['id-0', 'id-1', 'id-2', 'id-3']);
    expect((await client.count({ index: INDEX })).count).toBe(12);
    expect((await client.get({ index: INDEX, id: 'id-7' }))._source).toMatchObject({ message: 'line 7' });
    expect(await client.exists({ index: INDEX, id: 'nope' })).toBe(false);
    const cat = await client.cat.indices({ index: 'logs-nginx.*', format: 'json' });
    expect(cat.reduce((sum, row) => sum + Number(row['docs.count']), 0)).toBe(12);
  });
});
