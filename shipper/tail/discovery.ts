/**
 * Which files the include globs name right now, and which directories to watch so that files appearing
 * later are noticed. Globs are expanded here on every scan (Node's `fs.promises.glob`); the directory
 * watcher watches the directories under the glob's root, down to the glob's depth.
 */
import { glob } from 'node:fs/promises';
import { resolve, sep } from 'node:path';

const GLOB_CHARS = /[*?[\]{}]/;

/** Expands every pattern; a path named by several patterns is listed once. Patterns are made absolute. */
export async function expandGlobs(patterns: readonly string[]): Promise<{ paths: string[]; errors: Array<{ pattern: string; error: unknown }> }> {
  const seen = new Set<string>();
  const errors: Array<{ pattern: string; error: unknown }> = [];
  for (const pattern of patterns) {
    try {
      for await (const path of glob(resolve(pattern))) seen.add(path);
    } catch (error) {
      errors.push({ pattern, error });
    }
  }
  return { paths: [...seen].sort(), errors };
}

/** Pure: the directory a glob starts from (its longest prefix without glob characters) and how deep below it matches go. */
export function watchRootOf(pattern: string): { dir: string; depth: number | undefined } {
  const parts = resolve(pattern).split(sep);
  const firstGlob = parts.findIndex((part) => GLOB_CHARS.test(part));
  if (firstGlob === -1) {
    // A plain path: watch its directory.
    return { dir: parts.slice(0, -1).join(sep) || sep, depth: 0 };
  }
  const rest = parts.slice(firstGlob);
  const depth = rest.includes('**') ? undefined : rest.length - 1;
  return { dir: parts.slice(0, firstGlob).join(sep) || sep, depth };
}
