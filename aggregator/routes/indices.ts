/**
 * Index management and inspection: `PUT|GET|HEAD|DELETE /{index}`, `_mapping`, `_field_caps`,
 * `_refresh`, `_resolve/index`. Patterns (comma lists, wildcards, `-exclusions`, `_all`) go to the
 * store as written; the store answers 404 `index_not_found_exception` for what does not exist.
 */
import type { FastifyRequest } from 'fastify';
import type { RouteTable } from '../http/route-table.ts';
import { action } from '../auth/privileges.ts';
import { isJsonObject, jsonBody } from '../http/request-body.ts';
import { listParam, queryParams } from '../http/query-params.ts';
import { aliasMissing, illegalArgument, noHandler, validationFailed } from '../http/errors.ts';
import type { JsonObject } from '../store/types.ts';
import type { ApiContext } from './context.ts';

const FIELD_CAPS_OPTIONS = ['ignore_unavailable', 'allow_no_indices', 'expand_wildcards', 'include_unmapped', 'include_empty_fields', 'filters', 'types'] as const;

export function registerIndexRoutes(routes: RouteTable, context: ApiContext): void {
  routes.add({
    method: 'PUT', url: '/:index', action: action('indices:admin/create', 'manage'),
    handler: async (request) => context.store.createIndex(indexName(request), jsonBody(request)),
  });
  routes.add({
    // `monitor`, not `read`: shippers check that an index exists (HEAD) before writing, and it shows no documents.
    method: 'GET', url: '/:index', action: action('indices:admin/get', 'monitor'),
    handler: async (request) => context.store.getIndex(indexName(request)),
  });
  routes.add({
    method: 'DELETE', url: '/:index', action: action('indices:admin/delete', 'manage'),
    handler: async (request) => {
      const pattern = indexName(request);
      // ES 8's default `action.destructive_requires_name: true`: deleting must name each index.
      if (pattern.split(',').some((part) => part === '_all' || part.includes('*'))) {
        throw illegalArgument('Wildcard expressions or all indices are not allowed');
      }
      return context.store.deleteIndex(pattern);
    },
  });

  routes.add({
    method: 'GET', url: ['/_mapping', '/:index/_mapping'], action: action('indices:admin/mappings/get', 'read'),
    handler: async (request) => context.store.getMapping(patternOf(request)),
  });
  routes.add({
    method: ['PUT', 'POST'], url: '/:index/_mapping', action: action('indices:admin/mapping/put', 'manage'),
    handler: async (request) => context.store.putMapping(indexName(request), jsonBody(request)),
  });

  routes.add({
    method: ['GET', 'POST'], url: ['/_field_caps', '/:index/_field_caps'], action: action('indices:data/read/field_caps', 'read'),
    handler: async (request) => {
      const body = jsonBody(request);
      const fromBody = Array.isArray(body.fields) ? body.fields.map(String) : typeof body.fields === 'string' ? body.fields.split(',') : undefined;
      const fields = listParam(queryParams(request), 'fields') ?? fromBody;
      if (fields === undefined || fields.length === 0) throw validationFailed(["specified fields can't be null or empty"]);
      const { fields: _fields, ...rest } = body;
      // The store contract has no parameter object for field caps: its query-string options travel in the
      // body under their ES names (none of them is also a body key, so nothing collides).
      const params = queryParams(request);
      const options = Object.fromEntries(FIELD_CAPS_OPTIONS.filter((name) => params[name] !== undefined).map((name) => [name, params[name]]));
      return context.store.fieldCaps(patternOf(request), fields, { ...rest, ...options });
    },
  });

  routes.add({
    method: ['GET', 'POST'], url: ['/_refresh', '/:index/_refresh'], action: action('indices:admin/refresh', 'write'),
    handler: async (request) => context.store.refresh(patternOf(request)),
  });

  routes.add({
    method: 'GET', url: ['/_alias', '/:index/_alias', '/_aliases', '/:index/_aliases'], action: action('indices:admin/aliases/get', 'read'),
    handler: async (request) => {
      // The embedded store has no aliases: every index answers with an empty set, which is what it has.
      const { indices, dataStreams } = await indicesAndDataStreams(context, patternOf(request));
      const concrete = [...indices, ...dataStreams.flatMap((stream) => stream.backing_indices)];
      return Object.fromEntries(concrete.map((name) => [name, { aliases: {} }]));
    },
  });

  routes.add({
    method: 'GET', url: ['/_alias/:name', '/:index/_alias/:name'], action: action('indices:admin/aliases/get', 'monitor'),
    handler: async (request) => {
      const { name } = request.params as { name: string };
      // No alias exists in the embedded store, so a named one is always missing (Logstash checks with HEAD).
      throw aliasMissing(name);
    },
  });

  routes.add({
    method: 'GET', url: '/_resolve/index/:index', action: action('indices:admin/resolve/index', 'read'),
    handler: async (request) => resolveIndex(context, indexName(request)),
  });
}

/** `/{index}` also catches `/_anything`: names starting with `_` are ES APIs we do not have, not indices. */
function indexName(request: FastifyRequest): string {
  const { index } = request.params as { index: string };
  if (index.startsWith('_') && index !== '_all') throw noHandler(request.method, request.url.split('?')[0] ?? request.url);
  return index;
}

function patternOf(request: FastifyRequest): string {
  const { index } = request.params as { index?: string };
  return index === undefined ? '_all' : indexName(request);
}

interface ResolvedDataStream {
  readonly name: string;
  readonly backing_indices: string[];
  readonly timestamp_field: string;
}

/** The store resolves data stream names, not their backing indices; this splits the two apart. */
async function indicesAndDataStreams(context: ApiContext, pattern: string): Promise<{ indices: string[]; dataStreams: ResolvedDataStream[] }> {
  const names = await context.store.resolveIndices(pattern).catch(() => [] as string[]);
  const streamsBody = await context.store.getDataStreams(pattern).catch(() => ({ data_streams: [] }) as JsonObject);
  const streams = Array.isArray(streamsBody.data_streams) ? streamsBody.data_streams.filter(isJsonObject) : [];
  const dataStreams = streams.map((stream) => ({
    name: String(stream.name),
    backing_indices: Array.isArray(stream.indices) ? stream.indices.filter(isJsonObject).map((index) => String(index.index_name)) : [],
    timestamp_field: isJsonObject(stream.timestamp_field) ? String(stream.timestamp_field.name) : '@timestamp',
  }));
  const streamNames = new Set(dataStreams.map((stream) => stream.name));
  return { indices: names.filter((name) => !streamNames.has(name)), dataStreams };
}

async function resolveIndex(context: ApiContext, pattern: string): Promise<JsonObject> {
  const { indices, dataStreams } = await indicesAndDataStreams(context, pattern);
  return { indices: indices.map((name) => ({ name, attributes: ['open'] })), aliases: [], data_streams: dataStreams };
}
