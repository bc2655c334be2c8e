import { appendFile, mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually.ts';
import { watchDirectories, type DirectoryEvent, type DirectoryWatcher } from '../../../shipper/tail/directory-watcher.ts';

describe('the directory watcher', () => {
  let root: string;
  let watcher: DirectoryWatcher | undefined;
  let events: DirectoryEvent[];
  let errors: unknown[];

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'logship-watch-'));
    events = [];
    errors = [];
  });
  afterEach(async () => {
    watcher?.close();
    await rm(root, { recursive: true, force: true });
  });

  const start = (dir: string, depth: number | undefined) => {
    watcher = watchDirectories(dir, depth, (event) => events.push(event), (error) => errors.push(error));
    return watcher;
  };
  const changed = (path: string) => events.some((e) => e.kind === 'change' && e.path === path);
  const entries = (dir: string) => events.some((e) => e.kind === 'entries' && e.dir === dir);

  it('reports writes to files two levels down, through directory watches only', async () => {
    const file = join(root, 'ns_pod_uid', 'app', '0.log');
    await mkdir(join(root, 'ns_pod_uid', 'app'), { recursive: true });
    await writeFile(file, 'first\n');
    const w = start(root, 2);
    await eventually(() => expect(w.size).toBe(3));
    await appendFile(file, 'second\n');
    await eventually(() => expect(changed(file)).toBe(true));
    expect(errors).toEqual([]);
  });

  it('watches directories created later, down to the depth and not below', async () => {
    const w = start(root, 2);
    await eventually(() => expect(w.size).toBe(1));
    await mkdir(join(root, 'new_pod_uid', 'app', 'too-deep'), { recursive: true });
    await eventually(() => expect(entries(root)).toBe(true));
    await eventually(() => expect(w.size).toBe(3)); // root, the pod, its container; not too-deep
    await writeFile(join(root, 'new_pod_uid', 'app', '0.log'), 'hello\n');
    await eventually(() => expect(entries(join(root, 'new_pod_uid', 'app'))).toBe(true));
    await appendFile(join(root, 'new_pod_uid', 'app', '0.log'), 'again\n');
    await eventually(() => expect(changed(join(root, 'new_pod_uid', 'app', '0.log'))).toBe(true));
  });

  it('reports renames as entry changes and drops the watches of a removed directory', async () => {
    await mkdir(join(root, 'a', 'app'), { recursive: true });
    await writeFile(join(root, 'a', 'app', '0.log'), 'x\n');
    const w = start(root, 2);
    await eventually(() => expect(w.size).toBe(3));
    await rename(join(root, 'a', 'app', '0.log'), join(root, 'a', 'app', '0.log.20261124'));
    await eventually(() => expect(entries(join(root, 'a', 'app'))).toBe(true));
    await rm(join(root, 'a'), { recursive: true });
    await eventually(() => expect(w.size).toBe(1));
    expect(errors).toEqual([]);
  });

  it('watches a root that did not exist at first once refreshed, and watches only the root at depth 0', async () => {
    const later = join(root, 'later');
    const w = start(later, 0);
    expect(w.size).toBe(0);
    await mkdir(join(later, 'sub'), { recursive: true });
    w.refresh();
    await eventually(() => expect(w.size).toBe(1));
    await writeFile(join(later, 'access.log'), 'x\n');
    await appendFile(join(later, 'access.log'), 'y\n');
    await eventually(() => expect(changed(join(later, 'access.log'))).toBe(true));
    expect(w.size).toBe(1);
  });

  it('follows a root that is a link to a directory, watches no file as a directory and follows no link below', async () => {
    await mkdir(join(root, 'real', 'pod'), { recursive: true });
    await symlink(join(root, 'real'), join(root, 'link'));
    await mkdir(join(root, 'elsewhere'));
    await symlink(join(root, 'elsewhere'), join(root, 'real', 'linked-pod'));
    const w = start(join(root, 'link'), 2);
    await eventually(() => expect(w.size).toBe(2)); // the root and pod/, not linked-pod
    await writeFile(join(root, 'real', 'not-a-dir'), 'x\n');
    await eventually(() => expect(entries(join(root, 'link'))).toBe(true));
    await appendFile(join(root, 'real', 'pod', '0.log'), 'x\n');
    await eventually(() => expect(changed(join(root, 'link', 'pod', '0.log'))).toBe(true));
    expect(w.size).toBe(2);
    expect(errors).toEqual([]);
  });
});
