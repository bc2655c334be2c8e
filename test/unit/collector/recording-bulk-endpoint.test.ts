import { afterEach, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { startRecordingBulkEndpoint, type RecordingBulkEndpoint } from '../../helpers/recording-bulk-endpoint.ts';

const body = (ids: string[], index = 'logs-x-default'): string =>
  ids.map((id) => `{"create":{"_index":"${index}","_id":"${id}"}}\n{"message":"m-${id}"}\n`).join('');

async function bulk(es: RecordingBulkEndpoint, payload: string | Buffer, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${es.url}/_bulk`, { method: 'POST', body: typeof payload === 'string' ? payload : new Uint8Array(payload), headers: { 'content-type': 'application/x-ndjson', ...headers } });
}

describe('recording _bulk endpoint (test helper)', () => {
  let es: RecordingBulkEndpoint | undefined;
  afterEach(async () => {
    await es?.close();
    es = undefined;
  });

  it('stores create items by _id and answers a second create of the same _id with 409', async () => {
    es = await startRecordingBulkEndpoint();
    const first = (await (await bulk(es, body(['a', 'b']))).json()) as { errors: boolean; items: Array<{ create: { status: number } }> };
    expect(first.errors).toBe(false);
    expect(first.items.map((i) => i.create.status)).toEqual([201, 201]);
    const second = (await (await bulk(es, body(['b', 'c']))).json()) as { errors: boolean; items: Array<{ create: { status: number } }> };
    expect(second.errors).toBe(true);
    expect(second.items.map((i) => i.create.status)).toEqual([409, 201]);
    expect(es.count()).toBe(3);
    expect(es.count('logs-x-default')).toBe(3);
    expect(es.conflicts).toBe(1);
    expect(es.docs.get('c')?.source).toEqual({ message: 'm-c' });
  });

  it('accepts gzip bodies and answers the product header on control-plane calls', async () => {
    es = await startRecordingBulkEndpoint();
    const response = await bulk(es, gzipSync(body(['z'])), { 'content-encoding': 'gzip' });
    expect(response.status).toBe(200);
    expect(es.count()).toBe(1);
    expect(es.requests[0]?.gzip).toBe(true);
    const root = await fetch(`${es.url}/`);
    expect(root.headers.get('x-elastic-product')).toBe('Elasticsearch');
    expect(((await root.json()) as { version: { number: string } }).version.number).toMatch(/^8\./);
  });

  it('fails whole requests on demand without applying any item, then recovers', async () => {
    es = await startRecordingBulkEndpoint();
    es.fail({ kind: 'status', status: 429, retryAfterSeconds: 2 }, 1);
    const refused = await bulk(es, body(['a']));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(es.count()).toBe(0);
    expect((await bulk(es, body(['a']))).status).toBe(200);
    expect(es.count()).toBe(1);

    es.fail({ kind: 'reset' });
    await expect(bulk(es, body(['b']))).rejects.toThrow();
    expect(es.count()).toBe(1);
    es.recover();
    expect((await bulk(es, body(['b']))).status).toBe(200);
    expect(es.count()).toBe(2);
  });

  it('can apply a request and then drop the connection, so a retry meets 409s', async () => {
    es = await startRecordingBulkEndpoint();
    es.fail({ kind: 'reset-after-apply' }, 1);
    await expect(bulk(es, body(['a']))).rejects.toThrow();
    expect(es.count()).toBe(1);
    const retry = (await (await bulk(es, body(['a']))).json()) as { items: Array<{ create: { status: number } }> };
    expect(retry.items[0]?.create.status).toBe(409);
  });

  it('rejects chosen items with the error the hook returns', async () => {
    es = await startRecordingBulkEndpoint();
    es.setItemHook((doc) => (doc.id === 'bad' ? { status: 400, type: 'document_parsing_exception', reason: 'failed to parse' } : undefined));
    const answer = (await (await bulk(es, body(['ok', 'bad']))).json()) as { items: Array<{ create: { status: number; error?: { type: string } } }> };
    expect(answer.items.map((i) => i.create.status)).toEqual([201, 400]);
    expect(answer.items[1]?.create.error?.type).toBe('document_parsing_exception');
    expect(es.count()).toBe(1);
    expect(es.itemErrors).toBe(1);
  });
});
