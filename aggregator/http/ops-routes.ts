/**
 * The operational endpoints (shipper/kit/ops-answers.ts) as routes of a Fastify app: the aggregator's API
 * and the injector's webhook server serve `/metrics`, `/healthz` and `/readyz` next to their own routes.
 */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { OPS_PATHS, opsAnswer, type Readiness } from '../../shipper/kit/ops-answers.ts';

export function registerOpsRoutes(app: FastifyInstance, registry: Registry, readiness: Readiness): void {
  for (const path of OPS_PATHS) {
    app.get(path, async (_request, reply) => {
      const { status, contentType, body } = await opsAnswer(path, registry, readiness);
      return reply.code(status).header('content-type', contentType).send(body);
    });
  }
}
