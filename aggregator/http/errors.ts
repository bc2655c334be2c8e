/**
 * The one catalogue of errors the HTTP layer raises, and the one renderer that turns any thrown value
 * into Elasticsearch's error envelope:
 * `{"error":{"root_cause":[{"type","reason"}],"type","reason",...},"status":N}`.
 *
 * Store errors arrive as `EsError` already; fastify's own errors (body too large, bad content length,
 * broken gzip) are translated here so that no client ever sees a non-Elasticsearch error body.
 */
import { EsError } from '../store/types.ts';

export { EsError };

/** 400 `illegal_argument_exception`: a request ES would also refuse. */
export function illegalArgument(reason: string): EsError {
  return new EsError(400, 'illegal_argument_exception', reason);
}

/** 400 `parse_exception`: a body that is not the JSON/NDJSON it should be. */
export function parseException(reason: string): EsError {
  return new EsError(400, 'parse_exception', reason);
}

/** 400 `action_request_validation_exception`, numbered like ES: `Validation Failed: 1: ...;2: ...;`. */
export function validationFailed(problems: readonly string[]): EsError {
  const reason = `Validation Failed: ${problems.map((problem, i) => `${i + 1}: ${problem};`).join('')}`;
  return new EsError(400, 'action_request_validation_exception', reason);
}

/** An Elasticsearch API or option that logship does not implement: said plainly, never a silent wrong answer. */
export function unsupported(feature: string): EsError {
  return new EsError(400, 'illegal_argument_exception', `logship does not support ${feature}`);
}

/** ES's answer for a URI no handler serves (it answers 400, not 404). */
export function noHandler(method: string, uri: string): EsError {
  return new EsError(400, 'illegal_argument_exception', `no handler found for uri [${uri}] and method [${method}] (logship does not implement this Elasticsearch API)`);
}

/** 405, listing the allowed methods like ES does. */
export function methodNotAllowed(method: string, uri: string, allowed: readonly string[]): EsError {
  return new EsError(405, 'method_not_allowed_exception', `Incorrect HTTP method for uri [${uri}] and method [${method}], allowed: [${allowed.join(', ')}]`);
}

/** 429 for the whole request, raised before any item is applied; clients retry after `Retry-After`. */
export function rejectedExecution(reason: string): EsError {
  return new EsError(429, 'es_rejected_execution_exception', reason);
}

/** The store broke its contract (e.g. answered a different number of bulk items): a bug, so a 500. */
export function storeContractBroken(what: string): EsError {
  return new EsError(500, 'exception', `the store ${what}`);
}

/** The client went away before its answer; nobody reads this, but the request's work stops with it. */
export function clientClosedRequest(): EsError {
  return new EsError(499, 'task_cancelled_exception', 'the client closed the connection');
}

/** A bulk item's error object (`{type, reason, ...}`) raised as the error of a single-document request. */
export function fromItemError(status: number, error: Record<string, unknown>): EsError {
  const { type, reason, ...extra } = error;
  return new EsError(status, String(type ?? 'exception'), String(reason ?? 'the store rejected the document'), extra);
}

/** The embedded store has no aliases, so any named alias is missing. */
export function aliasMissing(name: string): EsError {
  return new EsError(404, 'aliases_not_found_exception', `aliases [${name}] missing`, { 'resource.type': 'aliases', 'resource.id': name });
}

export function resourceNotFound(reason: string): EsError {
  return new EsError(404, 'resource_not_found_exception', reason);
}

/** The `WWW-Authenticate` challenges ES sends with a 401. */
export const AUTHENTICATE_CHALLENGES = ['Basic realm="security", charset="UTF-8"', 'ApiKey'] as const;

export function missingCredentials(uri: string): EsError {
  return new EsError(401, 'security_exception', `missing authentication credentials for REST request [${uri}]`, {
    header: { 'WWW-Authenticate': [...AUTHENTICATE_CHALLENGES] },
  });
}

export function badCredentials(kind: 'user' | 'api key', name: string, uri: string): EsError {
  const what = kind === 'user' ? `unable to authenticate user [${name}]` : `unable to authenticate with provided credentials`;
  return new EsError(401, 'security_exception', `${what} for REST request [${uri}]`, {
    header: { 'WWW-Authenticate': [...AUTHENTICATE_CHALLENGES] },
  });
}

export function unauthorizedAction(action: string, principal: string, roles: readonly string[]): EsError {
  return new EsError(403, 'security_exception', `action [${action}] is unauthorized for ${principal} with effective roles [${roles.join(',')}]`);
}

/** 408, not 504: the official clients retry 502/503/504, and repeating a search that was too slow only adds load. */
export function requestTimedOut(timeoutMs: number): EsError {
  return new EsError(408, 'timeout_exception', `request did not complete within the request timeout of [${timeoutMs}ms]`);
}

export interface RenderedError {
  readonly status: number;
  readonly body: { error: Record<string, unknown>; status: number };
  readonly headers: Record<string, string | string[]>;
}

/** Any thrown value → status, ES envelope and the headers that go with it (401 challenges, Retry-After). */
export function renderError(thrown: unknown): RenderedError {
  const error = toEsError(thrown);
  const cause = { type: error.type, reason: error.message, ...error.extra };
  const headers: Record<string, string | string[]> = {};
  if (error.status === 401) headers['www-authenticate'] = [...AUTHENTICATE_CHALLENGES];
  if (error.status === 429) headers['retry-after'] = '1';
  const rootCause = Array.isArray(error.extra.root_cause) ? (error.extra.root_cause as unknown[]) : [cause];
  return { status: error.status, body: { error: { root_cause: rootCause, ...cause }, status: error.status }, headers };
}

function toEsError(thrown: unknown): EsError {
  if (thrown instanceof EsError) return thrown;
  const error = thrown as { code?: string; statusCode?: number; message?: string; validation?: unknown } | undefined;
  const message = error?.message ?? String(thrown);
  switch (error?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      // 413: Filebeat splits its batch on it. The limit is on the decompressed bytes too.
      return new EsError(413, 'content_too_long_exception', 'request body is larger than the configured limit (--max-body-bytes)');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return parseException('request body length does not match its Content-Length header');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new EsError(406, 'media_type_header_exception', message);
    case 'Z_DATA_ERROR':
    case 'Z_BUF_ERROR':
      return parseException(`request body is not valid gzip: ${message}`);
    case 'FST_ERR_REQ_TIMEOUT':
      return new EsError(408, 'request_timeout_exception', message);
  }
  if (error?.validation !== undefined) return illegalArgument(message);
  const status = error?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return new EsError(status, 'illegal_argument_exception', message);
  return new EsError(500, 'exception', message);
}
