/**
 * The forwarding store against the recording bulk endpoint (a real HTTP `_bulk` server with injectable
 * faults) as "the cluster": what the shipper is told, what the cluster receives, and what is kept.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openForwardingStore, type ForwardingStore, type ForwardingStoreOptions } from '../../../aggregator/forward/index.ts';
import { EsError, type BulkOp, type JsonObject } from '../../../aggregator/store/types.ts';
import { eventually } from '../../helpers/eventually.ts';
import { startRecordingBulkEndpoint, type RecordingBulkEndpoint } from '../../helpers/recording-bulk-endpoint.ts';

const logger = pino({ level: 'silent' });
const INDEX = 'logs-nginx.access-default';

let dir: string;
let cluster: RecordingBulkEndpoint;
const opened: ForwardingStore[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logship-forward-'));
  cluster = await startRecordingBulkEndpoint();
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  await cluster.close();
  await rm(dir, { recursive: true, force: true });
});

async function open(extra: Partial<ForwardingStoreOptions> = {}): Promise<ForwardingStore> {
  const store = await openForwardingStore({ url: cluster.url, dataDir: dir, logger, backoffBaseMs: 5, backoffCapMs: 50, ...extra });
  opened.push(store);
  return store;
}

const creates = (from: number, to: number, index = INDEX): BulkOp[] =>
  Array.from({ length: to - from }, (_, k) => ({ op: 'create', index, id: `id-${from + k}`, doc: { '@timestamp': '2026-11-24T06:00:00Z', message: `line ${from + k}` } }));

const inner = (item: Record<string, JsonObject> | undefined): JsonObject => Object.values(item ?? {})[0] ?? {};

describe('the forwarding store', () => {
  it('answers a queued create with 201 created and delivers it to the cluster', async () => {
    const store = await open();
    const items = await store.bulk(creates(0, 3));
    expect(items.map((item) => [inner(item).status, inner(item).result, inner(item)._id])).toEqual([
      [201, 'created', 'id-0'], [201, 'created', 'id-1'], [201, 'created', 'id-2'],
    ]);
    await eventually(() => expect(cluster.count(INDEX)).toBe(3));
    expect(cluster.docs.get('id-1')?.source).toEqual({ '@timestamp': '2026-11-24T06:00:00Z', message: 'line 1' });
    await eventually(() => expect(store.queued()).toEqual({ records: 0, bytes: 0 }));
  });

  it('gives an index op without an _id a generated 20-character id that the cluster receives', async () => {
    const store = await open();
    const [item] = await store.bulk([{ op: 'index', index: 'my-index', doc: { message: 'no id' } }]);
    const id = String(inner(item)._id);
    expect(id).toMatch(/^[A-Za-z0-9_-]{20}$/);
    await eventually(() => expect(cluster.docs.get(id)?.index).toBe('my-index'));
  });

  it('answers 409 to a duplicate create of an id that is still queued, and to a duplicate within one bulk', async () => {
    cluster.fail({ kind: 'status', status: 503 });
    const store = await open();
    await store.bulk(creates(0, 2));
    const items = await store.bulk([...creates(1, 3), ...creates(2, 3)]);
    expect(items.map((item) => inner(item).status)).toEqual([409, 201, 409]);
    expect((inner(items[0]).error as JsonObject).type).toBe('version_conflict_engine_exception');
    expect(store.queued().records).toBe(3);
    cluster.recover();
    await eventually(() => expect(store.queued().records).toBe(0));
    expect([...cluster.docs.keys()].sort()).toEqual(['id-0', 'id-1', 'id-2']);
  });

  it('counts a 409 from the cluster as delivered: an id stored earlier leaves the queue without a duplicate', async () => {
    const store = await open();
    await store.bulk(creates(0, 2));
    await eventually(() => expect(store.queued().records).toBe(0));
    await store.bulk(creates(0, 4));
    await eventually(() => expect(store.queued().records).toBe(0));
    expect(cluster.count()).toBe(4);
    expect(cluster.conflicts).toBe(2);
  });

  it.each([
    ['429 with Retry-After', { kind: 'status', status: 429, retryAfterSeconds: 0 }],
    ['500', { kind: 'status', status: 500 }],
    ['a connection reset', { kind: 'reset' }],
    ['a reset after the items were applied', { kind: 'reset-after-apply' }],
  ] as const)('loses nothing and duplicates nothing while the cluster answers %s', async (_name, fault) => {
    const store = await open({ maxBatchRecords: 7 });
    cluster.fail(fault, 4);
    for (let i = 0; i < 50; i += 10) await store.bulk(creates(i, i + 10));
    await eventually(() => expect(store.queued().records).toBe(0));
    expect(cluster.count(INDEX)).toBe(50);
    expect(new Set(cluster.list(INDEX).map((doc) => doc.id)).size).toBe(50);
    expect(cluster.requests.filter((request) => request.status !== 200 || fault.kind === 'reset-after-apply').length).toBeGreaterThanOrEqual(4);
  });

  it('waits at least the Retry-After the cluster asked for before sending again', async () => {
    const store = await open({ backoffCapMs: 20 });
    cluster.fail({ kind: 'status', status: 429, retryAfterSeconds: 1 }, 1);
    const started = Date.now();
    await store.bulk(creates(0, 1));
    await eventually(() => expect(cluster.count(INDEX)).toBe(1));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(cluster.requests.map((request) => request.status)).toEqual([429, 200]);
  });

  it('halves its batches after a 413 and still delivers everything', async () => {
    cluster.fail({ kind: 'status', status: 503 });
    const store = await open({ maxBatchRecords: 10 });
    await store.bulk(creates(0, 10));
    cluster.fail({ kind: 'status', status: 413 }, 1);
    await eventually(() => expect(cluster.count(INDEX)).toBe(10));
    const sizes = cluster.requests.filter((request) => request.status === 200).map((request) => request.items);
    expect(sizes).toEqual([5, 5]);
  });

  it('retries only the items the cluster answered with a per-item 429, in order', async () => {
    const store = await open();
    let refusals = 3;
    cluster.setItemHook((doc) => (doc.id === 'id-2' && refusals-- > 0 ? { status: 429, type: 'es_rejected_execution_exception', reason: 'busy' } : undefined));
    await store.bulk(creates(0, 5));
    await eventually(() => expect(store.queued().records).toBe(0));
    expect(cluster.count(INDEX)).toBe(5);
    expect(cluster.itemErrors).toBe(3);
    expect(cluster.conflicts).toBe(0);
  });

  it('never lets a retried older write of an _id land after a newer one', async () => {
    const store = await open();
    let refusals = 1;
    cluster.setItemHook((doc) => (doc.id === 'x' && doc.source?.version === 1 && refusals-- > 0 ? { status: 429, type: 'es_rejected_execution_exception', reason: 'busy' } : undefined));
    await store.bulk([
      { op: 'index', index: 'my-index', id: 'x', doc: { version: 1 } },
      { op: 'index', index: 'my-index', id: 'x', doc: { version: 2 } },
    ]);
    await eventually(() => expect(store.queued().records).toBe(0));
    expect(cluster.itemErrors).toBe(1);
    expect(cluster.docs.get('x')?.source).toEqual({ version: 2 });
  });

  it('rewrites a document the cluster rejects for good as a dead letter with the reason, and forwards that', async () => {
    const registry = new Registry();
    const store = await open({ registry });
    cluster.setItemHook((doc) => (doc.id === 'id-1' && doc.index === INDEX
      ? { status: 400, type: 'document_parsing_exception', reason: '[1:15] failed to parse field [message] of type [long]' }
      : undefined));
    await store.bulk(creates(0, 3));
    await eventually(() => expect(store.queued().records).toBe(0));
    expect(cluster.list(INDEX).map((doc) => doc.id).sort()).toEqual(['id-0', 'id-2']);
    const [letter] = cluster.list('logs-logship.deadletter-default');
    expect(letter?.id).toBe('id-1');
    expect(letter?.source).toMatchObject({
      message: 'line 1',
      error: { type: 'logship_rejected', message: expect.stringContaining('document_parsing_exception') },
      event: { original: JSON.stringify({ '@timestamp': '2026-11-24T06:00:00Z', message: 'line 1' }), dataset: 'logship.deadletter' },
      data_stream: { type: 'logs', dataset: 'logship.deadletter', namespace: 'default' },
      logship: { deadletter: { index: INDEX } },
    });
    expect(await registry.getSingleMetricAsString('logship_forward_records_dead_lettered_total')).toMatch(/ 1$/m);
  });

  it('refuses a whole bulk with 429 while the queue is over its byte limit, and takes bulks again once it drained', async () => {
    cluster.fail({ kind: 'status', status: 503 });
    const store = await open({ maxQueueBytes: 2000 });
    await store.bulk(creates(0, 10));
    const before = store.queued();
    const refused = await store.bulk(creates(10, 20)).then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(EsError);
    expect((refused as EsError).status).toBe(429);
    expect((refused as EsError).type).toBe('es_rejected_execution_exception');
    expect(store.queued()).toEqual(before);
    cluster.recover();
    await eventually(() => expect(store.queued().records).toBe(0));
    const items = await store.bulk(creates(10, 20));
    expect(items.every((item) => inner(item).status === 201)).toBe(true);
    await eventually(() => expect(cluster.count(INDEX)).toBe(20));
  });

  it('leaves the queue on disk at close and drains it at the next open', async () => {
    cluster.fail({ kind: 'status', status: 503 });
    const first = await open();
    await first.bulk(creates(0, 25));
    expect(first.queued().records).toBe(25);
    await first.close();
    expect(cluster.count()).toBe(0);
    cluster.recover();
    const second = await open();
    expect(second.queued().records).toBe(25);
    await eventually(() => expect(cluster.count(INDEX)).toBe(25));
    await eventually(() => expect(second.queued().records).toBe(0));
  });

  it('exposes the queue and the forward lag as metrics', async () => {
    cluster.fail({ kind: 'status', status: 503 });
    const registry = new Registry();
    let clock = 1_000_000;
    const store = await open({ registry, now: () => clock });
    await store.bulk(creates(0, 4));
    clock += 42_000;
    const text = await registry.metrics();
    expect(text).toMatch(/^logship_forward_queue_records 4$/m);
    expect(text).toMatch(/^logship_forward_oldest_seconds 42$/m);
    expect(Number(/^logship_forward_queue_bytes (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(4 * 40);
    await eventually(async () => expect(await registry.getSingleMetricAsString('logship_forward_records_retried_total')).toMatch(/ [1-9]\d*$/m));
    cluster.recover();
    await eventually(async () => expect(await registry.getSingleMetricAsString('logship_forward_queue_records')).toMatch(/ 0$/m));
    expect(await registry.getSingleMetricAsString('logship_forward_records_forwarded_total')).toMatch(/ 4$/m);
    expect(await registry.getSingleMetricAsString('logship_forward_oldest_seconds')).toMatch(/ 0$/m);
  });

  it('waits with a refresh=wait_for bulk until its writes reached the cluster', async () => {
    const store = await open();
    await store.bulk(creates(0, 5), 'wait_for');
    expect(cluster.count(INDEX)).toBe(5);
  });

  it('answers a refresh bulk without waiting out the refresh wait while the cluster is failing, with its items queued', async () => {
    cluster.fail({ kind: 'status', status: 503 });
    const store = await open({ refreshWaitMs: 30_000 });
    const started = Date.now();
    const items = await store.bulk(creates(0, 2), 'true');
    expect(Date.now() - started).toBeLessThan(10_000);
    const later = Date.now();
    await store.bulk(creates(2, 3), 'wait_for');
    expect(Date.now() - later).toBeLessThan(1_000);
    expect(items.map((item) => inner(item).status)).toEqual([201, 201]);
    expect(cluster.count()).toBe(0);
    expect(store.queued().records).toBe(3);
  });

  it('answers a delete of a document whose write is still queued with a per-item 429', async () => {
    cluster.fail({ kind: 'status', status: 503 });
    const store = await open();
    await store.bulk(creates(0, 1));
    const [item] = await store.bulk([{ op: 'delete', index: INDEX, id: 'id-0' }]);
    expect(inner(item).status).toBe(429);
  });
});
