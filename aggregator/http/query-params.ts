/**
 * Query-string parameters as Elasticsearch reads them: every value a string, a repeated parameter joined
 * with commas, and a bare `?refresh` meaning `true`.
 */
import type { FastifyRequest } from 'fastify';
import { illegalArgument } from './errors.ts';
import type { Refresh } from '../store/types.ts';

/** Parameters the HTTP layer consumes itself; they are not passed on to the store. */
const HTTP_ONLY = new Set(['filter_path', 'pretty', 'human', 'error_trace', 'format']);

export function queryParams(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const query = (request.query ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    out[key] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  }
  return out;
}

/** The parameters a store search should see (everything but the HTTP layer's own). */
export function storeParams(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(queryParams(request))) if (!HTTP_ONLY.has(key)) out[key] = value;
  return out;
}

/** ES booleans: absent → fallback; `''` (bare flag) or `true` → true; `false` → false; anything else 400. */
export function booleanParam(params: Record<string, string>, name: string, fallback: boolean): boolean {
  const value = params[name];
  if (value === undefined) return fallback;
  if (value === '' || value === 'true') return true;
  if (value === 'false') return false;
  throw illegalArgument(`Failed to parse value [${value}] as only [true] or [false] are allowed.`);
}

export function refreshParam(params: Record<string, string>): Refresh {
  const value = params.refresh;
  if (value === undefined || value === 'false') return 'false';
  if (value === '' || value === 'true') return 'true';
  if (value === 'wait_for') return 'wait_for';
  throw illegalArgument(`Unknown value for refresh: [${value}].`);
}

/** A comma-separated list parameter (`fields=a,b`), empty entries dropped. */
export function listParam(params: Record<string, string>, name: string): string[] | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}
