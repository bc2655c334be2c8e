/**
 * Reading: `_search`, `_count`, `_msearch`, scroll and point-in-time. The store answers in ES's shapes;
 * this layer reads bodies and parameters, bounds the time a search may take, and keeps
 * `rest_total_hits_as_int` honest whatever the store returned.
 */
import type { RouteTable } from '../http/route-table.ts';
import { action } from '../auth/privileges.ts';
import { bodyBytes, isJsonObject, jsonBody } from '../http/request-body.ts';
import { booleanParam, queryParams, storeParams } from '../http/query-params.ts';
import { illegalArgument, renderError, validationFailed } from '../http/errors.ts';
import { searchParams, withinDeadline } from '../http/deadline.ts';
import { headerIndex, headerParams, parseMsearch, withoutMsearchParams } from '../http/msearch-body.ts';
import type { JsonObject } from '../store/types.ts';
import type { ApiContext } from './context.ts';

export function registerSearchRoutes(routes: RouteTable, context: ApiContext): void {
  const search = action('indices:data/read/search', 'read');
  routes.add({
    method: ['GET', 'POST'], url: ['/_search', '/:index/_search'], action: search,
    handler: async (request, reply) => {
      const { index } = request.params as { index?: string };
      const params = storeParams(request);
      const bounds = searchParams(context.requestTimeoutMs, reply, params);
      const response = await withinDeadline(context.store.search(index ?? '_all', jsonBody(request), bounds), bounds, context.requestTimeoutMs);
      return totalHitsAsInt(response, params);
    },
  });

  routes.add({
    method: ['GET', 'POST'], url: ['/_count', '/:index/_count'], action: search,
    handler: async (request, reply) => {
      const { index } = request.params as { index?: string };
      const bounds = searchParams(context.requestTimeoutMs, reply, storeParams(request));
      return withinDeadline(context.store.count(index ?? '_all', jsonBody(request), bounds), bounds, context.requestTimeoutMs);
    },
  });

  routes.add({
    method: ['GET', 'POST'], url: ['/_msearch', '/:index/_msearch'], action: action('indices:data/read/msearch', 'read'),
    handler: async (request, reply) => {
      const started = performance.now();
      const { index } = request.params as { index?: string };
      const common = storeParams(request);
      const searches = parseMsearch(bodyBytes(request));
      const responses: JsonObject[] = [];
      for (const { header, body } of searches) {
        const target = headerIndex(header) ?? index ?? '_all';
        const params = { ...withoutMsearchParams(common), ...headerParams(header) };
        try {
          const bounds = searchParams(context.requestTimeoutMs, reply, params);
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

function stringField(body: JsonObject, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' ? value : undefined;
}
