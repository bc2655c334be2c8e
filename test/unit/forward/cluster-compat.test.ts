/**
 * The forwarder must work with whatever cluster it is pointed at. Two traps of the v9 client
 * (reference/es-compat.md §1.1, §1.2): Elasticsearch 8 refuses `compatible-with=9` media types
 * (`media_type_header_exception`), and OpenSearch never sends `X-Elastic-Product`, on which the client's
 * product check throws. A strict proxy in front of the recording endpoint plays both.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openForwardingStore } from '../../../aggregator/forward/index.ts';
import { EsError } from '../../../aggregator/store/types.ts';
import { eventually } from '../../helpers/eventually.ts';
import { startRecordingBulkEndpoint } from '../../helpers/recording-bulk-endpoint.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Forwards to `target`, refusing versioned media types like ES 8 does with v9's, and dropping X-Elastic-Product like OpenSearch. */
async function strictProxy(target: string): Promise<{ url: string; refused: string[] }> {
  const refused: string[] = [];
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const mediaTypes = `${req.headers['content-type'] ?? ''} ${req.headers.accept ?? ''}`;
    if (/compatible-with=9/.test(mediaTypes)) {
      refused.push(`${req.method} ${req.url}`);
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'media_type_header_exception', reason: 'Accept version must be either version 8 or 7, but found 9' }, status: 400 }));
      return;
    }
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const headers = { ...answer.headers };
      delete headers['x-elastic-product'];
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, refused };
}

describe('the forwarder against Elasticsearch 8 and OpenSearch', () => {
  it('delivers bulks and proxies reads without versioned media types and without needing X-Elastic-Product', async () => {
    const cluster = await startRecordingBulkEndpoint();
    cleanups.push(() => cluster.close());
    const proxy = await strictProxy(cluster.url);
    const dir = await mkdtemp(join(tmpdir(), 'logship-forward-compat-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const store = await openForwardingStore({ url: proxy.url, dataDir: dir, logger: pino({ level: 'silent' }), backoffBaseMs: 5, backoffCapMs: 50 });
    cleanups.push(() => store.close());

    await store.bulk([{ op: 'create', index: 'logs-app-default', id: 'a', doc: { message: 'hello' } }]);
    await eventually(() => expect(cluster.count('logs-app-default')).toBe(1));
    expect(await store.getIndexTemplates('anything')).toEqual({});
    expect(proxy.refused).toEqual([]);
  });

  it('maps a cluster error without an Elasticsearch envelope to an EsError with its status', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end('Unauthorized');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const dir = await mkdtemp(join(tmpdir(), 'logship-forward-compat-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const store = await openForwardingStore({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, dataDir: dir, logger: pino({ level: 'silent' }), backoffBaseMs: 5, backoffCapMs: 50 });
    cleanups.push(() => store.close());
    const error = await store.search('x', {}).then(() => undefined, (thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(EsError);
    expect((error as EsError).status).toBe(401);
    expect((error as EsError).message).toContain('Unauthorized');
  });
});
