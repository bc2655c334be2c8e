/**
 * The operational endpoints every program serves: `/metrics` (Prometheus text), `/healthz` (the process
 * is alive) and `/readyz` (it can do its job now). The aggregator mounts the same routes on its own app;
 * the shippers run this small server on `--metrics-listen`.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Component } from './lifecycle.ts';

export interface Readiness {
  /** Returns undefined when ready, or the reason it is not. */
  (): string | undefined;
}

export function registerOpsRoutes(app: FastifyInstance, registry: Registry, readiness: Readiness): void {
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const reason = readiness();
    if (reason !== undefined) return reply.code(503).send({ status: 'not ready', reason });
    return { status: 'ready' };
  });
}

export function createOpsServer(listen: string, registry: Registry, readiness: Readiness): Component & { address(): string } {
  const app = Fastify({ logger: false });
  registerOpsRoutes(app, registry, readiness);
  let address = '';
  return {
    name: 'ops-server',
    async start() {
      const { host, port } = splitListen(listen);
      address = await app.listen({ host, port });
    },
    async close() {
      await app.close();
    },
    address: () => address,
  };
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
