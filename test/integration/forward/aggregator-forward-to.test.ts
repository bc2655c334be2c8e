/**
 * `logship aggregator --forward-to` as real processes: aggregator A forwards to aggregator B (embedded
 * store, standing in for the cluster). Outages of B, a SIGKILL and a SIGTERM of A: every acknowledged
 * record arrives exactly once.
 */
import { Client } from '@elastic/elasticsearch';
import { afterEach, describe, expect, it } from 'vitest';
import { startAggregator, type AggregatorProcess } from '../../helpers/aggregator-process.ts';
import { eventually } from '../../helpers/eventually.ts';

const INDEX = 'logs-app-default';
const processes: AggregatorProcess[] = [];
const clients: Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  for (const aggregator of processes.splice(0).reverse()) await aggregator.cleanup();
});

async function start(args: readonly string[] = []): Promise<{ aggregator: AggregatorProcess; client: Client }> {
  const aggregator = await startAggregator({ args });
  processes.push(aggregator);
  const client = new Client({ node: aggregator.url, maxRetries: 0 });
  clients.push(client);
  return { aggregator, client };
}

function operations(from: number, to: number): object[] {
  return Array.from({ length: to - from }, (_, k) => [
    { create: { _index: INDEX, _id: `doc-${from + k}` } },
    { '@timestamp': new Date(Date.UTC(2026, 10, 24) + (from + k) * 1000).toISOString(), message: `line ${from + k}`, n: from + k },
  ]).flat();
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  if (match === null) throw new Error(`${name} is not exposed`);
  return Number(match[1]);
}

async function idsIn(client: Client): Promise<string[]> {
  const response = await client.search({ index: INDEX, size: 10_000, _source: false });
  return response.hits.hits.map((hit) => String(hit._id));
}

describe('aggregator --forward-to, as real processes', () => {
  it('delivers every acknowledged record exactly once through a cluster outage and a SIGKILL of the forwarder', async () => {
    const { aggregator: cluster, client: clusterClient } = await start();
    const { aggregator: forwarder, client } = await start(['--forward-to', cluster.url]);

    const first = await client.bulk({ operations: operations(0, 100), refresh: 'wait_for' });
    expect(first.errors).toBe(false);
    const seen = await client.search({ index: INDEX, size: 0, track_total_hits: true });
    expect(seen.hits.total).toEqual({ value: 100, relation: 'eq' });

    await cluster.kill();
    for (let from = 100; from < 500; from += 100) {
      const response = await client.bulk({ operations: operations(from, from + 100) });
      expect(response.items.every((item) => item.create?.status === 201)).toBe(true);
    }
    expect(await metric(forwarder.url, 'logship_forward_queue_records')).toBe(400);
    expect(await metric(forwarder.url, 'logship_forward_queue_bytes')).toBeGreaterThan(400 * 50);

    await forwarder.kill();
    await cluster.restart();
    await forwarder.restart();
    await eventually(async () => expect(await metric(forwarder.url, 'logship_forward_queue_records')).toBe(0), { timeoutMs: 40_000, intervalMs: 200 });
    const ids = await idsIn(clusterClient);
    expect(ids).toHaveLength(500);
    expect(new Set(ids).size).toBe(500);
    expect((await client.count({ index: INDEX })).count).toBe(500);
  });

  it('stops promptly on SIGTERM with writes still queued, and forwards them after the restart', async () => {
    const { aggregator: cluster, client: clusterClient } = await start();
    await cluster.kill();
    const { aggregator: forwarder, client } = await start(['--forward-to', cluster.url]);
    const response = await client.bulk({ operations: operations(0, 50) });
    expect(response.errors).toBe(false);

    const started = Date.now();
    expect(await forwarder.stop()).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);

    await cluster.restart();
    await forwarder.restart();
    await eventually(async () => expect((await clusterClient.count({ index: INDEX })).count).toBe(50), { timeoutMs: 40_000, intervalMs: 200 });
    expect(new Set(await idsIn(clusterClient)).size).toBe(50);
  });

  it('answers a duplicate create of a still-queued id with 409 over HTTP', async () => {
    const { aggregator: cluster } = await start();
    await cluster.kill();
    const { client } = await start(['--forward-to', cluster.url]);
    await client.bulk({ operations: operations(0, 2) });
    const again = await client.bulk({ operations: operations(1, 3) });
    expect(again.items.map((item) => item.create?.status)).toEqual([409, 201]);
  });
});
