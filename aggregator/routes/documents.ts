/**
 * Single-document APIs, written through the store's bulk path so that one document behaves exactly like
 * one bulk item: `PUT|POST /{index}/_doc[/{id}]`, `/_create/{id}`, `POST /_update/{id}`, `DELETE`, and
 * `GET|HEAD /{index}/_doc/{id}`, `GET /{index}/_source/{id}`, `_mget`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RouteTable } from '../http/route-table.ts';
import { action } from '../auth/privileges.ts';
import { jsonBody, isJsonObject } from '../http/request-body.ts';
import { queryParams, refreshParam, listParam } from '../http/query-params.ts';
import { fromItemError, illegalArgument, methodNotAllowed, noHandler, parseException, renderError, resourceNotFound, storeContractBroken, unsupported, validationFailed } from '../http/errors.ts';
import { addWarning } from '../http/responses.ts';
import { applyFilterPath, parseFilterPath } from '../http/filter-path.ts';
import { itemBody, type BulkOp, type JsonObject } from '../store/types.ts';
import type { ApiContext } from './context.ts';

type DocParams = { index: string; id?: string };

export function registerDocumentRoutes(routes: RouteTable, context: ApiContext): void {
  const write = action('indices:data/write/index', 'write');
  routes.add({
    method: ['PUT', 'POST'], url: '/:index/_doc/:id', action: write,
    handler: async (request, reply) => {
      const { index, id } = request.params as DocParams;
      const params = queryParams(request);
      const opType = params.op_type ?? 'index';
      if (opType !== 'index' && opType !== 'create') throw illegalArgument(`opType must be 'create' or 'index', found: [${opType}]`);
      return writeOne(context, request, reply, { op: opType, index, id: id!, doc: jsonBody(request), ...pipeline(params) });
    },
  });
  routes.add({
    method: 'POST', url: '/:index/_doc', action: write,
    handler: async (request, reply) => {
      const { index } = request.params as DocParams;
      return writeOne(context, request, reply, { op: 'index', index, doc: jsonBody(request), ...pipeline(queryParams(request)) });
    },
  });
  routes.add({
    method: ['PUT', 'POST'], url: '/:index/_create/:id', action: action('indices:data/write/index', 'write'),
    handler: async (request, reply) => {
      const { index, id } = request.params as DocParams;
      return writeOne(context, request, reply, { op: 'create', index, id: id!, doc: jsonBody(request), ...pipeline(queryParams(request)) });
    },
  });
  routes.add({
    method: 'POST', url: '/:index/_update/:id', action: action('indices:data/write/update', 'write'),
    handler: async (request, reply) => {
      const { index, id } = request.params as DocParams;
      const body = jsonBody(request);
      if (body.script !== undefined) throw unsupported('scripted updates (send "doc" or "upsert")');
      if (body.doc !== undefined && !isJsonObject(body.doc)) throw parseException('[doc] must be an object');
      if (body.upsert !== undefined && !isJsonObject(body.upsert)) throw parseException('[upsert] must be an object');
      if (body.doc === undefined && body.upsert === undefined) throw validationFailed(['script or doc is missing']);
      return writeOne(context, request, reply, {
        op: 'update', index, id: id!,
        ...(isJsonObject(body.doc) ? { doc: body.doc } : {}),
        ...(body.doc_as_upsert === true ? { docAsUpsert: true } : {}),
        ...(isJsonObject(body.upsert) ? { upsert: body.upsert } : {}),
      });
    },
  });
  routes.add({
    method: 'DELETE', url: '/:index/_doc/:id', action: action('indices:data/write/delete', 'write'),
    handler: async (request, reply) => {
      const { index, id } = request.params as DocParams;
      return writeOne(context, request, reply, { op: 'delete', index, id: id! });
    },
  });

  // Typed writes from before ES 7 (`POST /logs/events`, `PUT /logs/events/1`, old rsyslog and Logstash):
  // the type is ignored with ES's deprecation warning. `/{index}/_something` stays an unknown endpoint.
  routes.add({
    method: ['PUT', 'POST'], url: ['/:index/:type', '/:index/:type/:id'], action: write, noMethodNotAllowed: true,
    handler: async (request, reply) => {
      const { index, type, id } = request.params as DocParams & { type: string };
      if (index.startsWith('_') || type.startsWith('_')) throw noHandler(request.method, request.url.split('?')[0] ?? request.url);
      if (request.method === 'PUT' && id === undefined) throw methodNotAllowed('PUT', request.url.split('?')[0] ?? request.url, ['POST']);
      addWarning(reply, context.esVersion, '[types removal] Specifying types in document index requests is deprecated, use the typed endpoints instead.');
      const params = queryParams(request);
      const op = params.op_type === 'create' ? 'create' : 'index';
      return writeOne(context, request, reply, { op, index, ...(id === undefined ? {} : { id }), doc: jsonBody(request), ...pipeline(params) });
    },
  });

  routes.add({
    method: 'GET', url: '/:index/_doc/:id', action: action('indices:data/read/get', 'read'),
    handler: async (request, reply) => {
      const { index, id } = request.params as DocParams;
      const document = await context.store.getDocument(index, id!);
      if (document.found !== true) {
        reply.code(404);
        return document;
      }
      return filterSource(document, queryParams(request));
    },
  });
  routes.add({
    method: ['GET', 'POST'], url: ['/_mget', '/:index/_mget'], action: action('indices:data/read/mget', 'read'),
    handler: async (request) => {
      const { index: pathIndex } = request.params as { index?: string };
      const body = jsonBody(request);
      const wanted: Array<{ index: string | undefined; id: string }> = Array.isArray(body.docs)
        ? body.docs.filter(isJsonObject).map((doc) => ({ index: typeof doc._index === 'string' ? doc._index : pathIndex, id: String(doc._id ?? '') }))
        : Array.isArray(body.ids) ? body.ids.map((id) => ({ index: pathIndex, id: String(id) })) : [];
      if (wanted.length === 0) throw validationFailed(['no documents to get']);
      const problems = wanted.flatMap((doc, i) => [...(doc.index === undefined ? [`index is missing for doc ${i}`] : []), ...(doc.id === '' ? [`id is missing for doc ${i}`] : [])]);
      if (problems.length > 0) throw validationFailed(problems);
      const params = queryParams(request);
      const docs = [];
      for (const { index, id } of wanted) {
        try {
          docs.push(filterSource(await context.store.getDocument(index!, id), params));
        } catch (error) {
          // As in ES, a missing index fails only that entry.
          docs.push({ _index: index, _id: id, error: renderError(error).body.error });
        }
      }
      return { docs };
    },
  });

  routes.add({
    method: 'GET', url: '/:index/_source/:id', action: action('indices:data/read/get', 'read'),
    handler: async (request) => {
      const { index, id } = request.params as DocParams;
      const document = await context.store.getDocument(index, id!);
      if (document.found !== true) throw resourceNotFound(`Document not found [${index}]/[${id}]`);
      return filterSource(document, queryParams(request))._source ?? {};
    },
  });
}

function pipeline(params: Record<string, string>): { pipeline?: string } {
  return params.pipeline === undefined ? {} : { pipeline: params.pipeline };
}

/** One op through the store's bulk; the item becomes the document response (or its error). */
async function writeOne(context: ApiContext, request: FastifyRequest, reply: FastifyReply, op: BulkOp): Promise<unknown> {
  const params = queryParams(request);
  const concurrency = ['if_seq_no', 'if_primary_term', 'version', 'version_type'].find((key) => params[key] !== undefined);
  if (concurrency !== undefined) throw unsupported(`[${concurrency}] (optimistic concurrency control)`);
  const refresh = refreshParam(params);
  const [item] = await context.store.bulk([op], refresh);
  const inner = item === undefined ? undefined : itemBody(item);
  if (inner === undefined) throw storeContractBroken('answered no item for the operation');
  const { status, error, ...response } = inner;
  const code = typeof status === 'number' ? status : 500;
  if (isJsonObject(error)) throw fromItemError(code, error);
  reply.code(code);
  return refresh === 'true' ? { ...response, forced_refresh: true } : response;
}

/** `_source=false`, `_source=a,b`, `_source_includes`, `_source_excludes` on a GET. */
function filterSource(document: JsonObject, params: Record<string, string>): JsonObject {
  if (!isJsonObject(document._source)) return document;
  const sourceParam = params._source;
  if (sourceParam === 'false') {
    const { _source: _dropped, ...rest } = document;
    return rest;
  }
  const namesSource = sourceParam !== undefined && sourceParam !== 'true' && sourceParam !== '';
  const includes = listParam(params, '_source_includes') ?? (namesSource ? listParam(params, '_source') : undefined);
  const excludes = listParam(params, '_source_excludes');
  if (includes === undefined && excludes === undefined) return document;
  const filter = parseFilterPath([...(includes ?? []), ...(excludes ?? []).map((e) => `-${e}`)].join(','));
  return { ...document, _source: applyFilterPath(document._source, filter) };
}
