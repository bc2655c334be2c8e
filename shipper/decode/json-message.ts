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
import { isPlainObject, setPathSegments, type FieldObject } from '../parse/fields.ts';
import { toCanonicalUtc } from './timestamp.ts';

export type Kind = 'keyword' | 'text' | 'number' | 'date' | 'level' | 'keywords';

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

/**
 * LIFTED as a tree over key segments, so an object is walked without building path strings. A node
 * whose lifted leaves are all aliases (`msg`, `level`, `err.*`) is visited after its siblings: the ECS
 * spelling wins when both appear, whatever the key order.
 */
interface RuleNode {
  lift?: { readonly segments: readonly string[]; readonly dest: string; readonly kind: Kind };
  children?: Map<string, RuleNode>;
  aliasOnly: boolean;
  /** Dotted keys already walked from here (`log.level` → its node, or null: no rule), up to DOTTED_MEMO_LIMIT. */
  dotted?: Map<string, RuleNode | null>;
}

/** Applications bring their own keys: the memo of dotted ones stops growing here (walking is only slower). */
const DOTTED_MEMO_LIMIT = 1000;

const RULES: RuleNode = buildRules();

function buildRules(): RuleNode {
  const root: RuleNode = { aliasOnly: false };
  const leaves = new Map<RuleNode, boolean[]>();
  for (const [path, [dest, kind]] of LIFTED) {
    const trail: RuleNode[] = [];
    let node = root;
    for (const segment of path.split('.')) {
      node.children ??= new Map();
      let next = node.children.get(segment);
      if (next === undefined) {
        next = { aliasOnly: false };
        node.children.set(segment, next);
      }
      node = next;
      trail.push(node);
    }
    node.lift = { segments: dest.split('.'), dest, kind };
    for (const ancestor of trail) leaves.set(ancestor, [...(leaves.get(ancestor) ?? []), path !== dest]);
  }
  for (const [node, aliases] of leaves) node.aliasOnly = aliases.every((alias) => alias);
  return root;
}

function ruleFor(node: RuleNode, key: string): RuleNode | undefined {
  const direct = node.children?.get(key);
  if (direct !== undefined || !key.includes('.')) return direct;
  const known = node.dotted?.get(key);
  if (known !== undefined) return known ?? undefined;
  const found = walkDotted(node, key);
  node.dotted ??= new Map();
  if (node.dotted.size < DOTTED_MEMO_LIMIT) node.dotted.set(key, found ?? null);
  return found;
}

/** A dotted key (`log.level`, `service.name`) walks the tree like the nested object would. */
function walkDotted(node: RuleNode, key: string): RuleNode | undefined {
  let current: RuleNode | undefined = node;
  for (const segment of key.split('.')) {
    current = current.children?.get(segment);
    if (current === undefined) return undefined;
  }
  return current;
}

/** pino and bunyan write levels as numbers. */
const NUMERIC_LEVELS: ReadonlyMap<number, string> = new Map([[10, 'trace'], [20, 'debug'], [30, 'info'], [40, 'warn'], [50, 'error'], [60, 'fatal']]);

/**
 * The kind of value a top-level key of a JSON message is lifted as (`date` for `@timestamp`, `level` for
 * `level` and `log.level`, …), or undefined when the key is never lifted as it stands. For the record
 * templates of ../collector/json-layout-records.ts, which must know where a value is converted.
 */
export function liftKindOf(key: string): Kind | undefined {
  return ruleFor(RULES, key)?.lift?.kind;
}

/** What a numeric level becomes when lifted (pino's and bunyan's numbers as names). */
export function numericLevelName(level: number): string {
  return NUMERIC_LEVELS.get(level) ?? String(level);
}

export interface JsonMessage {
  /** The record fields the message contributes (nested), `json` included; empty when not ok. */
  readonly fields: LogRecord;
  /** The message was a JSON object. */
  readonly ok: boolean;
}

export function mergeJsonMessage(message: string): JsonMessage {
  // Most messages are not JSON: decide by their ends before copying anything.
  const text = message.charCodeAt(0) === 0x7b && message.charCodeAt(message.length - 1) === 0x7d ? message : message.trim();
  if (text.charCodeAt(0) !== 0x7b /* { */ || text.charCodeAt(text.length - 1) !== 0x7d /* } */) return { fields: {}, ok: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { fields: {}, ok: false };
  }
  if (!isPlainObject(parsed)) return { fields: {}, ok: false };
  const fields: FieldObject = {};
  const rest = lift(parsed, RULES, fields, []);
  if (hasKeys(rest)) fields.json = rest;
  return { fields, ok: true };
}

/** Moves lifted leaves of `source` into `fields`; returns what is left, nested as it was. */
function lift(source: FieldObject, rules: RuleNode, fields: FieldObject, placed: string[]): FieldObject {
  const rest: FieldObject = {};
  let later: Array<[string, RuleNode]> | undefined;
  for (const key of Object.keys(source)) {
    const rule = ruleFor(rules, key);
    if (rule === undefined) put(rest, key, source[key]);
    else if (rule.aliasOnly) (later ??= []).push([key, rule]);
    else liftOne(source, key, rule, rest, fields, placed);
  }
  if (later !== undefined) for (const [key, rule] of later) liftOne(source, key, rule, rest, fields, placed);
  return rest;
}

function liftOne(source: FieldObject, key: string, rule: RuleNode, rest: FieldObject, fields: FieldObject, placed: string[]): void {
  const value = source[key];
  const lifted = rule.lift;
  if (lifted !== undefined && !placed.includes(lifted.dest)) {
    const converted = convert(value, lifted.kind);
    if (converted !== undefined) {
      setPathSegments(fields, lifted.segments, converted);
      placed.push(lifted.dest);
      return;
    }
  }
  if (rule.children !== undefined && isPlainObject(value)) {
    const left = lift(value, rule, fields, placed);
    if (hasKeys(left)) put(rest, key, left);
    return;
  }
  put(rest, key, value);
}

function hasKeys(object: FieldObject): boolean {
  for (const _ in object) return true;
  return false;
}

/** Defines rather than assigns, so a key named `__proto__` stays data instead of replacing the prototype. */
function put(target: FieldObject, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
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
      if (typeof value === 'number' && Number.isFinite(value)) return numericLevelName(value);
      return undefined;
    case 'keywords':
      if (typeof value === 'string') return [value];
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
  }
}
