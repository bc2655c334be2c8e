/**
 * Reading: `_search`, `_count`, `_msearch`, scroll and point-in-time. The store answers in ES's shapes;
 * this layer reads bodies and parameters, bounds the time a search may take, and keeps
 * `rest_total_hits_as_int` honest whatever the store returned.
 */
import type { FastifyReply } from 'fastify';
import type { RouteTable } from '../http/route-table.ts';
import { action } from '../auth/privileges.ts';
import { bodyText, isJsonObject, jsonBody } from '../http/request-body.ts';
import { booleanParam, queryParams, storeParams } from '../http/query-params.ts';
import { ndjsonLines } from '../http/ndjson.ts';
import { EsError, illegalArgument, parseException, renderError, requestTimedOut, validationFailed } from '../http/errors.ts';
import type { JsonObject, SearchParams } from '../store/types.ts';
import type { ApiContext } from './context.ts';

export function registerSearchRoutes(routes: RouteTable, context: ApiContext): void {
  const search = action('indices:data/read/search', 'read');
  routes.add({
    method: ['GET', 'POST'], url: ['/_search', '/:index/_search'], action: search,
    handler: async (request, reply) => {
      const { index } = request.params as { index?: string };
      const params = storeParams(request);
      const bounds = searchParams(context, reply, params);
      const response = await withinDeadline(context.store.search(index ?? '_all', jsonBody(request), bounds), bounds, context.requestTimeoutMs);
      return totalHitsAsInt(response, params);
    },
  });

  routes.add({
    method: ['GET', 'POST'], url: ['/_count', '/:index/_count'], action: search,
    handler: async (request, reply) => {
      const { index } = request.params as { index?: string };
      const bounds = searchParams(context, reply, storeParams(request));
      return withinDeadline(context.store.count(index ?? '_all', jsonBody(request), bounds), bounds, context.requestTimeoutMs);
    },
  });

  routes.add({
    method: ['GET', 'POST'], url: ['/_msearch', '/:index/_msearch'], action: action('indices:data/read/msearch', 'read'),
    handler: async (request, reply) => {
      const started = performance.now();
      const { index } = request.params as { index?: string };
      const common = storeParams(request);
      const searches = parseMsearch(bodyText(request));
      const responses: JsonObject[] = [];
      for (const { header, body } of searches) {
        const target = headerIndex(header) ?? index ?? '_all';
        const params = { ...withoutMsearchParams(common), ...headerParams(header) };
        try {
          const bounds = searchParams(context, reply, params);
          const response = await withinDeadline(context.store.search(target, body, bounds), bounds, context.requestTimeoutMs);
          responses.push({ ...totalHitsAsInt(response, params), status: 200 });
        } catch (error) {
          const rendered = renderError(error);
          if (rendered.status >= 500) request.log.warn({ err: error }, 'msearch item failed');
          responses.push({ error: rendered.body.error, status: rendered.status });
        }
      }
      return { took: Math.round(performance.now() - started), responses };
    },
  });

  const scroll = action('indices:data/read/scroll', 'read');
  routes.add({
    method: ['GET', 'POST'], url: ['/_search/scroll', '/_search/scroll/:scrollId'], action: scroll,
    handler: async (request) => {
      const params = storeParams(request);
      const body = jsonBody(request);
      const scrollId = (request.params as { scrollId?: string }).scrollId ?? stringField(body, 'scroll_id') ?? params.scroll_id;
      if (scrollId === undefined) throw validationFailed(['scrollId is missing']);
      const keepAlive = stringField(body, 'scroll') ?? params.scroll;
      return totalHitsAsInt(await context.store.scroll(scrollId, keepAlive), params);
    },
  });
  routes.add({
    method: 'DELETE', url: ['/_search/scroll', '/_search/scroll/:scrollId'], action: action('indices:data/read/scroll/clear', 'read'),
    handler: async (request) => {
      const body = jsonBody(request);
      const fromPath = (request.params as { scrollId?: string }).scrollId;
      const fromBody = body.scroll_id;
      const ids = fromPath !== undefined ? fromPath.split(',') : typeof fromBody === 'string' ? [fromBody] : Array.isArray(fromBody) ? fromBody.map(String) : [];
      if (ids.length === 0) throw validationFailed(['no scroll ids specified']);
      return context.store.clearScroll(ids);
    },
  });

  routes.add({
    method: 'POST', url: '/:index/_pit', action: action('indices:data/read/open_point_in_time', 'read'),
    handler: async (request) => {
      const { index } = request.params as { index: string };
      const keepAlive = queryParams(request).keep_alive;
      if (keepAlive === undefined || keepAlive === '') throw validationFailed(['[keep_alive] is not specified']);
      return context.store.openPointInTime(index, keepAlive);
    },
  });
  routes.add({
    method: 'DELETE', url: '/_pit', action: action('indices:data/read/close_point_in_time', 'read'),
    handler: async (request) => {
      const id = stringField(jsonBody(request), 'id');
      if (id === undefined) throw validationFailed(['point in time id is missing']);
      return context.store.closePointInTime(id);
    },
  });
}

/** The store's search parameters, with a signal that fires on the request time limit or when the client leaves. */
function searchParams(context: ApiContext, reply: FastifyReply, query: Record<string, string>): SearchParams & { signal: AbortSignal } {
  const clientGone = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) clientGone.abort(new EsError(499, 'task_cancelled_exception', 'the client closed the connection'));
  });
  return { query, signal: AbortSignal.any([clientGone.signal, AbortSignal.timeout(context.requestTimeoutMs)]) };
}

/**
 * Answers when the signal fires even if the store does not stop at once, so a runaway query cannot hold
 * the request past `--request-timeout`; the store is expected to abandon the work on the same signal.
 */
function withinDeadline<T>(work: Promise<T>, bounds: { signal: AbortSignal }, timeoutMs: number): Promise<T> {
  const { signal } = bounds;
  const reasonOf = (): Error => (signal.reason instanceof EsError ? signal.reason : requestTimedOut(timeoutMs));
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.reject(reasonOf());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(reasonOf());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** `rest_total_hits_as_int=true`: `hits.total` as a number (−1 when not tracked), as ES 7 clients expect. */
function totalHitsAsInt(response: JsonObject, params: Record<string, string>): JsonObject {
  if (!booleanParam(params, 'rest_total_hits_as_int', false)) return response;
  const hits = response.hits;
  if (!isJsonObject(hits)) return response;
  const total = hits.total;
  if (typeof total === 'number') return response;
  if (isJsonObject(total) && total.relation === 'gte') {
    throw illegalArgument('[rest_total_hits_as_int] cannot be used if the tracking of total hits is not accurate, got ' + String(total.value));
  }
  const value = isJsonObject(total) && typeof total.value === 'number' ? total.value : -1;
  return { ...response, hits: { ...hits, total: value } };
}

function parseMsearch(body: string): Array<{ header: JsonObject; body: JsonObject }> {
  const lines = ndjsonLines(body);
  if (lines.length === 0) throw validationFailed(['no requests added']);
  const searches: Array<{ header: JsonObject; body: JsonObject }> = [];
  for (let i = 0; i < lines.length; i += 2) {
    const headerLine = lines[i]!;
    const bodyLine = lines[i + 1];
    const header = parseLine(headerLine.text, headerLine.number, 'header');
    if (bodyLine === undefined) throw parseException(`msearch header on line [${headerLine.number}] has no search body line after it`);
    searches.push({ header, body: parseLine(bodyLine.text, bodyLine.number, 'body') });
  }
  return searches;
}

function parseLine(text: string, number: number, what: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw parseException(`msearch ${what} on line [${number}] is not valid JSON: ${(error as Error).message}`);
  }
  if (!isJsonObject(parsed)) throw parseException(`msearch ${what} on line [${number}] must be a JSON object`);
  return parsed;
}

function headerIndex(header: JsonObject): string | undefined {
  const index = header.index ?? header.indices;
  if (typeof index === 'string') return index;
  if (Array.isArray(index)) return index.map(String).join(',');
  return undefined;
}

/** Per-search options from an msearch header line, as query-string-like strings. */
function headerParams(header: JsonObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(header)) {
    if (key === 'index' || key === 'indices' || value === undefined || value === null) continue;
    out[key] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  }
  return out;
}

function withoutMsearchParams(params: Record<string, string>): Record<string, string> {
  const { max_concurrent_searches: _a, max_concurrent_shard_requests: _b, ...rest } = params;
  return rest;
}

function stringField(body: JsonObject, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' ? value : undefined;
}
