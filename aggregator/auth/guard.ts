/**
 * The onRequest hook that authenticates every API request and checks the route's privilege, before the
 * body is read. Operational endpoints (`/metrics`, `/healthz`, `/readyz`) stay open so that Prometheus
 * and Kubernetes probes need no secret. A route that forgot to name its action needs `manage` (deny by
 * default); unknown URIs need only an authenticated caller, so they still get ES's "no handler" answer.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator, Principal } from './authenticator.ts';
import { isAllowed, type EsAction } from './privileges.ts';
import { unauthorizedAction } from '../http/errors.ts';

export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/metrics', '/healthz', '/readyz']);

const UNDECLARED: EsAction = { name: 'undeclared', privilege: 'manage' };
const UNKNOWN_URI: EsAction = { name: 'unknown', privilege: 'monitor' };

const principals = new WeakMap<FastifyRequest, Principal>();

/** Who made this request, once the guard has authenticated it; undefined when authentication is off. */
export function principalOf(request: FastifyRequest): Principal | undefined {
  return principals.get(request);
}

export function routeAction(request: FastifyRequest): EsAction {
  if (request.is404) return UNKNOWN_URI;
  const config = request.routeOptions.config as { action?: EsAction } | undefined;
  return config?.action ?? UNDECLARED;
}

export function registerAuthGuard(app: FastifyInstance, authenticator: Authenticator): void {
  app.addHook('onRequest', async (request) => {
    if (PUBLIC_PATHS.has(request.routeOptions.url ?? '')) return;
    const principal = await authenticator.authenticate(request.headers.authorization, request.url);
    principals.set(request, principal);
    const action = routeAction(request);
    if (!isAllowed(principal.roles, action.privilege)) {
      throw unauthorizedAction(action.name, `${principal.kind} [${principal.name}]`, principal.roles);
    }
  });
}
