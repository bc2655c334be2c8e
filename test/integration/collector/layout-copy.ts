/**
 * Copies the corpus's node-shaped `layout/` tree into a temporary directory, writable, and restores its
 * symlinks. The corpus stores each relative symlink (`var/log/containers/*.log`, the dockershim links
 * under `var/log/pods/shop_*`) as a small regular file holding the link's target; a file whose whole
 * content is a relative path to another file of the tree is turned back into that symlink here.
 */
import { cpSync, chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CORPUS_ROOT } from '../../helpers/corpus.ts';

export const LAYOUT = `${CORPUS_ROOT}/containers/layout`;

export interface LayoutCopy {
  readonly root: string;
  readonly dockerRoot: string;
  readonly podsRoot: string;
  readonly links: readonly string[];
  remove(): void;
}

export function copyLayout(): LayoutCopy {
  const root = mkdtempSync(join(tmpdir(), 'logship-layout-'));
  cpSync(LAYOUT, root, { recursive: true });
  makeWritable(root);
  const links: string[] = [];
  for (const file of walk(root)) {
    const stat = lstatSync(file);
    if (!stat.isFile() || stat.size > 512) continue;
    const text = readFileSync(file, 'utf8').trim();
    if (!text.startsWith('../') || text.includes('\n')) continue;
    const target = resolve(dirname(file), text);
    if (!target.startsWith(root) || !existsSync(target)) continue;
    rmSync(file);
    symlinkSync(text, file);
    links.push(file);
  }
  return {
    root,
    dockerRoot: join(root, 'var/lib/docker/containers'),
    podsRoot: join(root, 'var/log/pods'),
    links,
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

function makeWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) makeWritable(path);
    else chmodSync(path, 0o644);
  }
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (lstatSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}
