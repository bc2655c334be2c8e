/**
 * The shippers' bulk transport against real HTTP and HTTPS servers: what it sends (path, headers, the
 * body's parts in order), authentication, TLS verification, one kept-alive connection, and the errors it
 * gives the pipeline (status, reason, Retry-After, timeouts, refused connections).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificate } from '../../helpers/certificates.ts';
import { eventually } from '../../helpers/eventually.ts';
import { BulkRequestError, createBulkTransport, type BulkTransport, type BulkTransportOptions } from '../../../shipper/sink/bulk-transport.ts';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

type Handler = (request: Received, response: ServerResponse) => void;

const servers: Server[] = [];
const transports: BulkTransport[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const transport of transports.splice(0)) transport.close();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A server that hands each whole request to `handler`, and counts the connections it was given. */
async function serve(handler: Handler, tls?: { cert: Buffer; key: Buffer }): Promise<{ url: string; received: Received[]; connections: () => number }> {
  const received: Received[] = [];
  let connections = 0;
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) };
      received.push(entry);
      handler(entry, response);
    });
  };
  const server = tls === undefined ? createServer(listener) : createHttpsServer(tls, listener);
  server.on(tls === undefined ? 'connection' : 'secureConnection', () => connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`, received, connections: () => connections };
}

function transportFor(url: string, extra: Partial<BulkTransportOptions> = {}): BulkTransport {
  const transport = createBulkTransport({ url, requestTimeoutMs: 5_000, maxSockets: 3, userAgent: 'logship/test', ...extra });
  transports.push(transport);
  return transport;
}

const clean: Handler = (_request, response) => {
  response.setHeader('content-type', 'application/json');
  response.end('{"errors":false}');
};

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('the request was expected to fail');
}

describe('the bulk transport', () => {
  it('posts the parts in order as one NDJSON body to <prefix>/_bulk, with its length and our headers', async () => {
    const store = await serve(clean);
    const transport = transportFor(`${store.url}/es/`);
    const parts = [Buffer.from('{"create":{"_id":"a"}}\n'), new Uint8Array(Buffer.from('{"m":"ü☃"}\n')), Buffer.alloc(300_000, 'x'), Buffer.from('\n')];
    const answer = await transport.post(parts, 'filter_path=errors', { 'x-extra': 'yes' });
    expect(answer).toBe('{"errors":false}');
    expect(store.received).toHaveLength(1);
    const [request] = store.received;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('/es/_bulk?filter_path=errors');
    expect(request!.body.equals(Buffer.concat(parts))).toBe(true);
    expect(request!.headers['content-length']).toBe(String(Buffer.concat(parts).length));
    expect(request!.headers['content-type']).toBe('application/x-ndjson');
    expect(request!.headers['user-agent']).toBe('logship/test');
    expect(request!.headers['x-extra']).toBe('yes');
    expect(request!.headers.authorization).toBeUndefined();
  });

  it('keeps one connection open across requests sent one after another', async () => {
    const store = await serve(clean);
    const transport = transportFor(store.url);
    for (let i = 0; i < 5; i++) await transport.post([Buffer.from(`{"create":{}}\n{"i":${i}}\n`)], 'filter_path=errors');
    expect(store.received).toHaveLength(5);
    expect(store.connections()).toBe(1);
  });

  it('opens a new connection when the store closed the idle one between requests', async () => {
    const store = await serve(clean);
    const server = servers.at(-1)!;
    server.keepAliveTimeout = 100;
    const transport = transportFor(store.url);
    await transport.post([Buffer.from('{}\n')], '');
    // The server's keep-alive timeout passes and it closes the connection.
    await eventually(() => new Promise<boolean>((resolve) => server.getConnections((_error, open) => resolve(open === 0))));
    expect(await transport.post([Buffer.from('{}\n')], '')).toBe('{"errors":false}');
    expect(store.connections()).toBe(2);
  });

  it('authenticates with basic auth from the options or the URL, and with an API key before either', async () => {
    const store = await serve(clean);
    await transportFor(store.url, { username: 'shipper', password: 'pa:ss' }).post([Buffer.from('\n')], '');
    await transportFor(store.url.replace('http://', 'http://us%40er:p%3Ass@')).post([Buffer.from('\n')], '');
    await transportFor(store.url, { apiKey: 'aWQ6a2V5', username: 'ignored', password: 'ignored' }).post([Buffer.from('\n')], '');
    const basic = (user: string) => `Basic ${Buffer.from(user).toString('base64')}`;
    expect(store.received.map((r) => r.headers.authorization)).toEqual([basic('shipper:pa:ss'), basic('us@er:p:ss'), 'ApiKey aWQ6a2V5']);
    expect(store.received.map((r) => r.url)).toEqual(['/_bulk', '/_bulk', '/_bulk']);
  });

  it('fails with the status, Elasticsearch\'s reason and Retry-After when the store refuses the request', async () => {
    const answers: Array<[number, Record<string, string>, string]> = [
      [429, { 'retry-after': '7' }, '{"error":{"type":"es_rejected_execution_exception","reason":"rejected execution of bulk"},"status":429}'],
      [401, {}, '{"error":{"root_cause":[],"type":"security_exception","reason":"missing authentication credentials"},"status":401}'],
      [502, { 'retry-after': 'Wed, 25 Nov 2026 03:00:00 GMT' }, '<html><body>Bad Gateway</body></html>'],
      [503, { 'retry-after': '' }, ''],
    ];
    let next = 0;
    const store = await serve((_request, response) => {
      const [status, headers, body] = answers[next++]!;
      response.writeHead(status, headers).end(body);
    });
    const transport = transportFor(store.url);
    const failures: unknown[] = [];
    for (let i = 0; i < answers.length; i++) failures.push(await failureOf(transport.post([Buffer.from('{}\n')], 'filter_path=errors')));
    for (const failure of failures) expect(failure).toBeInstanceOf(BulkRequestError);
    const seen = (failures as BulkRequestError[]).map((f) => [f.statusCode, f.message, f.retryAfterSeconds]);
    expect(seen).toEqual([
      [429, '429 es_rejected_execution_exception: rejected execution of bulk', 7],
      [401, '401 security_exception: missing authentication credentials', undefined],
      [502, '502 <html><body>Bad Gateway</body></html>', undefined],
      [503, '503 Service Unavailable', undefined],
    ]);
  });

  it('reports a 413 the store sends before reading a large body and then closes the connection', async () => {
    const server = createServer((request, response) => {
      response.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
      response.end('{"error":{"type":"content_too_long","reason":"request too large"},"status":413}', () => request.socket.destroy());
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const transport = transportFor(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    for (let i = 0; i < 3; i++) {
      const failure = await failureOf(transport.post([Buffer.alloc(16 * 1024 * 1024, 0x20)], ''));
      expect(failure).toBeInstanceOf(BulkRequestError);
      expect((failure as BulkRequestError).statusCode).toBe(413);
    }
  });

  it('does not take a 2xx answer cut off before its end for an answer', async () => {
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        response.write('{"errors":fal', () => request.socket.destroy());
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const failure = await failureOf(transportFor(`http://127.0.0.1:${(server.address() as AddressInfo).port}`).post([Buffer.from('{}\n')], ''));
    expect(failure).not.toBeInstanceOf(BulkRequestError);
    expect(String(failure)).toMatch(/cut off|aborted|socket hang up/);
  });

  it('gives up on a store that does not answer within the request timeout', async () => {
    const store = await serve(() => { /* never answers */ });
    const transport = transportFor(store.url, { requestTimeoutMs: 200 });
    const failure = await failureOf(transport.post([Buffer.from('{}\n')], ''));
    expect(String(failure)).toContain('did not answer within 200 ms');
    expect(failure).not.toBeInstanceOf(BulkRequestError);
  });

  it('fails with the network\'s error when nothing listens', async () => {
    const store = await serve(clean);
    const { url } = store;
    const server = servers.pop()!;
    await new Promise((resolve) => server.close(resolve));
    const failure = await failureOf(transportFor(url).post([Buffer.from('{}\n')], '')) as NodeJS.ErrnoException;
    expect(failure.code).toBe('ECONNREFUSED');
  });

  it('refuses a URL that is not http or https', () => {
    expect(() => createBulkTransport({ url: 'ftp://127.0.0.1:21', requestTimeoutMs: 1, maxSockets: 1, userAgent: 'x' })).toThrow(/http or https/);
  });
});

const OPENSSL = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();
if (!OPENSSL && process.env.CI === 'true') throw new Error('CI needs openssl for the TLS tests (apt package openssl; .ci/run installs it)');
if (!OPENSSL) console.log('skipping the bulk transport\'s TLS tests: openssl is not installed');

describe.runIf(OPENSSL)('the bulk transport over TLS', () => {
  async function tlsStore(): Promise<{ url: string; caFile: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'logship-transport-tls-'));
    dirs.push(dir);
    const { cert, key } = makeCertificate(dir, 'store', 'store');
    const store = await serve(clean, { cert: readFileSync(cert), key: readFileSync(key) });
    return { url: store.url, caFile: cert };
  }

  it('trusts a store whose certificate the CA file signed', async () => {
    const { url, caFile } = await tlsStore();
    expect(await transportFor(url, { caFile }).post([Buffer.from('{}\n')], '')).toBe('{"errors":false}');
  });

  it('refuses a store it cannot verify, unless told to skip verification', async () => {
    const { url } = await tlsStore();
    const failure = await failureOf(transportFor(url).post([Buffer.from('{}\n')], '')) as NodeJS.ErrnoException;
    expect(failure.code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
    expect(await transportFor(url, { insecureSkipVerify: true }).post([Buffer.from('{}\n')], '')).toBe('{"errors":false}');
  });
});
