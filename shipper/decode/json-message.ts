/**
 * A container message that is a JSON object keeps its fields: the ones ECS has a place for go there
 * (`@timestamp`, `message`, `log.level`, `error.*`, `trace.id`, `service.*`, …), everything else
 * goes under `json.*` exactly as the application wrote it (dotted keys stay dotted; Elasticsearch
 * reads them as paths).
 *
 * Only known ECS leaves with a value of the right type are lifted: an application's `event: "login"`
 * or `http.response.status_code: "OK"` would otherwise collide with the ECS mapping and get the whole
 * document rejected. Keys the collector owns (`kubernetes`, `container`, `host`, `data_stream`,
 * `event.dataset`, `log.file.path`, `log.offset`, `stream`) are never lifted.
 * Pure; never throws.
 */
import type { LogRecord } from '../record.ts';
import { isPlainObject, setPath, type FieldObject } from '../parse/fields.ts';
import { toCanonicalUtc } from './timestamp.ts';

type Kind = 'keyword' | 'text' | 'number' | 'date' | 'level' | 'keywords';

/** Source path (as the application nests or dots it) → [ECS destination, expected kind]. */
const LIFTED: ReadonlyMap<string, readonly [string, Kind]> = new Map<string, readonly [string, Kind]>([
  ['@timestamp', ['@timestamp', 'date']],
  ['message', ['message', 'text']],
  ['msg', ['message', 'text']],
  ['log.level', ['log.level', 'level']],
  ['level', ['log.level', 'level']],
  ['log.logger', ['log.logger', 'keyword']],
  ['log.origin.function', ['log.origin.function', 'keyword']],
  ['log.origin.file.name', ['log.origin.file.name', 'keyword']],
  ['log.origin.file.line', ['log.origin.file.line', 'number']],
  ['error', ['error.message', 'text']],
  ['error.message', ['error.message', 'text']],
  ['error.type', ['error.type', 'keyword']],
  ['error.code', ['error.code', 'keyword']],
  ['error.id', ['error.id', 'keyword']],
  ['error.stack_trace', ['error.stack_trace', 'text']],
  ['error.stack', ['error.stack_trace', 'text']],
  ['err.message', ['error.message', 'text']],
  ['err.type', ['error.type', 'keyword']],
  ['err.code', ['error.code', 'keyword']],
  ['err.stack', ['error.stack_trace', 'text']],
  ['trace.id', ['trace.id', 'keyword']],
  ['trace_id', ['trace.id', 'keyword']],
  ['span.id', ['span.id', 'keyword']],
  ['span_id', ['span.id', 'keyword']],
  ['transaction.id', ['transaction.id', 'keyword']],
  ['service.name', ['service.name', 'keyword']],
  ['service.version', ['service.version', 'keyword']],
  ['service.environment', ['service.environment', 'keyword']],
  ['service.node.name', ['service.node.name', 'keyword']],
  ['ecs.version', ['ecs.version', 'keyword']],
  ['event.action', ['event.action', 'keyword']],
  ['event.outcome', ['event.outcome', 'keyword']],
  ['event.category', ['event.category', 'keywords']],
  ['event.type', ['event.type', 'keywords']],
  ['event.kind', ['event.kind', 'keyword']],
  ['event.code', ['event.code', 'keyword']],
  ['event.reason', ['event.reason', 'keyword']],
  ['event.duration', ['event.duration', 'number']],
  ['http.request.method', ['http.request.method', 'keyword']],
  ['http.response.status_code', ['http.response.status_code', 'number']],
  ['url.path', ['url.path', 'keyword']],
  ['url.original', ['url.original', 'keyword']],
  ['url.full', ['url.full', 'keyword']],
  ['user.id', ['user.id', 'keyword']],
  ['user.name', ['user.name', 'keyword']],
  ['client.ip', ['client.ip', 'keyword']],
  ['process.pid', ['process.pid', 'number']],
  ['process.thread.id', ['process.thread.id', 'number']],
  ['process.thread.name', ['process.thread.name', 'keyword']],
  ['tags', ['tags', 'keywords']],
]);

/** Prefixes whose nested objects are walked to find lifted leaves. */
const WALKED = new Set([...LIFTED.keys()].flatMap((path) => path.split('.').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('.'))));

/** pino and bunyan write levels as numbers. */
const NUMERIC_LEVELS: ReadonlyMap<number, string> = new Map([[10, 'trace'], [20, 'debug'], [30, 'info'], [40, 'warn'], [50, 'error'], [60, 'fatal']]);

export interface JsonMessage {
  /** The record fields the message contributes (nested), `json` included; empty when not ok. */
  readonly fields: LogRecord;
  /** The message was a JSON object. */
  readonly ok: boolean;
}

export function mergeJsonMessage(message: string): JsonMessage {
  const text = message.trim();
  if (!text.startsWith('{') || !text.endsWith('}')) return { fields: {}, ok: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { fields: {}, ok: false };
  }
  if (!isPlainObject(parsed)) return { fields: {}, ok: false };
  const fields: FieldObject = {};
  const placed = new Set<string>();
  const rest = lift(parsed, '', fields, placed);
  if (Object.keys(rest).length > 0) fields.json = rest;
  return { fields, ok: true };
}

/** Moves lifted leaves of `source` into `fields`; returns what is left, nested as it was. */
function lift(source: FieldObject, prefix: string, fields: FieldObject, placed: Set<string>): FieldObject {
  const rest: FieldObject = {};
  // `message` before `msg`, `log.level` before `level`: the ECS spelling wins when both appear.
  for (const key of orderedKeys(source)) {
    const value = source[key];
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const target = LIFTED.get(path);
    if (target !== undefined && !placed.has(target[0])) {
      const converted = convert(value, target[1]);
      if (converted !== undefined) {
        setPath(fields, target[0], converted);
        placed.add(target[0]);
        continue;
      }
    }
    if (isPlainObject(value) && WALKED.has(path)) {
      const left = lift(value, path, fields, placed);
      if (Object.keys(left).length > 0) put(rest, key, left);
      continue;
    }
    put(rest, key, value);
  }
  return rest;
}

/** Defines rather than assigns, so a key named `__proto__` stays data instead of replacing the prototype. */
function put(target: FieldObject, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

const PREFERRED = ['message', 'log.level', '@timestamp', 'error.message'];

function orderedKeys(source: FieldObject): string[] {
  const keys = Object.keys(source);
  const first = keys.filter((k) => PREFERRED.includes(k) || k === 'log' || k === 'error');
  return first.length === 0 ? keys : [...first, ...keys.filter((k) => !first.includes(k))];
}

function convert(value: unknown, kind: Kind): unknown {
  switch (kind) {
    case 'text':
      return typeof value === 'string' ? value : undefined;
    case 'keyword':
      return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean' ? String(value) : undefined;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    case 'date':
      return typeof value === 'string' ? toCanonicalUtc(value) : undefined;
    case 'level':
      if (typeof value === 'string' && value !== '') return value;
      if (typeof value === 'number' && Number.isFinite(value)) return NUMERIC_LEVELS.get(value) ?? String(value);
      return undefined;
    case 'keywords':
      if (typeof value === 'string') return [value];
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
  }
}
