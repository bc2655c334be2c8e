/**
 * Filesystem events for the tailer: one `fs.watch` (inotify) per directory under a root, down to a depth,
 * and none per file — a directory's watch already reports every change to the files in it.
 *
 * Why not chokidar: the tailer only needs wake-up hints (a file changed, a directory's entries changed),
 * never an event stream to trust — it finds files by globbing and confirms everything with fstat, and
 * polling runs anyway. chokidar gives much more (a watch per file, stats of every entry, symlink
 * following), at a price: on a node with 500 pods (1,000 directories under /var/log/pods) it took
 * about 40 MiB of resident memory where these plain directory watches take about 6 MiB.
 *
 * Events are hints and may be lost (inotify's limits, a directory created and filled before its watch
 * is set); the tailer's periodic scan and poll cover what they miss.
 */
import { watch, type FSWatcher } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export type DirectoryEvent =
  /** A file (or entry) in a watched directory was written to. */
  | { readonly kind: 'change'; readonly path: string }
  /** Entries of a watched directory were created, removed or renamed (or the kernel did not say which). */
  | { readonly kind: 'entries'; readonly dir: string };

export interface DirectoryWatcher {
  /** Watches the root again if it was missing or lost (called from the tailer's periodic scan). */
  refresh(): void;
  /**
   * Walks the tree again and watches every directory that lacks a watch: one created while events were
   * lost (an inotify queue overflow) never got its own. The tailer calls it before a periodic full rescan.
   */
  rewalk(): Promise<void>;
  /** Settles once the directories that existed at the start are watched. */
  readonly ready: Promise<void>;
  /** The directories watched now. */
  directories(): string[];
  /** The root is watched and no directory ever failed to be (its changes would come with no event). */
  readonly healthy: boolean;
  /** Number of directories watched (for tests and metrics). */
  readonly size: number;
  close(): void;
}

/**
 * Watches `root` and its subdirectories down to `depth` levels below it (undefined: all levels; 0: the root
 * alone). `onError` hears of a directory that cannot be watched (e.g. the inotify watch limit).
 */
export function watchDirectories(root: string, depth: number | undefined, onEvent: (event: DirectoryEvent) => void, onError: (error: unknown, dir: string) => void): DirectoryWatcher {
  const watched = new Map<string, FSWatcher>();
  let closed = false;
  let failed = false;

  function add(dir: string, level: number): void {
    if (closed || watched.has(dir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, { persistent: false }, (eventType, filename) => {
        if (filename === null) {
          onEvent({ kind: 'entries', dir });
          return;
        }
        const path = join(dir, filename);
        if (eventType === 'change') {
          onEvent({ kind: 'change', path });
          return;
        }
        onEvent({ kind: 'entries', dir });
        // An entry appeared or went: a new subdirectory gets its own watch, a removed one loses it.
        if (watched.has(path)) removeUnder(path);
        if (depth === undefined || level < depth) void addTree(path, level + 1);
      });
    } catch (error) {
      // A directory that does not exist (yet) is not an error: the periodic refresh tries again.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ENOTDIR') {
        failed = true;
        onError(error, dir);
      }
      return;
    }
    watcher.on('error', (error) => {
      removeUnder(dir);
      // The directory itself went away: nothing to report, the parent's watch says so.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'EPERM') {
        failed = true;
        onError(error, dir);
      }
    });
    watched.set(dir, watcher);
  }

  /**
   * Watches `dir` (if it is a directory) and its subdirectories down to the depth. The watch is set before
   * the directory is listed, so an entry made meanwhile is either listed or reported, never missed.
   */
  async function addTree(dir: string, level: number): Promise<void> {
    try {
      // The root may be a link to a directory; below it links are not followed (no cycles with `**`).
      if (!(await (level === 0 ? stat(dir) : lstat(dir))).isDirectory()) return;
    } catch {
      return; // gone already
    }
    add(dir, level);
    if (depth !== undefined && level >= depth) return;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // gone meanwhile (its watch reports the error and is dropped)
    }
    for (const entry of entries) {
      if (entry.isDirectory()) await addTree(join(dir, entry.name), level + 1);
    }
  }

  /** Closes the watches of `dir` and everything below it. */
  function removeUnder(dir: string): void {
    const prefix = `${dir}/`;
    for (const [path, watcher] of watched) {
      if (path === dir || path.startsWith(prefix)) {
        watcher.close();
        watched.delete(path);
      }
    }
  }

  const ready = addTree(root, 0);
  return {
    ready,
    refresh() {
      if (!closed && !watched.has(root)) void addTree(root, 0);
    },
    rewalk() {
      return closed ? Promise.resolve() : addTree(root, 0);
    },
    directories() {
      return [...watched.keys()];
    },
    get healthy() {
      return !closed && !failed && watched.has(root);
    },
    get size() {
      return watched.size;
    },
    close() {
      closed = true;
      for (const watcher of watched.values()) watcher.close();
      watched.clear();
    },
  };
}
