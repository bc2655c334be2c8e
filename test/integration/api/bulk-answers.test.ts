/**
 * `_bulk` answers are written into buffers the route reuses once a response has finished
 * (http/bulk-response.ts). Against a real aggregator process, many bulks in flight on several connections,
 * small and large, must each get exactly their own answer: every item naming its own `_id`, in order, and
 * the answer's bytes matching its Content-Length. (Giving a buffer back before its response finished is
 * not caught here: on loopback the kernel takes a whole answer of the sizes kept for reuse at once.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAggregator, type AggregatorProcess } from '../../helpers/aggregator-process.ts';

let aggregator: AggregatorProcess;

beforeAll(async () => {
  aggregator = await startAggregator({ args: ['--max-concurrent-bulks', '8'] });
});
afterAll(async () => {
  await aggregator?.cleanup();
});

function bulkBody(tag: string, count: number): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    lines.push(JSON.stringify({ create: { _index: 'logs-answers-default', _id: `${tag}-${i}-${'é'.repeat(i % 5)}` } }));
    lines.push(JSON.stringify({ '@timestamp': '2026-11-24T10:00:00Z', message: `line ${i} of ${tag}` }));
  }
  return `${lines.join('\n')}\n`;
}

describe('_bulk answers from reused buffers', () => {
  it('gives every bulk of many in flight exactly its own answer', async () => {
    const sizes = [1, 3000, 7, 2500, 50, 4000, 2, 1200, 300, 3500, 10, 2000];
    const sender = async (worker: number): Promise<void> => {
      for (let round = 0; round < 3; round++) {
        const count = sizes[(worker * 3 + round) % sizes.length]!;
        const tag = `w${worker}r${round}`;
        const response = await fetch(`${aggregator.url}/_bulk`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: bulkBody(tag, count) });
        const bytes = Buffer.from(await response.arrayBuffer());
        expect(response.status).toBe(200);
        expect(bytes.length).toBe(Number(response.headers.get('content-length')));
        const answer = JSON.parse(bytes.toString('utf8')) as { errors: boolean; items: Array<{ create: { _id: string; status: number } }> };
        expect(answer.errors).toBe(false);
        expect(answer.items.map((item) => item.create._id)).toEqual(Array.from({ length: count }, (_, i) => `${tag}-${i}-${'é'.repeat(i % 5)}`));
        expect(answer.items.every((item) => item.create.status === 201)).toBe(true);
      }
    };
    await Promise.all(Array.from({ length: 6 }, (_, worker) => sender(worker)));
  }, 120_000);
});
