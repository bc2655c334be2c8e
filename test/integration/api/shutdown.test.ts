/**
 * SIGTERM drains: a bulk already in progress when the signal arrives is still applied and answered, the
 * process exits 0, and the answered documents are there after a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { startAggregator, type AggregatorProcess } from '../../helpers/aggregator-process.ts';
import { eventually } from '../../helpers/eventually.ts';

let aggregator: AggregatorProcess;

beforeAll(async () => {
  aggregator = await startAggregator({ args: ['--log-level', 'info'] });
});
afterAll(async () => {
  await aggregator?.cleanup();
});

describe('shutdown', () => {
  it('answers the bulk in progress at SIGTERM, exits 0, and keeps what it answered', async () => {
    const body = `${[1, 2, 3].map((n) => `{"create":{"_index":"drained","_id":"d-${n}"}}\n{"@timestamp":"2026-11-24T00:00:0${n}Z","n":${n}}`).join('\n')}\n`;
    const held = httpRequest(`${aggregator.url}/_bulk`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', 'content-length': String(Buffer.byteLength(body)) } });
    const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
      held.on('response', (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      });
      held.on('error', reject);
    });
    held.write(body.slice(0, 20));
    await eventually(async () => {
      const metrics = await (await fetch(`${aggregator.url}/metrics`)).text();
      expect(metrics).toMatch(/^logship_aggregator_bulk_requests_in_flight\{[^}]*\} 1$/m);
    });

    const exited = aggregator.stop();
    await eventually(() => expect(aggregator.output()).toContain('shutting down'));
    held.end(body.slice(20));
    const response = await answered;
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text).errors).toBe(false);
    expect(await exited).toBe(0);

    await aggregator.restart();
    const count = (await (await fetch(`${aggregator.url}/drained/_count`)).json()) as { count: number };
    expect(count.count).toBe(3);
  });
});
