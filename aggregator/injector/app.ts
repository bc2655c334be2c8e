/**
 * The injector's HTTP app, built apart from the server that listens: `POST /mutate` answers
 * AdmissionReviews; `/healthz`, `/readyz` and `/metrics` are the usual operational routes.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Registry } from 'prom-client';
import { Counter } from '../../shipper/kit/metrics.ts';
import { rateLimited, type Logger } from '../../shipper/kit/logger.ts';
import { registerOpsRoutes } from '../http/ops-routes.ts';
import type { Readiness } from '../../shipper/kit/ops-answers.ts';
import { answerReview } from './review.ts';
import type { SidecarSettings } from './patch.ts';

/** An AdmissionReview of a pod can be large (the whole pod spec); etcd caps objects at 1.5 MiB. */
const BODY_LIMIT_BYTES = 3 * 1024 * 1024;

export interface InjectorAppOptions {
  readonly settings: SidecarSettings;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly readiness: Readiness;
  /** PEM key and certificate; without them the app speaks plain HTTP (for `inject()` in tests). */
  readonly tls?: { readonly key: Buffer; readonly cert: Buffer } | undefined;
}

const ErrorBody = Type.Object({ error: Type.String() });
const ReviewBody = Type.Object({
  apiVersion: Type.Literal('admission.k8s.io/v1'),
  kind: Type.Literal('AdmissionReview'),
  response: Type.Object({
    uid: Type.String(),
    allowed: Type.Boolean(),
    patchType: Type.Optional(Type.Literal('JSONPatch')),
    patch: Type.Optional(Type.String({ contentEncoding: 'base64' })),
    warnings: Type.Optional(Type.Array(Type.String())),
  }),
});

export function buildInjectorApp(options: InjectorAppOptions): FastifyInstance {
  const { settings, registry, logger } = options;
  const app = (options.tls === undefined
    ? Fastify({ logger: false, bodyLimit: BODY_LIMIT_BYTES })
    : Fastify({ logger: false, bodyLimit: BODY_LIMIT_BYTES, https: { key: options.tls.key, cert: options.tls.cert } })) as unknown as FastifyInstance;

  const reviews = new Counter({
    name: 'logship_injector_reviews_total',
    help: 'AdmissionReviews answered, by outcome (injected, skipped, malformed).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const warnOnce = rateLimited(60_000);

  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) logger.error({ err: error }, 'injector request failed');
    else reviews.inc({ outcome: 'malformed' });
    const prefix = status === 500 ? 'internal error' : 'malformed AdmissionReview';
    return reply.code(status).send({ error: `${prefix}: ${error.message}` });
  });

  app.post('/mutate', { schema: { response: { 200: ReviewBody, 400: ErrorBody, 415: ErrorBody, 413: ErrorBody } } }, async (request, reply) => {
    const outcome = answerReview(request.body, settings);
    if (!outcome.ok) {
      reviews.inc({ outcome: 'malformed' });
      warnOnce('malformed', (suppressed) => logger.warn({ problems: outcome.problems, suppressed }, 'malformed AdmissionReview'));
      return reply.code(400).send({ error: `malformed AdmissionReview: ${outcome.problems.join('; ')}` });
    }
    reviews.inc({ outcome: outcome.injected ? 'injected' : 'skipped' });
    const target = podName(request.body);
    if (outcome.injected) logger.info({ pod: target, reason: outcome.reason }, 'sidecar injected');
    else logger.debug({ pod: target, reason: outcome.reason }, 'pod admitted unchanged');
    return outcome.review;
  });

  registerOpsRoutes(app, registry, options.readiness);
  return app;
}

/** `namespace/name` (or generateName) of the reviewed pod, for the log line. */
function podName(body: unknown): string {
  const request = (body as { request?: { namespace?: unknown; name?: unknown; object?: { metadata?: { name?: unknown; generateName?: unknown } } } }).request;
  const name = request?.name ?? request?.object?.metadata?.name ?? request?.object?.metadata?.generateName ?? '?';
  return `${String(request?.namespace ?? '?')}/${String(name)}`;
}
