/**
 * The Elasticsearch-compatible API as a fastify instance, built apart from the server that listens, so
 * that tests drive it with `app.inject()` and `main.ts` only has to call `listen`.
 *
 * Order of a request: authentication and the route's privilege (onRequest) → the bulk gate (bulk routes'
 * onRequest) → gunzip and body limit (preParsing) → the route → ES conventions on the way out
 * (filter_path, headers). Every error, whoever raised it, leaves as ES's error envelope.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../shipper/kit/logger.ts';
import { rateLimited } from '../shipper/kit/logger.ts';
import { registerOpsRoutes } from './http/ops-routes.ts';
import type { Readiness } from '../shipper/kit/ops-answers.ts';
import type { Store } from './store/types.ts';
import type { Credentials } from './auth/credentials.ts';
import { createAuthenticator } from './auth/authenticator.ts';
import { registerAuthGuard } from './auth/guard.ts';
import { registerBodyHandling } from './http/request-body.ts';
import { registerResponseConventions, JSON_CONTENT_TYPE } from './http/responses.ts';
import { createRouteTable } from './http/route-table.ts';
import { createBulkGate } from './http/bulk-gate.ts';
import { createApiMetrics } from './http/api-metrics.ts';
import { noHandler, renderError } from './http/errors.ts';
import { createIlmPolicies } from './routes/ilm-policies.ts';
import type { ApiContext } from './routes/context.ts';
import { registerClusterRoutes } from './routes/cluster.ts';
import { registerBulkRoutes } from './routes/bulk.ts';
import { registerDocumentRoutes } from './routes/documents.ts';
import { registerSearchRoutes } from './routes/search.ts';
import { registerIndexRoutes } from './routes/indices.ts';
import { registerTemplateRoutes } from './routes/templates.ts';
import { registerCatRoutes } from './routes/cat.ts';
import { registerSecurityRoutes } from './routes/security.ts';

export interface AppOptions {
  readonly store: Store;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Stable identity of this cluster (derive it from the data directory so restarts keep it). */
  readonly clusterUuid: string;
  readonly esVersion?: string;
  readonly clusterName?: string;
  readonly nodeName?: string;
  readonly maxBodyBytes?: number;
  readonly requestTimeoutMs?: number;
  readonly maxConcurrentBulks?: number;
  /** Users and API keys; undefined means no authentication (main.ts refuses that off loopback). */
  readonly credentials?: Credentials;
  /** `host:port` for `_nodes`; main.ts knows it once listening. */
  readonly publishAddress?: () => string;
  /** `/readyz`: undefined when ready, else the reason. */
  readonly readiness?: Readiness;
}

export const DEFAULT_ES_VERSION = '8.19.0';

export function buildApp(options: AppOptions): FastifyInstance {
  const maxBodyBytes = options.maxBodyBytes ?? 100 * 1024 * 1024;
  const requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  const logger = options.logger.child({ component: 'api' });
  const app: FastifyInstance = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: maxBodyBytes,
    requestTimeout: requestTimeoutMs,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 8192 },
    // Errors raised before routing (a malformed URL, a bad Content-Type) get the ES envelope too.
    frameworkErrors: (error, _request, reply) => {
      const rendered = renderError(error);
      void (reply as FastifyReply).code(rendered.status).headers(rendered.headers).header('x-elastic-product', 'Elasticsearch').type(JSON_CONTENT_TYPE).send(rendered.body);
    },
  });

  const metrics = createApiMetrics(options.registry);
  const context: ApiContext = {
    store: options.store,
    esVersion: options.esVersion ?? DEFAULT_ES_VERSION,
    clusterName: options.clusterName ?? 'logship',
    clusterUuid: options.clusterUuid,
    nodeName: options.nodeName ?? 'logship-0',
    nodeId: options.clusterUuid.slice(0, 22),
    publishAddress: options.publishAddress ?? (() => '127.0.0.1:9200'),
    maxBodyBytes,
    requestTimeoutMs,
    metrics,
    bulkGate: createBulkGate(options.maxConcurrentBulks ?? 8, () => metrics.bulkRejected.inc()),
    ilmPolicies: createIlmPolicies(),
  };

  metrics.observeBulksInFlight(() => context.bulkGate.inFlight());

  registerBodyHandling(app);
  registerResponseConventions(app);
  if (options.credentials !== undefined) registerAuthGuard(app, createAuthenticator(options.credentials));
  registerRequestMetrics(app, context, logger);

  const logServerError = rateLimited(10_000);
  app.setErrorHandler((error, request, reply) => {
    const rendered = renderError(error);
    if (rendered.status >= 500) {
      logServerError(`${request.routeOptions.url ?? 'unmatched'}:${rendered.body.error.type}`, (suppressed) =>
        request.log.error({ err: error, route: request.routeOptions.url, suppressed }, 'API request failed'),
      );
    }
    if (rendered.status === 413) reply.header('connection', 'close');
    return reply.code(rendered.status).headers(rendered.headers).type(JSON_CONTENT_TYPE).send(rendered.body);
  });
  app.setNotFoundHandler(async (request) => {
    throw noHandler(request.method, request.url.split('?')[0] ?? request.url);
  });

  registerOpsRoutes(app, options.registry, options.readiness ?? (() => undefined));

  const routes = createRouteTable(app);
  registerClusterRoutes(routes, context);
  registerBulkRoutes(routes, context);
  registerDocumentRoutes(routes, context);
  registerSearchRoutes(routes, context);
  registerTemplateRoutes(routes, context);
  registerCatRoutes(routes, context);
  registerSecurityRoutes(routes, options.credentials !== undefined);
  registerIndexRoutes(routes, context);
  routes.completeWithMethodNotAllowed();
  return app;
}

/** Request counters by route pattern and status; a debug line per request (never at info). */
function registerRequestMetrics(app: FastifyInstance, context: ApiContext, logger: Logger): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    context.metrics.requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    context.metrics.duration.observe({ route }, reply.elapsedTime / 1000);
    if (logger.isLevelEnabled('debug')) {
      request.log.debug({ method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    }
  });
}
