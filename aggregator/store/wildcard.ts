/**
 * Elasticsearch wildcard patterns (`*` any run, `?` one character, `\` escapes) translated to a
 * JavaScript RegExp (index patterns, template patterns, field patterns) and to an SQLite GLOB pattern
 * (wildcard / prefix queries on keyword columns), where GLOB's own `[`, `*`, `?` are escaped as classes.
 */

const cache = new Map<string, RegExp>();

export function wildcardToRegExp(pattern: string, caseInsensitive = false): RegExp {
  const key = `${caseInsensitive ? 'i' : 's'}${pattern}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i]!);
    else if (c === '*') source += '[\\s\\S]*';
    else if (c === '?') source += '[\\s\\S]';
    else source += escapeRegExp(c);
  }
  const re = new RegExp(`^${source}$`, caseInsensitive ? 'iu' : 'u');
  if (cache.size > 1000) cache.clear();
  cache.set(key, re);
  return re;
}

function escapeRegExp(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

export function hasWildcard(pattern: string): boolean {
  return /(^|[^\\])[*?]/.test(pattern);
}

/** ES wildcard → SQLite GLOB (case-sensitive, like keyword fields). */
export function wildcardToGlob(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) out += globLiteral(pattern[++i]!);
    else if (c === '*' || c === '?') out += c;
    else out += globLiteral(c);
  }
  return out;
}

export function globLiteral(text: string): string {
  return text.replace(/[[*?]/g, (c) => `[${c}]`);
}
