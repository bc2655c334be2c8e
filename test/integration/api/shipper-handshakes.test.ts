/**
 * The requests other shippers make before and while sending (es-compat.md §2.1), replayed over real HTTP
 * against a real aggregator: Filebeat 8's setup and bulk, Fluent Bit's bulk with the legacy `_type`,
 * Kibana's boot-time version probe.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { startAggregator, type AggregatorProcess } from '../../helpers/aggregator-process.ts';

let aggregator: AggregatorProcess;

beforeAll(async () => {
  aggregator = await startAggregator();
});
afterAll(async () => {
  await aggregator?.cleanup();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string; json: () => Record<string, unknown>; headers: Headers }> {
  const init: RequestInit = { method, headers: { 'content-type': 'application/json', ...headers } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : body instanceof Uint8Array ? new Uint8Array(body) : JSON.stringify(body);
  const response = await fetch(`${aggregator.url}${path}`, init);
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) as Record<string, unknown>, headers: response.headers };
}

describe('shipper handshakes', () => {
  it("Filebeat 8: version probe, license, ILM policy and template setup, then gzip bulk creates into a data stream", async () => {
    const info = await call('GET', '/');
    expect((info.json().version as { number: string }).number).toMatch(/^8\./);
    expect(((await call('GET', '/_license?human=false')).json().license as { status: string }).status).toBe('active');

    expect((await call('GET', '/_ilm/policy/filebeat')).status).toBe(404);
    expect((await call('PUT', '/_ilm/policy/filebeat', { policy: { phases: { hot: { actions: { rollover: { max_age: '30d' } } } } } })).status).toBe(200);
    expect((await call('GET', '/_ilm/policy/filebeat')).status).toBe(200);

    expect((await call('HEAD', '/_index_template/filebeat-8.19.0')).status).toBe(404);
    const template = await call('PUT', '/_index_template/filebeat-8.19.0', {
      index_patterns: ['filebeat-8.19.0'], data_stream: {}, priority: 150,
      template: { settings: { index: { lifecycle: { name: 'filebeat' } } }, mappings: { properties: { '@timestamp': { type: 'date' }, message: { type: 'match_only_text' } } } },
    });
    expect(template.status).toBe(200);
    expect((await call('HEAD', '/_index_template/filebeat-8.19.0')).status).toBe(200);

    const lines = [0, 1, 2].flatMap((n) => [JSON.stringify({ create: { _index: 'filebeat-8.19.0', _id: `fb-${n}` } }), JSON.stringify({ '@timestamp': '2026-11-24T10:00:00.000Z', message: `fb line ${n}` })]);
    const bulk = await call('POST', '/_bulk?filter_path=errors,items.*.error,items.*.status', gzipSync(`${lines.join('\n')}\n`), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(bulk.status).toBe(200);
    expect(bulk.json()).toEqual({ errors: false, items: [{ create: { status: 201 } }, { create: { status: 201 } }, { create: { status: 201 } }] });
    const streams = (await call('GET', '/_data_stream/filebeat-8.19.0')).json().data_streams as Array<{ name: string }>;
    expect(streams.map((stream) => stream.name)).toEqual(['filebeat-8.19.0']);
  });

  it('Fluent Bit: NDJSON bulk with _type _doc answers the exact substring it matches on', async () => {
    const body = `${JSON.stringify({ create: { _index: 'logstash-2026.11.24', _type: '_doc' } })}\n${JSON.stringify({ '@timestamp': '2026-11-24T10:00:00.000Z', log: 'fluent' })}\n`;
    const bulk = await call('POST', '/_bulk', body, { 'content-type': 'application/x-ndjson' });
    expect(bulk.status).toBe(200);
    expect(bulk.text).toContain('"errors":false,"items":[');
    expect(bulk.headers.get('warning')).toMatch(/^299 Elasticsearch-/);
  });

  it('rsyslog: HEAD /_cat/health is 200', async () => {
    expect((await call('HEAD', '/_cat/health')).status).toBe(200);
  });

  it("Kibana's version probe reads the node version and publish address", async () => {
    const nodes = (await call('GET', '/_nodes?filter_path=nodes.*.version,nodes.*.http.publish_address,nodes.*.ip')).json().nodes as Record<string, { version: string; http: { publish_address: string } }>;
    const [node] = Object.values(nodes);
    expect(node?.version).toBe('8.19.0');
    expect(node?.http.publish_address).toBe(`127.0.0.1:${aggregator.port}`);
  });
});
