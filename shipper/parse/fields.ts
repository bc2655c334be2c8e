/**
 * Small helpers for nested records: Elasticsearch stores `_source` nested
 * (`{ http: { request: { method } } }`), while conventions and config speak in dotted paths
 * (`http.request.method`). These helpers translate between the two.
 */
import type { LogRecord } from '../record.ts';

export type FieldObject = { [field: string]: unknown };

export function isPlainObject(value: unknown): value is FieldObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Sets `value` at `path` (already split into segments), creating intermediate objects.
 * Mutates `target`: meant for a record being built, before anyone else has seen it.
 * A segment that holds a non-object is replaced, because the newer, deeper field is the one a
 * parser or config asked for explicitly.
 */
export function setPathSegments(target: FieldObject, segments: readonly string[], value: unknown): void {
  let node = target;
  const last = segments.length - 1;
  for (let i = 0; i < last; i++) {
    const key = segments[i]!;
    const child = node[key];
    if (isPlainObject(child)) {
      node = child;
    } else {
      const created: FieldObject = {};
      node[key] = created;
      node = created;
    }
  }
  node[segments[last]!] = value;
}

/** Sets `value` at a dotted `path` (`http.request.method`), creating intermediate objects. Mutates `target`. */
export function setPath(target: FieldObject, path: string, value: unknown): void {
  setPathSegments(target, path.split('.'), value);
}

/** Reads the value at a dotted path, or `undefined` when any step is missing. */
export function getPath(source: FieldObject, path: string): unknown {
  let node: unknown = source;
  for (const key of path.split('.')) {
    if (!isPlainObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

/**
 * Turns `{ 'a.b': 1, c: 2 }` into `{ a: { b: 1 }, c: 2 }`. Keys are split on every dot, so keys
 * whose dots are meaningful (Kubernetes label keys) must be sanitised before they get here.
 */
export function nestDottedKeys(flat: Readonly<Record<string, unknown>>): FieldObject {
  const nested: FieldObject = {};
  for (const [path, value] of Object.entries(flat)) setPath(nested, path, value);
  return nested;
}

/**
 * Returns a new record with `fields` merged in, without touching either input: objects on the
 * merged paths are copied, everything else is shared. Leaves from `fields` win, except where one
 * side holds an object and the other a scalar: then the record's value stays, because replacing
 * `message: "…"` by `message: { … }` (or the reverse) would turn a document into a mapping conflict.
 */
export function mergeFields(record: LogRecord, fields: FieldObject): LogRecord {
  const merged: FieldObject = { ...record };
  for (const [key, value] of Object.entries(fields)) {
    const existing = merged[key];
    if (existing === undefined) {
      merged[key] = value;
    } else if (isPlainObject(existing) && isPlainObject(value)) {
      merged[key] = mergeFields(existing, value);
    } else if (!isPlainObject(existing) && !isPlainObject(value)) {
      merged[key] = value;
    }
  }
  return merged;
}

/** Freezes an object graph, so a value shared by many records cannot be changed through one of them. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
