/**
 * Index names and patterns as Elasticsearch reads them: name validation, and resolution of
 * `a,b*,-b2,_all` patterns against the catalog's indices and data streams.
 */
import type { Catalog, IndexInfo } from './catalog.ts';
import { hasWildcard, wildcardToRegExp } from './wildcard.ts';
import { EsError } from './types.ts';

/** Undefined when valid, else ES's reason. */
export function validateIndexName(name: string): string | undefined {
  if (name !== name.toLowerCase()) return `Invalid index name [${name}], must be lowercase`;
  if (/[\\/*?"<>| ,#:]/.test(name)) return `Invalid index name [${name}], must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?, #, :]`;
  if (/^[-_+]/.test(name)) return `Invalid index name [${name}], must not start with '_', '-', or '+'`;
  if (name === '.' || name === '..') return `Invalid index name [${name}], must not be '.' or '..'`;
  if (Buffer.byteLength(name) > 255) return `Invalid index name [${name}], index name is too long, (${Buffer.byteLength(name)} > 255)`;
  if (name === '') return 'Invalid index name [], must not be empty';
  return undefined;
}

export interface Resolved {
  readonly indices: IndexInfo[];
  /** Data streams named or matched by the pattern. */
  readonly dataStreams: string[];
}

export interface ResolveOptions {
  readonly ignoreUnavailable?: boolean;
  readonly allowNoIndices?: boolean;
  /** Include hidden indices (backing indices, dot-names) in wildcard matches. */
  readonly expandHidden?: boolean;
}

export function notFound(name: string): EsError {
  return new EsError(404, 'index_not_found_exception', `no such index [${name}]`, { 'resource.type': 'index_or_alias', 'resource.id': name, index_uuid: '_na_', index: name });
}

export function resolvePattern(catalog: Catalog, pattern: string | undefined, options: ResolveOptions = {}): Resolved {
  const selected = new Map<string, IndexInfo>();
  const streams = new Set<string>();
  const parts = (pattern === undefined || pattern === '' ? '_all' : pattern).split(',').map((p) => p.trim()).filter((p) => p !== '');
  let sawWildcard = false;
  for (const part of parts) {
    if (part.startsWith('-') && sawWildcard) {
      const re = wildcardToRegExp(part.slice(1));
      for (const name of [...selected.keys()]) if (re.test(name) || (selected.get(name)?.dataStream !== null && re.test(selected.get(name)!.dataStream!))) selected.delete(name);
      for (const s of [...streams]) if (re.test(s)) streams.delete(s);
      continue;
    }
    if (part === '_all' || hasWildcard(part)) {
      sawWildcard = true;
      const re = part === '_all' ? /^[\s\S]*$/ : wildcardToRegExp(part);
      const showHidden = options.expandHidden === true || part.startsWith('.');
      for (const index of catalog.indices.values()) {
        if (index.dataStream !== null && !showHidden) continue;
        if (index.hidden && !showHidden) continue;
        if (re.test(index.name)) selected.set(index.name, index);
      }
      for (const stream of catalog.dataStreams.values()) {
        if (!re.test(stream.name)) continue;
        streams.add(stream.name);
        const backing = catalog.indices.get(stream.backingIndex);
        if (backing !== undefined) selected.set(backing.name, backing);
      }
      continue;
    }
    const stream = catalog.dataStreams.get(part);
    if (stream !== undefined) {
      streams.add(part);
      const backing = catalog.indices.get(stream.backingIndex);
      if (backing !== undefined) selected.set(backing.name, backing);
      continue;
    }
    const index = catalog.indices.get(part);
    if (index !== undefined) selected.set(index.name, index);
    else if (options.ignoreUnavailable !== true) throw notFound(part);
  }
  if (selected.size === 0 && options.allowNoIndices === false) throw notFound(pattern ?? '_all');
  return { indices: [...selected.values()].sort((a, b) => a.id - b.id), dataStreams: [...streams] };
}
