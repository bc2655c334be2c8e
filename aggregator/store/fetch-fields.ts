/**
 * The `fields` and `docvalue_fields` options of a search: values of mapped fields, flattened to dotted
 * names with arrays, dates rendered per `format` (ISO by default). `include_unmapped` adds fields the
 * mapping does not know. Multi-fields (`message.keyword`) are reported with their parent's value.
 */
import type { IndexInfo } from './catalog.ts';
import { formatDateAs, parseDateValue } from './dates.ts';
import { flattenDocument } from './mapping.ts';
import { wildcardToRegExp } from './wildcard.ts';
import type { JsonObject } from './types.ts';

interface FieldRequest {
  readonly pattern: RegExp;
  readonly format?: string;
  readonly includeUnmapped: boolean;
}

function parseRequests(raw: unknown): FieldRequest[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((item) => {
    if (typeof item === 'string') return { pattern: wildcardToRegExp(item), includeUnmapped: false };
    const o = item as JsonObject;
    return {
      pattern: wildcardToRegExp(String(o.field ?? '')), includeUnmapped: o.include_unmapped === true || o.include_unmapped === 'true',
      ...(typeof o.format === 'string' ? { format: o.format } : {}),
    };
  });
}

export function fetchFields(source: JsonObject, index: IndexInfo, fields: unknown, docvalueFields: unknown): JsonObject | undefined {
  const requests = [...parseRequests(fields), ...parseRequests(docvalueFields)];
  if (requests.length === 0) return undefined;
  const { leaves } = flattenDocument(source);
  const out: JsonObject = {};
  for (const [path, { values }] of leaves) {
    const leaf = index.fields.get(path);
    const request = requests.find((r) => r.pattern.test(path) && (leaf !== undefined || r.includeUnmapped));
    const render = (format: string | undefined): unknown[] => values.map((v) => {
      if (leaf?.kind === 'date') {
        const ms = parseDateValue(v, 'UTC', leaf.format);
        return ms === undefined ? v : formatDateAs(ms, format);
      }
      if (leaf?.kind === 'boolean') return v === true || v === 'true';
      return v;
    });
    if (request !== undefined) out[path] = render(request.format);
    for (const sub of index.fields.values()) {
      if (!sub.path.startsWith(`${path}.`) || sub.path.slice(path.length + 1).includes('.')) continue;
      const subRequest = requests.find((r) => r.pattern.test(sub.path));
      if (subRequest !== undefined && leaves.get(sub.path) === undefined) out[sub.path] = values.map(String);
    }
  }
  return out;
}
