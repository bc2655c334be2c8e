/**
 * What the operational endpoints answer, independent of the HTTP server that serves them: `/metrics`
 * (Prometheus text), `/healthz` (the process is alive) and `/readyz` (it can do its job now). The shippers
 * serve them with node:http (ops-server.ts), the aggregator and the injector on their Fastify apps
 * (aggregator/http/ops-routes.ts).
 */
import type { Registry } from 'prom-client';

export interface Readiness {
  /** Returns undefined when ready, or the reason it is not. */
  (): string | undefined;
}

export interface OpsAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export const OPS_PATHS = ['/metrics', '/healthz', '/readyz'] as const;
export type OpsPath = (typeof OPS_PATHS)[number];

export const JSON_TYPE = 'application/json; charset=utf-8';

export async function opsAnswer(path: OpsPath, registry: Registry, readiness: Readiness): Promise<OpsAnswer> {
  switch (path) {
    case '/metrics':
      return { status: 200, contentType: registry.contentType, body: await registry.metrics() };
    case '/healthz':
      return { status: 200, contentType: JSON_TYPE, body: JSON.stringify({ status: 'ok' }) };
    case '/readyz': {
      const reason = readiness();
      return reason === undefined
        ? { status: 200, contentType: JSON_TYPE, body: JSON.stringify({ status: 'ready' }) }
        : { status: 503, contentType: JSON_TYPE, body: JSON.stringify({ status: 'not ready', reason }) };
    }
  }
}

export function isOpsPath(path: string): path is OpsPath {
  return (OPS_PATHS as readonly string[]).includes(path);
}
