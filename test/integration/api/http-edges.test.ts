/**
 * The HTTP edges against a real listening aggregator process on the real store: compressed and
 * ragged NDJSON bodies, malformed input, body limit, overload, filter_path, v8 compatibility headers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { startAggregator, type AggregatorProcess } from '../../helpers/aggregator-process.ts';
import { eventually } from '../../helpers/eventually.ts';

let aggregator: AggregatorProcess;

beforeAll(async () => {
  aggregator = await startAggregator({ args: ['--max-body-bytes', '64KiB', '--max-concurrent-bulks', '1'] });
});
afterAll(async () => {
  await aggregator?.cleanup();
});

async function post(path: string, body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/x-ndjson' }): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(`${aggregator.url}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

async function count(index: string): Promise<number> {
  const response = await fetch(`${aggregator.url}/${index}/_count`);
  return ((await response.json()) as { count: number }).count;
}

describe('HTTP edges on a real aggregator', () => {
  it('accepts a gzip-compressed bulk body', async () => {
    const body = gzipSync('{"create":{"_index":"edges-gzip","_id":"1"}}\n{"message":"zipped","@timestamp":"2026-11-24T00:00:00Z"}\n');
    const response = await post('/_bulk?refresh=true', body, { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body).errors).toBe(false);
    expect(await count('edges-gzip')).toBe(1);
  });

  it('accepts NDJSON with and without the final newline', async () => {
    expect((await post('/_bulk?refresh=true', '{"create":{"_index":"edges-nl","_id":"1"}}\n{"m":1}\n')).status).toBe(200);
    expect((await post('/_bulk?refresh=true', '{"create":{"_index":"edges-nl","_id":"2"}}\n{"m":2}')).status).toBe(200);
    expect(await count('edges-nl')).toBe(2);
  });

  it('answers a malformed line with 400 naming it, and keeps serving', async () => {
    const response = await post('/_bulk', '{"create":{"_index":"edges-bad","_id":"1"}}\n{"m":1}\n{"create":\n{"m":2}\n');
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error.reason).toContain('line [3]');
    expect(response.headers.get('x-elastic-product')).toBe('Elasticsearch');
    const after = await fetch(aggregator.url);
    expect(after.status).toBe(200);
  });

  it('answers 413 for a body over --max-body-bytes', async () => {
    const big = `{"index":{"_index":"edges-big"}}\n{"message":"${'x'.repeat(70 * 1024)}"}\n`;
    const response = await post('/_bulk', big);
    expect(response.status).toBe(413);
    expect((await fetch(aggregator.url)).status).toBe(200);
  });

  it('answers a whole-request 429 with Retry-After while the only bulk slot is taken, and applies nothing', async () => {
    // A bulk whose body is still arriving holds the slot (the limit also bounds buffered bodies).
    const first = '{"create":{"_index":"edges-busy","_id":"1"}}\n{"m":1}\n';
    const held = httpRequest(`${aggregator.url}/_bulk?refresh=true`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', 'content-length': String(Buffer.byteLength(first)) } });
    const heldResponse = new Promise<number>((resolve, reject) => {
      held.on('response', (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      });
      held.on('error', reject);
    });
    held.write(first.slice(0, 10));
    await eventually(async () => {
      const metrics = await (await fetch(`${aggregator.url}/metrics`)).text();
      expect(metrics).toMatch(/^logship_aggregator_bulk_requests_in_flight\{[^}]*\} 1$/m);
    });
    const rejected = await post('/_bulk?refresh=true', '{"create":{"_index":"edges-busy","_id":"2"}}\n{"m":2}\n');
    expect(rejected.status).toBe(429);
    expect(rejected.headers.get('retry-after')).toBe('1');
    expect(JSON.parse(rejected.body).error.type).toBe('es_rejected_execution_exception');
    held.end(first.slice(10));
    expect(await heldResponse).toBe(200);
    const ids = await fetch(`${aggregator.url}/edges-busy/_search?filter_path=hits.hits._id`).then((r) => r.json()) as { hits: { hits: Array<{ _id: string }> } };
    expect(ids.hits.hits.map((hit) => hit._id)).toEqual(['1']);
  });

  it("applies Filebeat's filter_path to a bulk response", async () => {
    const body = '{"create":{"_index":"edges-fp","_id":"1"}}\n{"m":1}\n{"create":{"_index":"edges-fp","_id":"1"}}\n{"m":1}\n';
    const response = await post('/_bulk?filter_path=errors,items.*.error,items.*.status', body);
    const parsed = JSON.parse(response.body);
    expect(Object.keys(parsed)).toEqual(['errors', 'items']);
    expect(parsed.items[0]).toEqual({ create: { status: 201 } });
    expect(parsed.items[1].create.status).toBe(409);
  });

  it('accepts the v8 client compatibility headers', async () => {
    const response = await post('/_bulk?refresh=true', '{"create":{"_index":"edges-v8","_id":"1"}}\n{"m":1}\n', {
      'content-type': 'application/vnd.elasticsearch+x-ndjson; compatible-with=8',
      accept: 'application/vnd.elasticsearch+json; compatible-with=8,text/plain',
    });
    expect(response.status).toBe(200);
    const search = await post('/edges-v8/_search', '{"query":{"match_all":{}}}', {
      'content-type': 'application/vnd.elasticsearch+json; compatible-with=8',
      accept: 'application/vnd.elasticsearch+json; compatible-with=8',
    });
    expect(search.status).toBe(200);
    expect(search.headers.get('x-elastic-product')).toBe('Elasticsearch');
    expect(JSON.parse(search.body).hits.hits).toHaveLength(1);
  });
});

describe('logging', () => {
  it('writes no line per request at the info level', async () => {
    const chatty = await startAggregator({ args: ['--log-level', 'info'] });
    try {
      // The startup lines end with 'aggregator listening' (the search page starts after /readyz answers).
      await eventually(() => expect(chatty.output()).toContain('aggregator listening'));
      const before = chatty.output().split('\n').filter((line) => line.trim() !== '').length;
      for (let i = 0; i < 20; i++) {
        await fetch(`${chatty.url}/_bulk`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: `{"index":{"_index":"quiet"}}\n{"n":${i}}\n` });
        await fetch(`${chatty.url}/quiet/_search`);
        await fetch(`${chatty.url}/nope/_search`);
      }
      const lines = chatty.output().split('\n').filter((line) => line.trim() !== '');
      expect(lines.length).toBe(before);
    } finally {
      await chatty.cleanup();
    }
  });
});
