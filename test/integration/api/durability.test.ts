/**
 * A bulk the API acknowledged survives a crash: SIGKILL the aggregator right after the 200, start it
 * again on the same data directory, and every acknowledged document is there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAggregator, type AggregatorProcess } from '../../helpers/aggregator-process.ts';

let aggregator: AggregatorProcess;

beforeAll(async () => {
  aggregator = await startAggregator();
});
afterAll(async () => {
  await aggregator?.cleanup();
});

async function bulk(from: number, to: number): Promise<{ status: number; errors: boolean }> {
  const lines: string[] = [];
  for (let n = from; n < to; n++) {
    lines.push(JSON.stringify({ create: { _index: 'durable-logs', _id: `doc-${n}` } }));
    lines.push(JSON.stringify({ '@timestamp': new Date(Date.UTC(2026, 10, 24, 0, 0, n)).toISOString(), message: `line ${n}` }));
  }
  const response = await fetch(`${aggregator.url}/_bulk`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: `${lines.join('\n')}\n` });
  const body = (await response.json()) as { errors: boolean };
  return { status: response.status, errors: body.errors };
}

describe('crash durability through HTTP', () => {
  it('keeps every acknowledged bulk across SIGKILL and restart', async () => {
    let acknowledged = 0;
    for (let batch = 0; batch < 10; batch++) {
      const result = await bulk(batch * 100, (batch + 1) * 100);
      expect(result).toEqual({ status: 200, errors: false });
      acknowledged += 100;
    }
    expect(await aggregator.kill('SIGKILL')).not.toBe(0);
    await aggregator.restart();
    const count = await fetch(`${aggregator.url}/durable-logs/_count`).then((r) => r.json()) as { count: number };
    expect(count.count).toBe(acknowledged);
    const again = await fetch(`${aggregator.url}/_bulk`, {
      method: 'POST', headers: { 'content-type': 'application/x-ndjson' },
      body: `${JSON.stringify({ create: { _index: 'durable-logs', _id: 'doc-999' } })}\n{"m":1}\n`,
    }).then((r) => r.json()) as { items: Array<{ create: { status: number } }> };
    expect(again.items[0]?.create.status).toBe(409);
  });
});
