/**
 * `--forward-to` wiring: an aggregator forwarding to another aggregator (standing in for a cluster) takes
 * bulks through its durable queue and answers reads from the cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAggregator, type AggregatorProcess } from '../../helpers/aggregator-process.ts';
import { eventually } from '../../helpers/eventually.ts';

let cluster: AggregatorProcess;
let forwarder: AggregatorProcess;

beforeAll(async () => {
  cluster = await startAggregator();
  forwarder = await startAggregator({ args: ['--forward-to', cluster.url] });
});
afterAll(async () => {
  await forwarder?.cleanup();
  await cluster?.cleanup();
});

describe('aggregator --forward-to', () => {
  it('delivers acknowledged bulks to the cluster and reads through it', async () => {
    const body = [1, 2, 3].map((n) => `{"create":{"_index":"forwarded","_id":"f-${n}"}}\n{"@timestamp":"2026-11-24T00:00:0${n}Z","message":"m${n}"}\n`).join('');
    const response = await fetch(`${forwarder.url}/_bulk`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { errors: boolean }).errors).toBe(false);
    await eventually(async () => {
      await fetch(`${cluster.url}/forwarded/_refresh`, { method: 'POST' });
      const count = (await (await fetch(`${cluster.url}/forwarded/_count`)).json()) as { count: number };
      expect(count.count).toBe(3);
    });
    const viaForwarder = (await (await fetch(`${forwarder.url}/forwarded/_count`)).json()) as { count: number };
    expect(viaForwarder.count).toBe(3);
  });
});
