/**
 * The forwarding store with a second, real logship aggregator (embedded store, child process) as "the
 * cluster": reads through the forwarder see the cluster's documents, a cluster outage and a forwarder
 * crash lose nothing and duplicate nothing, and rejections reach the dead-letter stream.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@elastic/elasticsearch';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openForwardingStore, type ForwardingStore } from '../../../aggregator/forward/index.ts';
import { EsError, type BulkOp, type JsonObject } from '../../../aggregator/store/types.ts';
import { startAggregator, type AggregatorProcess } from '../../helpers/aggregator-process.ts';
import { eventually } from '../../helpers/eventually.ts';

const NODE = fileURLToPath(new URL('../../../node_modules/.bin/node', import.meta.url));
const CRASH_FORWARDER = fileURLToPath(new URL('./crash-forwarder.ts', import.meta.url));
const logger = pino({ level: 'silent' });

const dirs: string[] = [];
const stores: ForwardingStore[] = [];
const clusters: AggregatorProcess[] = [];

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});
afterAll(async () => {
  for (const cluster of clusters.splice(0)) await cluster.cleanup();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'logship-forward-it-'));
  dirs.push(dir);
  return dir;
}

async function startCluster(): Promise<AggregatorProcess> {
  const cluster = await startAggregator();
  clusters.push(cluster);
  return cluster;
}

async function openStore(url: string, dataDir?: string): Promise<ForwardingStore> {
  const store = await openForwardingStore({ url, dataDir: dataDir ?? (await tempDir()), logger, backoffBaseMs: 20, backoffCapMs: 500, refreshWaitMs: 20_000 });
  stores.push(store);
  return store;
}

const creates = (index: string, from: number, to: number): BulkOp[] =>
  Array.from({ length: to - from }, (_, k) => ({
    op: 'create', index, id: `id-${from + k}`,
    doc: { '@timestamp': new Date(Date.UTC(2026, 10, 24) + (from + k) * 1000).toISOString(), message: `line ${from + k}`, n: from + k },
  }));

const inner = (item: Record<string, JsonObject> | undefined): JsonObject => Object.values(item ?? {})[0] ?? {};

/** Every `_id` stored in the cluster for an index, read straight from the cluster. */
async function idsIn(client: Client, index: string): Promise<string[]> {
  const response = await client.search({ index, size: 10_000, _source: false, query: { match_all: {} } });
  return response.hits.hits.map((hit) => String(hit._id));
}

describe('forwarding to a real aggregator', () => {
  let cluster: AggregatorProcess;
  let client: Client;
  let store: ForwardingStore;
  const INDEX = 'logs-web-default';

  beforeAll(async () => {
    cluster = await startCluster();
    client = new Client({ node: cluster.url });
    store = await openForwardingStore({ url: cluster.url, dataDir: await tempDir(), logger, backoffBaseMs: 20, backoffCapMs: 500 });
    const items = await store.bulk(creates(INDEX, 0, 20), 'wait_for');
    expect(items.map((item) => inner(item).status)).toEqual(new Array(20).fill(201));
  });
  afterAll(async () => {
    await store.close();
    await client.close();
  });

  it('returns the cluster documents from a search through the forwarder, once the bulk with wait_for answered', async () => {
    const response = await store.search(INDEX, { query: { range: { n: { gte: 5 } } }, sort: [{ n: 'asc' }], size: 100 });
    const hits = (response.hits as { total: { value: number }; hits: Array<{ _id: string; _source: JsonObject }> });
    expect(hits.total.value).toBe(15);
    expect(hits.hits.map((hit) => hit._id)).toEqual(Array.from({ length: 15 }, (_, k) => `id-${k + 5}`));
    expect(hits.hits[0]?._source.message).toBe('line 5');
    expect((await store.count(INDEX, { query: { match: { message: 'line' } } })).count).toBe(20);
  });

  it('passes query-string parameters through to the cluster', async () => {
    const response = await store.search(INDEX, {}, { query: { q: 'n:7', size: '3' } });
    expect((response.hits as { hits: Array<{ _id: string }> }).hits.map((hit) => hit._id)).toEqual(['id-7']);
  });

  it('gets a stored document, and found: false for a missing one', async () => {
    const found = await store.getDocument(INDEX, 'id-3');
    expect(found).toMatchObject({ _id: 'id-3', found: true, _source: { message: 'line 3' } });
    expect(await store.getDocument(INDEX, 'never-written')).toMatchObject({ _id: 'never-written', found: false });
  });

  it('answers with the cluster error status, type and reason', async () => {
    const direct = await client.search({ index: 'no-such-index' }).then(() => undefined, (error: { statusCode?: number; body?: { error?: { type?: string; reason?: string } } }) => error);
    const proxied = await store.search('no-such-index', {}).then(() => undefined, (error: unknown) => error);
    expect(proxied).toBeInstanceOf(EsError);
    expect((proxied as EsError).status).toBe(direct?.statusCode);
    expect((proxied as EsError).type).toBe(direct?.body?.error?.type);
    expect((proxied as EsError).type).toBe('index_not_found_exception');
    expect((proxied as EsError).message).toBe(direct?.body?.error?.reason);
  });

  it('pages through the cluster with a scroll and with a point in time', async () => {
    const first = await store.search(INDEX, { sort: [{ n: 'asc' }], size: 8 }, { query: { scroll: '1m' } });
    const scrollId = String(first._scroll_id);
    const second = await store.scroll(scrollId, '1m');
    const ids = (page: JsonObject): string[] => (page.hits as { hits: Array<{ _id: string }> }).hits.map((hit) => hit._id);
    expect(ids(first)).toEqual(Array.from({ length: 8 }, (_, k) => `id-${k}`));
    expect(ids(second)).toEqual(Array.from({ length: 8 }, (_, k) => `id-${k + 8}`));
    expect(await store.clearScroll([scrollId])).toMatchObject({ succeeded: true });

    const pit = await store.openPointInTime(INDEX, '1m');
    const withPit = await store.search(INDEX, { pit: { id: pit.id, keep_alive: '1m' }, size: 100 });
    expect((withPit.hits as { hits: unknown[] }).hits).toHaveLength(20);
    expect(await store.closePointInTime(String(pit.id))).toMatchObject({ succeeded: true });
  });

  it('reads index metadata from the cluster: resolve, data streams, mapping, field caps, cat indices, stats', async () => {
    expect(await store.resolveIndices('logs-web-*')).toEqual([INDEX]);
    const streams = await store.getDataStreams(INDEX);
    expect((streams.data_streams as Array<{ name: string }>).map((stream) => stream.name)).toEqual([INDEX]);
    const caps = await store.fieldCaps(INDEX, ['message', 'n']);
    expect(Object.keys(caps.fields as JsonObject).sort()).toEqual(['message', 'n']);
    const mapping = JSON.stringify(await store.getMapping(INDEX));
    expect(mapping).toContain('"message"');
    const rows = await store.catIndices('logs-web-*');
    expect(rows.reduce((sum, row) => sum + Number(row['docs.count']), 0)).toBe(20);
    expect(typeof rows[0]?.['docs.count']).toBe('number');
    const stats = await store.stats();
    expect(stats.documents).toBeGreaterThanOrEqual(20);
    expect(stats.indices).toBeGreaterThanOrEqual(1);
  });

  it('manages templates and indices on the cluster', async () => {
    await store.putIndexTemplate('fwd-test', { index_patterns: ['fwd-test-*'], template: { mappings: { properties: { code: { type: 'keyword' } } } } });
    const templates = await store.getIndexTemplates('fwd-test');
    expect((templates.index_templates as Array<{ name: string }>).map((t) => t.name)).toEqual(['fwd-test']);
    await store.createIndex('fwd-test-1', {});
    expect(JSON.stringify(await store.getIndex('fwd-test-1'))).toContain('"code"');
    await store.deleteIndex('fwd-test-1');
    await store.deleteIndexTemplate('fwd-test');
    const missing = await store.getIndex('fwd-test-1').then(() => undefined, (error: unknown) => error);
    expect((missing as EsError).status).toBe(404);
  });

  it('applies update and delete on the cluster at once, with the cluster answer', async () => {
    await store.bulk([{ op: 'index', index: 'mutable', id: 'm-1', doc: { message: 'first' } }, { op: 'index', index: 'mutable', id: 'm-2', doc: { message: 'second' } }], 'wait_for');
    const [updated, deleted, missing] = await store.bulk([
      { op: 'update', index: 'mutable', id: 'm-1', doc: { message: 'changed' } },
      { op: 'delete', index: 'mutable', id: 'm-2' },
      { op: 'delete', index: 'mutable', id: 'never-written' },
    ]);
    expect([inner(updated).status, inner(updated).result]).toEqual([200, 'updated']);
    expect([inner(deleted).status, inner(deleted).result]).toEqual([200, 'deleted']);
    expect([inner(missing).status, inner(missing).result]).toEqual([404, 'not_found']);
    expect(await store.getDocument('mutable', 'm-1')).toMatchObject({ found: true, _source: { message: 'changed' } });
    expect(await store.getDocument('mutable', 'm-2')).toMatchObject({ found: false });
  });

  it('sends a document the cluster rejects for its mapping to the dead-letter stream with the reason', async () => {
    const index = 'logs-typed-default';
    await store.bulk([{ op: 'create', index, id: 'typed-1', doc: { '@timestamp': '2026-11-24T06:00:00Z', message: 'number', code: 200 } }], 'wait_for');
    const [item] = await store.bulk([{ op: 'create', index, id: 'typed-2', doc: { '@timestamp': '2026-11-24T06:00:01Z', message: 'text', code: 'not a number' } }], 'wait_for');
    expect(inner(item).status).toBe(201);
    await eventually(async () => expect(await idsIn(client, 'logs-logship.deadletter-default')).toEqual(['typed-2']), { timeoutMs: 20_000 });
    expect(await idsIn(client, index)).toEqual(['typed-1']);
    const letter = await client.get({ index: 'logs-logship.deadletter-default', id: 'typed-2' });
    expect(letter._source).toMatchObject({
      message: 'text',
      error: { type: 'logship_rejected', message: expect.stringContaining('document_parsing_exception') },
      logship: { deadletter: { index } },
    });
    expect(store.queued().records).toBe(0);
  });
});

describe('cluster outages and forwarder crashes', () => {
  it('keeps accepting bulks while the cluster is down and delivers each record exactly once after it is back', async () => {
    const cluster = await startCluster();
    const client = new Client({ node: cluster.url });
    const index = 'logs-outage-default';
    const store = await openStore(cluster.url);
    await store.bulk(creates(index, 0, 100), 'wait_for');
    expect((await client.count({ index })).count).toBe(100);

    await cluster.kill();
    for (let from = 100; from < 600; from += 100) {
      const items = await store.bulk(creates(index, from, from + 100));
      expect(items.every((item) => inner(item).status === 201)).toBe(true);
    }
    expect(store.queued().records).toBe(500);
    const unreachable = await store.search(index, {}).then(() => undefined, (error: unknown) => error);
    expect((unreachable as EsError).status).toBe(503);

    await cluster.restart();
    await eventually(() => expect(store.queued().records).toBe(0), { timeoutMs: 30_000 });
    expect((await client.count({ index })).count).toBe(600);
    const ids = await idsIn(client, index);
    expect(new Set(ids).size).toBe(600);
    expect(ids).toHaveLength(600);
    await client.close();
  });

  it('drains the queue a SIGKILLed forwarder left behind, delivering every acknowledged record exactly once', async () => {
    const cluster = await startCluster();
    await cluster.kill();
    const dataDir = await tempDir();
    const child = spawn(NODE, [CRASH_FORWARDER, dataDir, cluster.url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let lastAcked = -1;
    await new Promise<void>((resolve, reject) => {
      let buffer = '';
      let acks = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          const match = /^acked (\d+)$/.exec(line);
          if (match === null) continue;
          lastAcked = Number(match[1]);
          if (++acks === 6) {
            child.kill('SIGKILL');
            resolve();
          }
        }
      });
      child.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`the forwarder exited by itself: ${code}`));
      });
    });
    await new Promise((resolve) => child.on('close', resolve));
    expect(lastAcked).toBeGreaterThanOrEqual(599);

    await cluster.restart();
    const client = new Client({ node: cluster.url });
    const store = await openStore(cluster.url, dataDir);
    const queued = store.queued().records;
    expect(queued).toBeGreaterThanOrEqual(lastAcked + 1);
    await eventually(() => expect(store.queued().records).toBe(0), { timeoutMs: 30_000 });
    const ids = await idsIn(client, 'logs-crash-default');
    expect(ids).toHaveLength(queued);
    expect(new Set(ids).size).toBe(queued);
    expect((await client.count({ index: 'logs-crash-default', query: { range: { n: { lte: lastAcked } } } })).count).toBe(lastAcked + 1);
    await client.close();
  });
});
