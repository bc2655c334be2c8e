/**
 * Highlighting of the terms a query searched for, in the hit's `_source` values, with ES's defaults:
 * `<em>` tags, fragments of 100 characters, at most 5 per field; `require_field_match` limits terms to the
 * fields they were searched in. Fragments are cut around matches; a large `fragment_size` (as Kibana
 * sends) returns the whole value highlighted.
 */
import type { IndexInfo } from './catalog.ts';
import { tokenSpans, tokenize } from './analyze.ts';
import type { Query } from './query/ast.ts';
import { sourceStrings } from './sql-functions.ts';
import { hasWildcard, wildcardToRegExp } from './wildcard.ts';
import type { JsonObject } from './types.ts';

export interface HighlightSpec {
  readonly pre: string;
  readonly post: string;
  readonly fields: Array<{ pattern: string; fragmentSize: number; fragments: number }>;
  readonly requireFieldMatch: boolean;
}

export function parseHighlight(raw: unknown): HighlightSpec | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const h = raw as JsonObject;
  const pre = Array.isArray(h.pre_tags) && typeof h.pre_tags[0] === 'string' ? h.pre_tags[0] : '<em>';
  const post = Array.isArray(h.post_tags) && typeof h.post_tags[0] === 'string' ? h.post_tags[0] : '</em>';
  const defaultSize = typeof h.fragment_size === 'number' ? h.fragment_size : 100;
  const defaultCount = typeof h.number_of_fragments === 'number' ? h.number_of_fragments : 5;
  const list = Array.isArray(h.fields) ? h.fields.flatMap((f) => Object.entries(f as JsonObject)) : Object.entries((h.fields as JsonObject | undefined) ?? {});
  return {
    pre, post, requireFieldMatch: h.require_field_match !== false,
    fields: list.map(([pattern, opts]) => {
      const o = (opts ?? {}) as JsonObject;
      return { pattern, fragmentSize: typeof o.fragment_size === 'number' ? o.fragment_size : defaultSize, fragments: typeof o.number_of_fragments === 'number' ? o.number_of_fragments : defaultCount };
    }),
  };
}

type Matcher = { fields: string[]; test: (token: string) => boolean; whole?: string };

function collect(q: Query, out: Matcher[]): void {
  switch (q.t) {
    case 'bool':
      for (const c of [...q.must, ...q.filter, ...q.should]) collect(c, out);
      return;
    case 'match': {
      const tokens = new Set(tokenize(String(q.query)));
      const last = [...tokens].pop();
      out.push({ fields: q.fields, test: (t) => tokens.has(t) || (q.kind === 'phrase_prefix' && last !== undefined && t.startsWith(last)), whole: String(q.query) });
      return;
    }
    case 'term': {
      const tokens = new Set(tokenize(String(q.value)));
      out.push({ fields: [q.field], test: (t) => tokens.has(t), whole: String(q.value) });
      return;
    }
    case 'terms':
      for (const v of q.values) collect({ t: 'term', field: q.field, value: v, ci: false }, out);
      return;
    case 'prefix': {
      const p = q.value.toLowerCase();
      out.push({ fields: [q.field], test: (t) => t.startsWith(p) });
      return;
    }
    case 'wildcard': {
      const re = wildcardToRegExp(q.value.toLowerCase());
      out.push({ fields: [q.field], test: (t) => re.test(t) });
      return;
    }
    default:
  }
}

function fieldMatches(patterns: string[], field: string): boolean {
  return patterns.some((p) => p === '*' || p === field || (hasWildcard(p) && wildcardToRegExp(p.replace(/\^[\d.]+$/, '')).test(field)));
}

export function highlightHit(source: JsonObject, index: IndexInfo, q: Query, spec: HighlightSpec): JsonObject | undefined {
  const matchers: Matcher[] = [];
  collect(q, matchers);
  if (matchers.length === 0) return undefined;
  const out: JsonObject = {};
  for (const leaf of index.fields.values()) {
    if (leaf.kind !== 'text' && leaf.kind !== 'keyword') continue;
    if (!spec.fields.some((f) => f.pattern === leaf.path || (hasWildcard(f.pattern) && wildcardToRegExp(f.pattern).test(leaf.path)))) continue;
    const fieldSpec = spec.fields.find((f) => f.pattern === leaf.path) ?? spec.fields.find((f) => wildcardToRegExp(f.pattern).test(leaf.path))!;
    const relevant = matchers.filter((m) => !spec.requireFieldMatch || fieldMatches(m.fields, leaf.path));
    if (relevant.length === 0) continue;
    const values = sourceStrings(JSON.stringify(source), leaf.path);
    const fragments: string[] = [];
    for (const value of values) {
      if (leaf.kind === 'keyword') {
        if (relevant.some((m) => m.whole === value)) fragments.push(`${spec.pre}${value}${spec.post}`);
        continue;
      }
      const spans = tokenSpans(value).filter((s) => relevant.some((m) => m.test(s.token)));
      if (spans.length === 0) continue;
      fragments.push(...fragmentsOf(value, spans, spec, fieldSpec.fragmentSize, fieldSpec.fragments));
    }
    if (fragments.length > 0) out[leaf.path] = fragments.slice(0, Math.max(fieldSpec.fragments, 1));
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

function fragmentsOf(value: string, spans: Array<{ start: number; end: number }>, spec: HighlightSpec, size: number, count: number): string[] {
  const mark = (from: number, to: number): string => {
    let text = '';
    let at = from;
    for (const s of spans) {
      if (s.start < from || s.end > to) continue;
      text += value.slice(at, s.start) + spec.pre + value.slice(s.start, s.end) + spec.post;
      at = s.end;
    }
    return text + value.slice(at, to);
  };
  if (value.length <= size || count === 0) return [mark(0, value.length)];
  const out: string[] = [];
  let covered = -1;
  for (const s of spans) {
    if (s.start < covered) continue;
    const start = Math.max(0, Math.min(s.start - Math.floor(size / 4), value.length - size));
    const end = Math.min(value.length, start + size);
    out.push(mark(start, end));
    covered = end;
    if (out.length >= count) break;
  }
  return out;
}
