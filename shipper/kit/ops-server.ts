/**
 * The shippers' operational endpoints (ops-answers.ts) on `--metrics-listen`, served by node:http.
 *
 * Why not Fastify, which the aggregator uses: a sidecar runs in every pod, and three GET routes do not
 * need a framework; loading Fastify into the shipper costs about 6 MiB of memory per process.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Component } from './lifecycle.ts';
import { isOpsPath, JSON_TYPE, opsAnswer, type Readiness } from './ops-answers.ts';

export type { Readiness } from './ops-answers.ts';

export function createOpsServer(listen: string, registry: Registry, readiness: Readiness): Component & { address(): string } {
  const server = createServer((request, response) => {
    void answer(request, response, registry, readiness);
  });
  // Scrapes and probes are short; an idle keep-alive connection needs no longer than this.
  server.keepAliveTimeout = 5000;
  let address = '';
  return {
    name: 'ops-server',
    async start() {
      const { host, port } = splitListen(listen);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const bound = server.address() as AddressInfo;
      address = `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    address: () => address,
  };
}

async function answer(request: IncomingMessage, response: ServerResponse, registry: Registry, readiness: Readiness): Promise<void> {
  const path = (request.url ?? '/').split('?', 1)[0]!;
  const method = request.method ?? 'GET';
  try {
    if ((method !== 'GET' && method !== 'HEAD') || !isOpsPath(path)) {
      send(response, method, 404, JSON_TYPE, JSON.stringify({ error: 'Not Found', message: `Route ${method}:${path} not found`, statusCode: 404 }));
      return;
    }
    const { status, contentType, body } = await opsAnswer(path, registry, readiness);
    send(response, method, status, contentType, body);
  } catch (error) {
    send(response, method, 500, JSON_TYPE, JSON.stringify({ error: 'Internal Server Error', message: error instanceof Error ? error.message : String(error), statusCode: 500 }));
  }
}

function send(response: ServerResponse, method: string, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  response.end(method === 'HEAD' ? undefined : body);
}

/** `127.0.0.1:9200` → host and port; `[::1]:9200` for IPv6. */
export function splitListen(listen: string): { host: string; port: number } {
  const index = listen.lastIndexOf(':');
  const host = listen.slice(0, index).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(listen.slice(index + 1)) };
}

/** Loopback addresses are safe to listen on without authentication. */
export function isLoopback(listen: string): boolean {
  const { host } = splitListen(listen);
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
