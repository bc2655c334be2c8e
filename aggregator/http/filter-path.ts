/**
 * Elasticsearch's `filter_path` response filtering, for every JSON response:
 * `filter_path=took,hits.hits._id` keeps only those paths; `*` inside a segment matches any part of a key,
 * `**` any number of levels; a leading `-` excludes instead. Arrays are transparent (a path applies to each
 * element). Objects left empty disappear, and when nothing matches the answer is `{}`, as in ES.
 *
 * Filebeat sends `filter_path=errors,items.*.error,items.*.status` with every bulk; the JS client's
 * `helpers.search` and `scrollSearch` use it too.
 */
type Pattern = readonly string[];

export interface FilterPath {
  readonly includes: readonly Pattern[];
  readonly excludes: readonly Pattern[];
}

export function parseFilterPath(text: string): FilterPath {
  const includes: Pattern[] = [];
  const excludes: Pattern[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    if (item.startsWith('-')) excludes.push(splitPath(item.slice(1)));
    else includes.push(splitPath(item));
  }
  return { includes, excludes };
}

export function applyFilterPath(value: unknown, filter: FilterPath): unknown {
  let result = value;
  if (filter.includes.length > 0) result = include(result, filter.includes) ?? {};
  if (filter.excludes.length > 0) result = exclude(result, filter.excludes) ?? {};
  return result;
}

function splitPath(path: string): Pattern {
  return path.split('.').filter((segment) => segment !== '');
}

/** Patterns still to match below a key, after that key consumed (part of) each pattern. */
function advance(patterns: readonly Pattern[], key: string): Pattern[] {
  const next: Pattern[] = [];
  for (const pattern of patterns) next.push(...consume(pattern, key));
  return next;
}

function consume(pattern: Pattern, key: string): Pattern[] {
  const [head, ...rest] = pattern;
  if (head === undefined) return [];
  if (head === '**') {
    // `**` may swallow this key and keep going, or match nothing and let the rest try this key.
    return rest.length === 0 ? [[]] : [pattern, ...consume(rest, key)];
  }
  return globMatches(head, key) ? [rest] : [];
}

function include(value: unknown, patterns: readonly Pattern[]): unknown {
  if (patterns.some((pattern) => pattern.length === 0)) return value;
  if (Array.isArray(value)) {
    const kept = value.map((element) => include(element, patterns)).filter((element) => element !== undefined);
    return kept.length === 0 ? undefined : kept;
  }
  if (!isObject(value)) return undefined;
  // Entries, not assignment: a key named `__proto__` must stay a key.
  const out: Array<[string, unknown]> = [];
  for (const [key, child] of Object.entries(value)) {
    const next = advance(patterns, key);
    if (next.length === 0) continue;
    const kept = include(child, next);
    if (kept !== undefined) out.push([key, kept]);
  }
  return out.length === 0 ? undefined : Object.fromEntries(out);
}

function exclude(value: unknown, patterns: readonly Pattern[]): unknown {
  if (patterns.some((pattern) => pattern.length === 0)) return undefined;
  if (Array.isArray(value)) return value.map((element) => exclude(element, patterns)).filter((element) => element !== undefined);
  if (!isObject(value)) return value;
  const out: Array<[string, unknown]> = [];
  for (const [key, child] of Object.entries(value)) {
    const next = advance(patterns, key);
    if (next.length === 0) {
      out.push([key, child]);
      continue;
    }
    const kept = exclude(child, next);
    if (kept !== undefined) out.push([key, kept]);
  }
  return Object.fromEntries(out);
}

function globMatches(glob: string, key: string): boolean {
  if (glob === '*') return true;
  if (!glob.includes('*')) return glob === key;
  const regex = new RegExp(`^${glob.split('*').map(escapeRegex).join('.*')}$`);
  return regex.test(key);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
