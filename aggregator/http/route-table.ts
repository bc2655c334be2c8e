/**
 * Registers Elasticsearch routes and remembers which methods each URL pattern serves, so that once all
 * are registered every other method on a known URL gets ES's 405 with the allowed list (instead of
 * falling through to another pattern, such as `GET /_bulk` reaching `GET /{index}`).
 *
 * HEAD is served by each GET route (fastify's exposeHeadRoutes), as ES answers HEAD with its GET handler.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, onResponseHookHandler, onRequestAbortHookHandler } from 'fastify';
import type { EsAction } from '../auth/privileges.ts';
import { methodNotAllowed } from './errors.ts';

export type EsMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
const ALL_METHODS: readonly EsMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'];

export interface EsRoute {
  readonly method: EsMethod | readonly EsMethod[];
  readonly url: string | readonly string[];
  readonly action: EsAction;
  readonly handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  readonly onRequest?: onRequestHookHandler;
  readonly onResponse?: onResponseHookHandler;
  readonly onRequestAbort?: onRequestAbortHookHandler;
  /**
   * Leave this URL out of the 405 answers: for catch-all legacy patterns (`/{index}/{type}`) whose other
   * methods are really unknown endpoints (`GET /logs/_stats`), which must keep ES's "no handler" answer.
   */
  readonly noMethodNotAllowed?: boolean;
  /** JSON schema of the query string or body, for documentation and validation; path parameters get one from the URL. */
  readonly schema?: { readonly querystring?: object; readonly body?: object };
}

export interface RouteTable {
  add(route: EsRoute): void;
  /** Call once, after every `add`: registers the 405 answers. */
  completeWithMethodNotAllowed(): void;
}

export function createRouteTable(app: FastifyInstance): RouteTable {
  const methodsByUrl = new Map<string, Set<EsMethod>>();
  return {
    add(route) {
      const methods = typeof route.method === 'string' ? [route.method] : [...route.method];
      const urls = typeof route.url === 'string' ? [route.url] : [...route.url];
      for (const url of urls) {
        if (route.noMethodNotAllowed === true) {
          app.route({ method: methods, url, config: { action: route.action }, handler: route.handler, schema: { params: paramsSchema(url), ...route.schema } });
          continue;
        }
        const known = methodsByUrl.get(url) ?? new Set<EsMethod>();
        for (const method of methods) known.add(method);
        if (methods.includes('GET')) known.add('HEAD');
        methodsByUrl.set(url, known);
        app.route({
          method: methods,
          url,
          config: { action: route.action },
          handler: route.handler,
          ...(route.onRequest === undefined ? {} : { onRequest: route.onRequest }),
          ...(route.onResponse === undefined ? {} : { onResponse: route.onResponse }),
          ...(route.onRequestAbort === undefined ? {} : { onRequestAbort: route.onRequestAbort }),
          schema: { params: paramsSchema(url), ...route.schema },
        });
      }
    },
    completeWithMethodNotAllowed() {
      for (const [url, known] of methodsByUrl) {
        const missing = ALL_METHODS.filter((method) => !known.has(method));
        if (missing.length === 0) continue;
        const allowed = ALL_METHODS.filter((method) => known.has(method));
        app.route({
          method: missing,
          url,
          exposeHeadRoute: false,
          config: { action: { name: 'method_not_allowed', privilege: 'monitor' } satisfies EsAction },
          handler: async (request) => {
            throw methodNotAllowed(request.method, request.url.split('?')[0] ?? request.url, allowed);
          },
        });
      }
    },
  };
}

/** `/:index/_doc/:id` → a schema requiring `index` and `id` as non-empty strings (documents the route, rejects `//`). */
function paramsSchema(url: string): object {
  const names = [...url.matchAll(/:([A-Za-z_]+)/g)].map((match) => match[1]!);
  return {
    type: 'object',
    properties: Object.fromEntries(names.map((name) => [name, { type: 'string', minLength: 1 }])),
    required: names,
  };
}
