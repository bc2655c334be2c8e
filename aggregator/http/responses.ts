/**
 * What every response carries, whatever route or error produced it:
 * - `X-Elastic-Product: Elasticsearch` (also on errors and HEAD: early 8.x clients checked every response);
 * - `Content-Type: application/json; charset=UTF-8` for JSON (both the v8 and v9 clients parse it, whichever
 *   `compatible-with` they asked for);
 * - the request's `X-Opaque-Id` echoed back, as ES does;
 * - `filter_path` and `pretty` applied to successful JSON bodies.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { applyFilterPath, parseFilterPath } from './filter-path.ts';

export const JSON_CONTENT_TYPE = 'application/json; charset=UTF-8';
export const TEXT_CONTENT_TYPE = 'text/plain; charset=UTF-8';

export function registerResponseConventions(app: FastifyInstance): void {
  app.addHook('preSerialization', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    let out = payload;
    if (typeof query.filter_path === 'string' && reply.statusCode < 400 && typeof payload === 'object' && payload !== null) {
      out = applyFilterPath(payload, parseFilterPath(query.filter_path));
    }
    if (query.pretty !== undefined && query.pretty !== 'false') reply.serializer((value: unknown) => `${JSON.stringify(value, null, 2)}\n`);
    return out;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-elastic-product', 'Elasticsearch');
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('application/json')) reply.header('content-type', JSON_CONTENT_TYPE);
    const opaqueId = request.headers['x-opaque-id'];
    if (typeof opaqueId === 'string') reply.header('x-opaque-id', opaqueId);
    return payload;
  });
}

/** A deprecation warning in ES's format; the official clients keep only `/^\d\d\d Elasticsearch-/` entries. */
export function addWarning(reply: FastifyReply, esVersion: string, message: string): void {
  const warning = `299 Elasticsearch-${esVersion}-logship "${message.replace(/["\\]/g, '\\$&')}"`;
  const existing = reply.getHeader('warning');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
  if (!list.includes(warning)) reply.header('warning', [...list, warning]);
}
