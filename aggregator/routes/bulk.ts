/**
 * `_bulk`: NDJSON in, `{"took":N,"errors":bool,"items":[...]}` out — in that key order and compact,
 * because Fluent Bit substring-matches `"errors":false,"items":[` when its response buffer is too small.
 * Concurrency is bounded by the bulk gate (whole-request 429 before anything is applied).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RouteTable } from '../http/route-table.ts';
import { action } from '../auth/privileges.ts';
import { parseBulkBody } from '../http/bulk-body.ts';
import { bodyBytes } from '../http/request-body.ts';
import { queryParams, refreshParam } from '../http/query-params.ts';
import { addWarning, JSON_CONTENT_TYPE } from '../http/responses.ts';
import { BulkResponseWriter } from '../http/bulk-response.ts';
import { storeContractBroken, validationFailed } from '../http/errors.ts';
import { itemBody, type BulkItemResponse, type BulkOp } from '../store/types.ts';
import type { ApiContext } from './context.ts';

export const TYPES_DEPRECATION = '[types removal] Specifying types in bulk requests is deprecated.';

export function registerBulkRoutes(routes: RouteTable, context: ApiContext): void {
  const responses = new BulkResponseWriter();
  /** Answers' bytes in the writer's buffers, given back once the response finished (the socket took them). */
  const sending = new WeakMap<FastifyRequest, Buffer>();
  const released = async (request: FastifyRequest): Promise<void> => {
    const bytes = sending.get(request);
    if (bytes === undefined) return;
    sending.delete(request);
    responses.release(bytes);
  };
  routes.add({
    method: ['POST', 'PUT'],
    url: ['/_bulk', '/:index/_bulk', '/:index/:type/_bulk', '/:index/_doc/_bulk'],
    action: action('indices:data/write/bulk', 'write'),
    onRequest: async (request) => context.bulkGate.enter(request),
    onResponse: async (request) => {
      await released(request);
      await context.bulkGate.leave(request);
    },
    onRequestAbort: async (request) => context.bulkGate.leave(request),
    handler: async (request, reply) => {
      const answer = await handleBulk(context, request, reply);
      // A custom serializer leaves the content type to the route. Its type says string, but fastify sends a
      // Buffer payload as it is (onSend hooks and Content-Length included).
      const serialize = (value: unknown): Buffer | string => {
        const bytes = responses.serialize(value);
        if (typeof bytes !== 'string') sending.set(request, bytes);
        return bytes;
      };
      reply.serializer(serialize as (value: unknown) => string).type(JSON_CONTENT_TYPE);
      return answer;
    },
  });
}

async function handleBulk(context: ApiContext, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const started = performance.now();
  const params = queryParams(request);
  const path = request.params as { index?: string; type?: string };
  const refresh = refreshParam(params);
  const parsed = parseBulkBody(bodyBytes(request), {
    ...(path.index === undefined ? {} : { index: path.index }),
    ...(params.pipeline === undefined ? {} : { pipeline: params.pipeline }),
    unparsedSources: context.store.readsSourceText === true,
  });
  if (parsed.entries.length === 0) throw validationFailed(['no requests added']);
  if (parsed.sawType || path.type !== undefined || request.routeOptions.url === '/:index/_doc/_bulk') addWarning(reply, context.esVersion, TYPES_DEPRECATION);

  const ops: BulkOp[] = [];
  for (const entry of parsed.entries) if ('op' in entry) ops.push(entry.op);
  const results = ops.length === 0 ? [] : await context.store.bulk(ops, refresh);
  if (results.length !== ops.length) {
    throw storeContractBroken(`answered ${results.length} items for ${ops.length} operations`);
  }
  let next = 0;
  const items: BulkItemResponse[] = parsed.entries.map((entry) => ('op' in entry ? results[next++]! : entry.item));
  context.metrics.countBulkItems(items);
  const errors = items.some((item) => itemBody(item)?.error !== undefined);
  return { took: Math.round(performance.now() - started), errors, items };
}
