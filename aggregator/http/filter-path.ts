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

/**
 * Answers of `advance`, per patterns list and key. The same lists meet the same keys over and over — a
 * `_bulk` answer filtered the way Filebeat asks (`errors,items.*.error,items.*.status`) has thousands of
 * items with the same eight keys — and the list `advance` returns is the one remembered, so the items below
 * find their answers here too instead of building new lists for every key of every item.
 */
const advanced = new WeakMap<readonly Pattern[], Map<string, Pattern[]>>();

/** Patterns still to match below a key, after that key consumed (part of) each pattern. */
function advance(patterns: readonly Pattern[], key: string): Pattern[] {
  let byKey = advanced.get(patterns);
  if (byKey === undefined) {
    byKey = new Map();
    advanced.set(patterns, byKey);
  }
  let next = byKey.get(key);
  if (next === undefined) {
    next = [];
    for (const pattern of patterns) next.push(...consume(pattern, key));
    // Bounded: an object with endlessly many distinct keys must not grow this without limit.
    if (byKey.size < 1024) byKey.set(key, next);
  }
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
    const kept: unknown[] = [];
    for (const element of value) {
      const one = include(element, patterns);
      if (one !== undefined) kept.push(one);
    }
    return kept.length === 0 ? undefined : kept;
  }
  if (!isObject(value)) return undefined;
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const next = advance(patterns, key);
    if (next.length === 0) continue;
    const kept = include(value[key], next);
    if (kept === undefined) continue;
    out ??= {};
    setOwn(out, key, kept);
  }
  return out;
}

/** `out[key] = value`, except that a key named `__proto__` stays a key instead of setting the prototype. */
function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
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
