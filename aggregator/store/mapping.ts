/**
 * Dynamic mapping, as Elasticsearch does it: a document is flattened to dotted leaf paths (dotted keys and
 * nested objects are the same thing), each value is checked against the index's mapping, and unmapped
 * fields get a type from the dynamic templates or from the JSON type (string → text + `.keyword`,
 * ISO date string → date, integer → long, decimal → float, boolean → boolean).
 *
 * `analyzeDocument` is pure: it either returns the typed values and the mapping additions the document
 * needs, or a per-document error in ES's words. Nothing is changed until the caller applies it, so a
 * rejected document never adds a field.
 */
import type { FieldMapping, IndexInfo, LeafKind, Mappings } from './catalog.ts';
import { kindOf } from './catalog.ts';
import { looksLikeDate, parseDateValue } from './dates.ts';
import { wildcardToRegExp } from './wildcard.ts';
import type { JsonObject } from './types.ts';

export type ColumnValue = string | number;

export interface TypedField {
  readonly path: string;
  readonly kind: LeafKind;
  readonly values: ColumnValue[];
  readonly isArray: boolean;
}

export interface NewField {
  readonly path: string;
  readonly mapping: FieldMapping;
}

export interface AnalyzedDoc {
  readonly fields: TypedField[];
  readonly newFields: NewField[];
  readonly timestamp: number | null;
}

export interface DocError {
  readonly status: number;
  readonly type: string;
  readonly reason: string;
}

const isPlainObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Flattens a document: path → concrete values (arrays and arrays of objects flattened), plus object paths. */
export function flattenDocument(doc: JsonObject): { leaves: Map<string, { values: unknown[]; isArray: boolean }>; objects: Set<string> } {
  const leaves = new Map<string, { values: unknown[]; isArray: boolean }>();
  const objects = new Set<string>();
  const add = (path: string, value: unknown, isArray: boolean): void => {
    if (value === null || value === undefined) return;
    if (isPlainObject(value)) {
      objects.add(path);
      walk(value, path);
      return;
    }
    if (Array.isArray(value)) {
      for (const v of value) add(path, v, true);
      return;
    }
    const entry = leaves.get(path);
    if (entry === undefined) leaves.set(path, { values: [value], isArray });
    else {
      entry.values.push(value);
      entry.isArray = true;
    }
  };
  const walk = (obj: JsonObject, prefix: string): void => {
    for (const key of Object.keys(obj)) add(prefix === '' ? key : `${prefix}.${key}`, obj[key], false);
  };
  walk(doc, '');
  return { leaves, objects };
}

type Lookup =
  | { readonly found: 'leaf'; readonly mapping: FieldMapping; readonly parentPath?: string }
  | { readonly found: 'object'; readonly dynamic: boolean | string | undefined }
  | { readonly found: 'missing'; readonly dynamic: boolean | string | undefined; readonly parent: string }
  | { readonly found: 'under-leaf'; readonly at: string; readonly type: string };

const lookupCache = new WeakMap<Mappings, Map<string, Lookup>>();

/** Forgets cached lookups after the mapping tree changed in place. */
export function invalidateLookups(mappings: Mappings): void {
  lookupCache.delete(mappings);
  pathTrees.delete(mappings);
}

/** Finds a path in the mapping tree (cached per tree until `invalidateLookups`). */
export function lookupPath(mappings: Mappings, path: string): Lookup {
  let cache = lookupCache.get(mappings);
  if (cache === undefined) {
    cache = new Map();
    lookupCache.set(mappings, cache);
  }
  let found = cache.get(path);
  if (found === undefined) {
    found = lookupPathUncached(mappings, path);
    if (cache.size < 100_000) cache.set(path, found);
  }
  return found;
}

/** Finds a path in the mapping tree, following `properties` and multi-field `fields`. */
function lookupPathUncached(mappings: Mappings, path: string): Lookup {
  const segments = path.split('.');
  let props = mappings.properties;
  let dynamic = mappings.dynamic;
  let parent = '_doc';
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const m = props?.[seg];
    const here = segments.slice(0, i + 1).join('.');
    if (m === undefined) return { found: 'missing', dynamic, parent };
    const isObject = m.properties !== undefined || m.type === undefined || m.type === 'object' || m.type === 'nested';
    if (isObject) {
      if (m.dynamic !== undefined) dynamic = m.dynamic as boolean | string;
      props = m.properties;
      parent = here;
      if (i === segments.length - 1) return { found: 'object', dynamic };
      continue;
    }
    if (i === segments.length - 1) return { found: 'leaf', mapping: m };
    // A multi-field (`message.keyword`) is a leaf below a leaf.
    const sub = m.fields?.[segments.slice(i + 1).join('.')];
    if (sub !== undefined) return { found: 'leaf', mapping: sub, parentPath: here };
    return { found: 'under-leaf', at: here, type: m.type ?? 'object' };
  }
  return { found: 'object', dynamic };
}

/** Coerces a JSON value to a column value of a kind, as ES's default `coerce: true` does; undefined = refused. */
export function coerceValue(kind: LeafKind, raw: unknown, format?: string): ColumnValue | undefined {
  switch (kind) {
    case 'keyword':
    case 'text':
      if (typeof raw === 'string') return raw;
      if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
      return undefined;
    case 'long': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : NaN;
      return Number.isFinite(n) ? Math.trunc(n) : undefined;
    }
    case 'double': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      return Number.isFinite(n) ? n : undefined;
    }
    case 'boolean':
      if (raw === true || raw === 'true') return 1;
      if (raw === false || raw === 'false' || raw === '') return 0;
      return undefined;
    case 'date':
      return parseDateValue(raw, 'UTC', format);
    case 'ip':
      return typeof raw === 'string' && isIp(raw) ? raw : undefined;
  }
}

export function isIp(text: string): boolean {
  if (/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(text)) return true;
  return text.includes(':') && /^[0-9a-fA-F:.]+$/.test(text) && text.split('::').length <= 2;
}

function dynamicTypeOf(value: unknown, dateDetection: boolean): string {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'long' : 'double';
  if (typeof value === 'string' && dateDetection && looksLikeDate(value)) return 'date';
  return 'string';
}

function defaultMappingFor(dynamicType: string): FieldMapping {
  switch (dynamicType) {
    case 'boolean': return { type: 'boolean' };
    case 'long': return { type: 'long' };
    case 'double': return { type: 'float' };
    case 'date': return { type: 'date' };
    default: return { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } };
  }
}

function fromDynamicTemplates(mappings: Mappings, path: string, dynamicType: string): FieldMapping | undefined {
  const name = path.slice(path.lastIndexOf('.') + 1);
  for (const entry of mappings.dynamic_templates ?? []) {
    for (const spec of Object.values(entry)) {
      const s = spec as { match_mapping_type?: string | string[]; match?: string | string[]; unmatch?: string | string[]; path_match?: string | string[]; path_unmatch?: string | string[]; mapping?: FieldMapping };
      const list = (v: string | string[] | undefined): string[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);
      const mmt = list(s.match_mapping_type);
      if (mmt !== undefined && !mmt.includes('*') && !mmt.includes(dynamicType) && !(dynamicType === 'date' && mmt.includes('string'))) continue;
      const any = (patterns: string[] | undefined, value: string): boolean => (patterns ?? []).some((p) => wildcardToRegExp(p).test(value));
      if (s.match !== undefined && !any(list(s.match), name)) continue;
      if (s.unmatch !== undefined && any(list(s.unmatch), name)) continue;
      if (s.path_match !== undefined && !any(list(s.path_match), path)) continue;
      if (s.path_unmatch !== undefined && any(list(s.path_unmatch), path)) continue;
      if (s.mapping === undefined) continue;
      const esDynamic = dynamicType === 'double' ? 'float' : dynamicType === 'string' ? 'text' : dynamicType;
      const text = JSON.stringify(s.mapping).replaceAll('{dynamic_type}', esDynamic).replaceAll('{name}', name);
      const m = JSON.parse(text) as FieldMapping;
      if (m.type === undefined) m.type = esDynamic === 'text' ? 'text' : esDynamic;
      return m;
    }
  }
  return undefined;
}

/** Approximate `[line:column]` of a field in the compact JSON of the document, for error messages. */
function position(doc: JsonObject, path: string): string {
  const text = JSON.stringify(doc);
  const key = `"${path.slice(path.lastIndexOf('.') + 1)}":`;
  const at = text.indexOf(key);
  return `[1:${at === -1 ? 1 : at + key.length + 1}]`;
}

function preview(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * A tree of the paths seen in documents of one mapping tree, for flattening without building path strings
 * or hashing them per document: an edge per object key, a node per dotted path (`{"a.b": 1}` and
 * `{"a": {"b": 1}}` reach the same node), each with its mapping lookup cached. Values of one document are
 * collected on the nodes, stamped with the document's generation. Dropped with the lookup cache when the
 * mapping tree changes (`invalidateLookups`).
 */
interface PathNode {
  readonly path: string;
  readonly children: Map<string, PathNode>;
  lookup: Lookup | undefined;
  leafGen: number;
  objectGen: number;
  values: unknown[];
  isArray: boolean;
}

interface PathTree {
  readonly root: PathNode;
  readonly byPath: Map<string, PathNode>;
}

const MAX_TREE_PATHS = 100_000;
const pathTrees = new WeakMap<Mappings, PathTree>();
let generation = 0;

const newNode = (path: string): PathNode => ({ path, children: new Map(), lookup: undefined, leafGen: 0, objectGen: 0, values: [], isArray: false });

function pathTree(mappings: Mappings): PathTree {
  let tree = pathTrees.get(mappings);
  if (tree === undefined || tree.byPath.size > MAX_TREE_PATHS) {
    tree = { root: newNode(''), byPath: new Map() };
    pathTrees.set(mappings, tree);
  }
  return tree;
}

function childOf(tree: PathTree, parent: PathNode, key: string, isRoot: boolean): PathNode {
  let child = parent.children.get(key);
  if (child === undefined) {
    const path = isRoot ? key : `${parent.path}.${key}`;
    child = tree.byPath.get(path);
    if (child === undefined) {
      child = newNode(path);
      tree.byPath.set(path, child);
    }
    parent.children.set(key, child);
  }
  return child;
}

/** flattenDocument's result as path-tree nodes, in first-seen order (same grouping and order). */
function flattenToNodes(tree: PathTree, doc: JsonObject): { leaves: PathNode[]; objects: PathNode[] } {
  const gen = ++generation;
  const leaves: PathNode[] = [];
  const objects: PathNode[] = [];
  const add = (node: PathNode, value: unknown, isArray: boolean): void => {
    if (value === null || value === undefined) return;
    if (typeof value === 'object') {
      if (Array.isArray(value)) {
        for (const v of value) add(node, v, true);
        return;
      }
      if (node.objectGen !== gen) {
        node.objectGen = gen;
        objects.push(node);
      }
      walk(value as JsonObject, node, false);
      return;
    }
    if (node.leafGen !== gen) {
      node.leafGen = gen;
      node.values = [value];
      node.isArray = isArray;
      leaves.push(node);
    } else {
      node.values.push(value);
      node.isArray = true;
    }
  };
  const walk = (obj: JsonObject, node: PathNode, isRoot: boolean): void => {
    for (const key of Object.keys(obj)) add(childOf(tree, node, key, isRoot), obj[key], false);
  };
  walk(doc, tree.root, true);
  return { leaves, objects };
}

/** Checks and types a document against an index's mapping (see the file comment). */
export function analyzeDocument(index: Pick<IndexInfo, 'mappings'>, doc: JsonObject, id: string): AnalyzedDoc | DocError {
  const mappings = index.mappings;
  const tree = pathTree(mappings);
  const { leaves, objects } = flattenToNodes(tree, doc);
  const dateDetection = mappings.date_detection !== false;
  const fields: TypedField[] = [];
  const newFields: NewField[] = [];
  let timestamp: number | null = null;
  const fail = (type: string, reason: string): DocError => ({ status: 400, type, reason });
  for (const node of objects) {
    const found = (node.lookup ??= lookupPath(mappings, node.path));
    if (found.found === 'leaf') {
      const path = node.path;
      return fail('document_parsing_exception', `${position(doc, path)} failed to parse field [${path}] of type [${found.mapping.type ?? 'object'}] in document with id '${id}'. Preview of field's value: '${preview(valueAt(doc, path))}'`);
    }
  }
  for (const node of leaves) {
    const { path, values, isArray } = node;
    const found = (node.lookup ??= lookupPath(mappings, path));
    let mapping: FieldMapping;
    if (found.found === 'leaf') {
      mapping = found.mapping;
    } else if (found.found === 'object') {
      return fail('document_parsing_exception', `${position(doc, path)} object mapping for [${path}] tried to parse field [${path}] as object, but found a concrete value`);
    } else if (found.found === 'under-leaf') {
      return fail('document_parsing_exception', `${position(doc, path)} Could not dynamically add mapping for field [${path}]. Existing mapping for [${found.at}] must be of type object but found [${found.type}].`);
    } else {
      const dynamic = found.dynamic;
      if (dynamic === 'strict') {
        return fail('strict_dynamic_mapping_exception', `${position(doc, path)} mapping set to strict, dynamic introduction of [${path.slice(path.lastIndexOf('.') + 1)}] within [${found.parent}] is not allowed`);
      }
      if (dynamic === false || dynamic === 'false' || dynamic === 'runtime') continue;
      const pending = newFields.find((f) => f.path === path);
      const dynamicType = dynamicTypeOf(values[0], dateDetection);
      mapping = pending?.mapping ?? fromDynamicTemplates(mappings, path, dynamicType) ?? defaultMappingFor(dynamicType);
      if (pending === undefined) newFields.push({ path, mapping });
    }
    const kind = kindOf(mapping.type);
    if (kind === undefined) continue; // types logship keeps in _source only (geo_point, binary, …)
    const typed: ColumnValue[] = [];
    for (const raw of values) {
      const v = coerceValue(kind, raw, mapping.format);
      if (v === undefined) {
        if (mapping.ignore_malformed === true) continue;
        return fail('document_parsing_exception', `${position(doc, path)} failed to parse field [${path}] of type [${mapping.type}] in document with id '${id}'. Preview of field's value: '${preview(raw)}'`);
      }
      typed.push(v);
    }
    if (typed.length === 0) continue;
    if (timestamp === null && kind === 'date' && path === '@timestamp') timestamp = typed[0] as number;
    fields.push({ path, kind, values: typed, isArray });
  }
  return { fields, newFields, timestamp };
}

function valueAt(doc: JsonObject, path: string): unknown {
  if (path in doc) return doc[path];
  const dot = path.indexOf('.');
  if (dot === -1) return undefined;
  const head = doc[path.slice(0, dot)];
  return isPlainObject(head) ? valueAt(head, path.slice(dot + 1)) : undefined;
}

/** Adds a leaf mapping at a dotted path, creating the intermediate objects. */
export function addFieldMapping(mappings: Mappings, path: string, mapping: FieldMapping): void {
  invalidateLookups(mappings);
  const segments = path.split('.');
  let props = (mappings.properties ??= {});
  for (let i = 0; i < segments.length - 1; i++) {
    const seg = segments[i]!;
    const node = (props[seg] ??= { properties: {} });
    props = node.properties ??= {};
  }
  props[segments[segments.length - 1]!] = mapping;
}

/** Merges explicit mappings (from a template or `PUT _mapping`) into existing ones; conflicts throw. */
export function mergeMappings(target: Mappings, source: Mappings): void {
  invalidateLookups(target);
  for (const [key, value] of Object.entries(source)) {
    if (key === 'properties') continue;
    if (key === 'dynamic_templates' && Array.isArray(value)) target.dynamic_templates = [...(target.dynamic_templates ?? []), ...(value as Array<Record<string, JsonObject>>)];
    else target[key] = value;
  }
  const mergeProps = (into: Record<string, FieldMapping>, from: Record<string, FieldMapping>, prefix: string): void => {
    for (const [name, m] of Object.entries(from)) {
      if (name.includes('.')) {
        // `{"properties": {"a.b": {...}}}` is `a` → `b`.
        const dot = name.indexOf('.');
        const head = name.slice(0, dot);
        const holder = (into[head] ??= { properties: {} });
        mergeProps((holder.properties ??= {}), { [name.slice(dot + 1)]: m }, `${prefix}${head}.`);
        continue;
      }
      const existing = into[name];
      if (existing === undefined) {
        into[name] = structuredClone(m);
        continue;
      }
      const existingIsObject = existing.properties !== undefined || existing.type === undefined || existing.type === 'object';
      const newIsObject = m.properties !== undefined || m.type === undefined || m.type === 'object';
      if (existingIsObject && newIsObject) {
        mergeProps((existing.properties ??= {}), m.properties ?? {}, `${prefix}${name}.`);
        continue;
      }
      if (existing.type !== m.type) {
        throw new MappingConflict(`mapper [${prefix}${name}] cannot be changed from type [${existing.type ?? 'object'}] to [${m.type ?? 'object'}]`);
      }
      into[name] = { ...existing, ...m, fields: { ...(existing.fields ?? {}), ...(m.fields ?? {}) } };
      if (Object.keys(into[name].fields ?? {}).length === 0) delete into[name].fields;
    }
  };
  mergeProps((target.properties ??= {}), source.properties ?? {}, '');
}

export class MappingConflict extends Error {}

/** Leaf paths (including multi-fields) declared by a mapping tree, with their mappings. */
export function mappedLeafPaths(mappings: Mappings): Array<{ path: string; mapping: FieldMapping; parent?: string }> {
  const out: Array<{ path: string; mapping: FieldMapping; parent?: string }> = [];
  const walk = (props: Record<string, FieldMapping> | undefined, prefix: string): void => {
    for (const [name, m] of Object.entries(props ?? {})) {
      const path = prefix + name;
      if (m.properties !== undefined || m.type === undefined || m.type === 'object' || m.type === 'nested') {
        walk(m.properties, `${path}.`);
        continue;
      }
      out.push({ path, mapping: m });
      for (const [sub, sm] of Object.entries(m.fields ?? {})) out.push({ path: `${path}.${sub}`, mapping: sm, parent: path });
    }
  };
  walk(mappings.properties, '');
  return out;
}
