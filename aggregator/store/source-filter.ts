/**
 * `_source` filtering: `false`, `true`, a pattern or list of patterns, or `{includes, excludes}`, and the
 * `_source`, `_source_includes`, `_source_excludes` query parameters. Patterns match dotted paths with
 * wildcards; a pattern naming an object keeps the whole object.
 */
import { wildcardToRegExp } from './wildcard.ts';
import type { JsonObject } from './types.ts';

export type SourceFilter = false | { includes: string[]; excludes: string[] };

const asList = (v: unknown): string[] => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter((s) => s !== '') : Array.isArray(v) ? v.map(String) : []);

export function parseSourceFilter(body: unknown, params: Readonly<Record<string, string>>): SourceFilter {
  let includes: string[] = [];
  let excludes: string[] = [];
  const fromParam = params._source;
  if (fromParam === 'false') return false;
  if (fromParam !== undefined && fromParam !== 'true') includes = asList(fromParam);
  else if (body === false) return false;
  else if (typeof body === 'string' || Array.isArray(body)) includes = asList(body);
  else if (typeof body === 'object' && body !== null) {
    const b = body as JsonObject;
    includes = asList(b.includes ?? b.include);
    excludes = asList(b.excludes ?? b.exclude);
  }
  if (params._source_includes !== undefined) includes = asList(params._source_includes);
  if (params._source_excludes !== undefined) excludes = asList(params._source_excludes);
  return { includes, excludes };
}

function matches(patterns: string[], path: string): boolean {
  return patterns.some((p) => wildcardToRegExp(p).test(path) || path.startsWith(`${p}.`));
}

function couldMatchBelow(patterns: string[], path: string): boolean {
  return patterns.some((p) => p.startsWith(`${path}.`) || p.includes('*'));
}

export function filterSource(source: JsonObject, filter: SourceFilter): JsonObject {
  if (filter === false) return {};
  if (filter.includes.length === 0 && filter.excludes.length === 0) return source;
  const walk = (obj: JsonObject, prefix: string): JsonObject => {
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(obj)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      if (filter.excludes.length > 0 && matches(filter.excludes, path)) continue;
      const included = filter.includes.length === 0 || matches(filter.includes, path);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        if (included && filter.excludes.length === 0) out[key] = value;
        else if (included || couldMatchBelow(filter.includes, path)) {
          const inner = walk(value as JsonObject, path);
          if (Object.keys(inner).length > 0 || (included && Object.keys(value).length === 0)) out[key] = inner;
        }
      } else if (included) out[key] = value;
    }
    return out;
  };
  return walk(source, '');
}
