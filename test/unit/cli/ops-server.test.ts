// The shippers' operational endpoints on node:http: what Kubernetes probes and Prometheus scrape.
import { afterEach, describe, expect, it } from 'vitest';
import { Counter, Registry } from 'prom-client';
import { createOpsServer } from '../../../shipper/kit/ops-server.ts';

describe('the shippers\' ops server', () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });

  async function start(readiness: () => string | undefined): Promise<string> {
    const registry = new Registry();
    new Counter({ name: 'logship_test_lines_total', help: 'Lines seen by the test.', registers: [registry] }).inc(3);
    const server = createOpsServer('127.0.0.1:0', registry, readiness);
    await server.start?.();
    servers.push(server);
    return server.address();
  }

  it('serves Prometheus text, liveness and readiness, and says why it is not ready', async () => {
    let notReady: string | undefined = 'checkpoint directory not writable';
    const base = await start(() => notReady);
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await metrics.text()).toContain('logship_test_lines_total 3');
    const health = await fetch(`${base}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const waiting = await fetch(`${base}/readyz`);
    expect([waiting.status, await waiting.json()]).toEqual([503, { status: 'not ready', reason: 'checkpoint directory not writable' }]);
    notReady = undefined;
    const ready = await fetch(`${base}/readyz?verbose`);
    expect([ready.status, ready.headers.get('content-type'), await ready.json()]).toEqual([200, 'application/json; charset=utf-8', { status: 'ready' }]);
  });

  it('answers HEAD without a body, and 404 for other paths and methods', async () => {
    const base = await start(() => undefined);
    const head = await fetch(`${base}/healthz`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST', body: 'x' })).status).toBe(404);
  });
});
