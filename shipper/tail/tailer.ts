/**
 * Follows the files the include globs name, and hands out their complete lines in file order, in
 * chunks, only as fast as the consumer asks (pull-based back-pressure: nothing is read while the
 * consumer has not asked for the next chunk).
 *
 * Every file is read through its own open descriptor, so a rename or a delete never loses what was
 * written before it: the old descriptor is read to its end (and kept a while for late writes) while the
 * new file at the path is followed from its beginning. Files are known by identity (dev:ino + first-line
 * fingerprint, see identity.ts), never by path. Wake-ups come from inotify events on the directories
 * under the globs' roots (directory-watcher.ts), and from a stat poll that also catches whatever events miss (network and
 * overlay filesystems, inotify overflow). Reading is round-robin, one chunk per file per turn (its lines
 * handed out a piece at a time, in that file's next turns).
 *
 * Checkpoints: a file resumes at `checkpoints.committed(source)`; the tailer itself only `reset`s a
 * source (new file, truncation) and `forget`s one (gone and fully settled). Moving it forward is the
 * pipeline's job, once the store acknowledged.
 */
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fstatSync, statSync, type Stats } from 'node:fs';
import { watchDirectories, type DirectoryWatcher } from './directory-watcher.ts';
import type { Line, SourceId } from '../record.ts';
import type { CheckpointStore } from '../checkpoint.ts';
import { rateLimited, type Logger } from '../kit/logger.ts';
import type { Registry } from '../kit/metrics.ts';
import { FINGERPRINT_BYTES, fileKeyOf, fingerprintOf, parseSourceId, sourceIdOf } from './identity.ts';
import { LineSplitter } from './line-splitter.ts';
import { expandGlobs, watchRootOf } from './discovery.ts';
import { createTailMetrics, type RotationKind, type TailErrorReason } from './metrics.ts';
import { PollSchedule } from './poll-schedule.ts';

export interface TailerOptions {
  /** Globs (absolute, or relative to the working directory); files that appear later are picked up. */
  include: string[];
  exclude?: (path: string) => boolean;
  /** For files with no checkpoint when the tailer starts; files appearing later are always read from the beginning. */
  readFrom: 'beginning' | 'end';
  /** Longer lines are cut at the limit and emitted once, flagged `truncated`, covering the whole physical line. */
  maxLineBytes: number;
  /** Stat-polling period: the fallback when filesystem events do not come. */
  pollIntervalMs: number;
  /**
   * A file whose polls find nothing new is polled less and less often, the period doubling from
   * `pollIntervalMs` up to this (Filebeat's `max_backoff`); an event, a read or a scan that touches it
   * brings it back to `pollIntervalMs` at once (see poll-schedule.ts). Without filesystem events a write to
   * a long-quiet file is noticed within this. Default `pollIntervalMs`: no backoff.
   */
  pollBackoffMaxMs?: number;
  /** Directory watches (inotify) as wake-ups; default true. False leaves polling and rescans alone (tests). */
  events?: boolean;
  checkpoints: CheckpointStore;
  logger: Logger;
  registry: Registry;
  /** Bytes read per file per turn; default 256 KiB. */
  readChunkBytes?: number;
  /** How long a renamed-away or deleted file stays open for late writes once read to its end and fully settled; default 5 s. */
  lingerMs?: number;
  /** Period of the glob rescan that runs even without events; default max(1 s, pollIntervalMs). */
  scanIntervalMs?: number;
  /**
   * Lines read whole within one read are handed out as `ByteLine`s (their bytes, no string), valid only
   * until the next chunk is asked for (see byte-line.ts). Default false: every line is a text line.
   */
  byteLines?: boolean;
  /** Told which file is which source, to give back the disk space of shipped ranges (see reclaim.ts). */
  reclaimer?: SourceObserver;
}

/** Something that wants to know where each source lives (the reclaimer). */
export interface SourceObserver {
  track(path: string, source: SourceId): void;
  untrack(source: SourceId): void;
}

export interface Tailer {
  /** Loads nothing: call `checkpoints.load()` first. Scans the globs and starts watching. */
  start(): Promise<void>;
  /** Chunks of complete lines in file order per source. Nothing more is read until the next chunk is asked for. */
  lines(signal: AbortSignal): AsyncIterable<Line[]>;
  /** Idempotent; ends the iterable. Does not close the checkpoint store. */
  close(): Promise<void>;
}

/** How long a file whose first line equals a followed file's waits to be recognised as a copytruncate copy. */
const COPY_WAIT_MS = 10_000;
/** Retired fingerprints remembered for copytruncate detection. */
const RETIRED_LIMIT = 1024;
/** Closed or vanished sources remembered in memory, in case their file comes back into the globs. */
const STALE_LIMIT = 10_000;
/** How far back from the end `readFrom: 'end'` looks for a line boundary. */
const END_BOUNDARY_WINDOW = 64 * 1024;
/**
 * A read is cut into lines this many bytes (rounded to a line) at a time, one piece per turn, instead of
 * all at once. Why: the consumer holds a piece's lines while it turns each into a record, and whatever
 * is alive when V8 collects its young generation twice is moved to the old one. With a whole 256 KiB read
 * split up front (~1,600 lines, several MiB of garbage made while working through them) most of the
 * lines and their text lived that long, and a bounded heap (the manifests' --max-old-space-size) then had
 * to mark-compact every few hundred milliseconds. 16 KiB (~100 lines) stays below one young-generation
 * cycle even with the manifests' 2 MiB semi-space (64 KiB did only from about 8 MiB on); smaller pieces
 * cost nothing measurable with V8's defaults. Reads stay large: a small read costs a system call and a
 * fingerprint check each.
 */
const SPLIT_PIECE_BYTES = 16 * 1024;
/**
 * A periodic rescan globs only if a watched directory changed since the last one (see
 * `directoriesUnchanged`), but at least once every this many scan intervals whatever they show.
 */
const FULL_SCAN_EVERY = 10;
/**
 * A directory modified shortly before a scan's snapshot of it may be modified again within the same
 * timestamp tick without its mtime changing, so it is not trusted until its mtime is older than the
 * snapshot by more than a tick: 2 s where mtimes are whole seconds (ext3, ext4 with small inodes, FAT's
 * 2 s), 50 ms where they are finer (the kernel's coarse clock ticks every 1-10 ms).
 */
function racyWindowMs(mtimeMs: number): number {
  return mtimeMs % 1000 === 0 ? 2000 : 50;
}

interface TailedFile {
  readonly key: string;
  readonly handle: FileHandle;
  path: string;
  source: SourceId | undefined;
  fingerprint: string | undefined;
  /** Next byte to read. */
  position: number;
  readonly splitter: LineSplitter;
  /** Renamed out of the globs or deleted: read to the end, linger, close. */
  orphan: boolean;
  queued: boolean;
  /** Woken after being at its end: check for truncation before reading on. */
  verify: boolean;
  lastMtimeMs: number;
  lingerSince: number | undefined;
  flushPartial: boolean;
  closed: boolean;
  /** Placement rule for when the file gets its identity. */
  start: 'beginning' | 'end' | 'after-truncation' | 'independent-copy';
}

/**
 * Where the piece of `bytes[from, to)` to split next ends: just past the last newline within
 * SPLIT_PIECE_BYTES, past the first one after that for a longer line, or at `to`.
 */
function pieceEnd(bytes: Buffer, from: number, to: number): number {
  if (to - from <= SPLIT_PIECE_BYTES) return to;
  const last = bytes.lastIndexOf(10, from + SPLIT_PIECE_BYTES - 1);
  if (last >= from) return last + 1;
  const next = bytes.indexOf(10, from + SPLIT_PIECE_BYTES);
  return next === -1 || next >= to ? to : next + 1;
}

export function createTailer(options: TailerOptions): Tailer {
  // The caller hands in the logger it wants (a child with { component: 'tail' }).
  const { checkpoints, logger, readFrom } = options;
  const metrics = createTailMetrics(options.registry);
  const readChunkBytes = options.readChunkBytes ?? 256 * 1024;
  const lingerMs = options.lingerMs ?? 5000;
  const scanIntervalMs = options.scanIntervalMs ?? Math.max(1000, options.pollIntervalMs);
  const pollSchedule = new PollSchedule<TailedFile>(Math.ceil((options.pollBackoffMaxMs ?? options.pollIntervalMs) / options.pollIntervalMs));
  let pollTick = 0;
  const logLimited = rateLimited(60_000);
  // One read at a time (the lock below), so one buffer serves every file.
  const readBuffer = Buffer.allocUnsafe(readChunkBytes);
  /**
   * What the last read put in `readBuffer` and is not split into lines yet: `readBuffer[from, to)` holds
   * `file`'s bytes from offset `file.position`. The file's next turn (taken next: see `continueFirst`)
   * splits on from there without reading; anything that moves a file elsewhere forgets it.
   */
  let readAhead: { file: TailedFile; from: number; to: number; full: boolean } | undefined;

  const files = new Map<string, TailedFile>(); // by dev:ino
  const byPath = new Map<string, TailedFile>(); // followed files (not orphans) by current path
  const queue: TailedFile[] = [];
  /** Files whose first line equals a followed file's, not read (yet): dev:ino → what we know. */
  const pendingCopies = new Map<string, { fingerprint: string; since: number }>();
  /** Fingerprint → line boundary reached, of content whose file was truncated or is gone (copytruncate copies continue there). */
  const retired = new Map<string, number>();
  /** Checkpointed sources no file carried at start: kept in case the file comes back into the globs. */
  const stale = new Map<SourceId, number>();
  /** Retired sources to forget once settled up to the offset. */
  const draining = new Map<SourceId, number>();
  const watchers: DirectoryWatcher[] = [];

  let started = false;
  let closed = false;
  let lock: Promise<unknown> = Promise.resolve();
  let wakeWaiter: (() => void) | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let scanTimer: NodeJS.Timeout | undefined;
  let lastScanAt = 0;
  let scanRequested = false;
  /** Mtimes of the watched directories when the last full scan began, and when that was. */
  let scannedDirectories: Map<string, number> | undefined;
  let fullScanAt = 0;
  /** Something failed since the last full scan (an open, a stat, a glob, a watch): the next rescan retries in full. */
  let troubleSinceScan = false;

  function exclusive<T>(task: () => Promise<T> | T): Promise<T> {
    const run = lock.then(task);
    lock = run.catch(() => undefined);
    return run;
  }

  function report(reason: TailErrorReason, path: string, error: unknown, message: string): void {
    troubleSinceScan = true;
    metrics.errors.inc({ reason });
    logLimited(`${reason}:${path}`, (suppressed) => logger.warn({ path, reason, err: error, suppressed }, message));
  }

  function wake(file: TailedFile, verify: boolean): void {
    if (file.closed) return;
    if (verify) file.verify = true;
    pollSchedule.touch(file);
    if (!file.queued) {
      file.queued = true;
      queue.push(file);
    }
    resumeLoop();
  }

  /** `file` is queued at the front: the rest of its read is split before any other file reads over it. */
  function continueFirst(file: TailedFile): void {
    if (file.queued) {
      const at = queue.indexOf(file);
      if (at !== -1) queue.splice(at, 1);
    }
    file.queued = true;
    queue.unshift(file);
    resumeLoop();
  }

  /** Lets the read loop go on if it is waiting for a file to wake. */
  function resumeLoop(): void {
    const waiter = wakeWaiter;
    wakeWaiter = undefined;
    waiter?.();
  }

  /** `file`'s reading position moves elsewhere (or it is closed): bytes read ahead no longer apply. */
  function forgetReadAhead(file: TailedFile): void {
    if (readAhead?.file === file) readAhead = undefined;
  }

  function rememberRetired(fingerprint: string, offset: number): void {
    retired.delete(fingerprint);
    retired.set(fingerprint, offset);
    if (retired.size > RETIRED_LIMIT) retired.delete(retired.keys().next().value!);
  }

  function rememberStale(source: SourceId, offset: number): void {
    stale.delete(source);
    stale.set(source, offset);
    if (stale.size > STALE_LIMIT) stale.delete(stale.keys().next().value!);
  }

  function isFollowedFingerprint(fingerprint: string, except: TailedFile): boolean {
    for (const file of files.values()) {
      if (file !== except && !file.closed && file.fingerprint === fingerprint) return true;
    }
    return false;
  }

  async function readHead(handle: FileHandle, size: number): Promise<Buffer> {
    const head = Buffer.alloc(Math.min(size, FINGERPRINT_BYTES));
    if (head.length === 0) return head;
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead);
  }

  /** The offset just past the last newline near the end, for `readFrom: 'end'`; -1 if none is near. */
  async function endBoundary(handle: FileHandle, size: number): Promise<number> {
    if (size === 0) return 0;
    const from = Math.max(0, size - END_BOUNDARY_WINDOW);
    const window = Buffer.alloc(size - from);
    const { bytesRead } = await handle.read(window, 0, window.length, from);
    const newline = window.subarray(0, bytesRead).lastIndexOf(10);
    return newline === -1 ? -1 : from + newline + 1;
  }

  /**
   * Gives a file its identity and decides where reading starts. Returns false when the file turns out
   * to be a copy of a followed file (a copytruncate in progress) and was closed instead.
   */
  async function identify(file: TailedFile): Promise<boolean> {
    const stats = fstatSync(file.handle.fd);
    const fingerprint = fingerprintOf(await readHead(file.handle, stats.size));
    if (fingerprint === undefined) return true; // too young: no first line yet
    const source = sourceIdOf(stats.dev, stats.ino, fingerprint);
    let position: number;
    let discard = false;
    const committed = checkpoints.committed(source) ?? stale.get(source);
    if (file.start === 'after-truncation') {
      position = 0;
      checkpoints.reset(source, 0, file.path);
    } else if (committed !== undefined) {
      if (committed > stats.size) {
        // Shorter than what was shipped, first line unchanged: truncated and refilled while we were away.
        metrics.rotations.inc({ kind: 'truncate' });
        position = 0;
        checkpoints.reset(source, 0, file.path);
      } else {
        position = committed;
        if (stale.delete(source)) checkpoints.reset(source, committed, file.path);
        else checkpoints.rename(source, file.path);
      }
    } else if (file.start !== 'independent-copy' && isFollowedFingerprint(fingerprint, file)) {
      // Same first line as a file we follow, another inode: a copy. Its content is being read through
      // the original; if the original is truncated soon (copytruncate) the copy continues where it stopped.
      if (!pendingCopies.has(file.key)) pendingCopies.set(file.key, { fingerprint, since: Date.now() });
      await closeFile(file);
      return false;
    } else if (file.start !== 'independent-copy' && retired.has(fingerprint)) {
      // The copy of content we were reading when its file was truncated: continue after what was read.
      position = Math.min(retired.get(fingerprint)!, stats.size);
      retired.delete(fingerprint);
      metrics.rotations.inc({ kind: 'copytruncate' });
      checkpoints.reset(source, position, file.path);
    } else if (file.start === 'end') {
      position = await endBoundary(file.handle, stats.size);
      if (position === -1) {
        // No line boundary near the end: skip the line in progress, start after its newline.
        position = stats.size;
        discard = true;
      }
      checkpoints.reset(source, position, file.path);
    } else {
      position = 0;
      checkpoints.reset(source, 0, file.path);
    }
    pendingCopies.delete(file.key);
    forgetReadAhead(file);
    file.source = source;
    file.fingerprint = fingerprint;
    file.position = position;
    if (discard) file.splitter.discardUntilNewline(position);
    else file.splitter.reset(position);
    file.start = 'beginning';
    options.reclaimer?.track(file.path, source);
    return true;
  }

  async function closeFile(file: TailedFile): Promise<void> {
    if (file.closed) return;
    file.closed = true;
    forgetReadAhead(file);
    files.delete(file.key);
    pollSchedule.remove(file);
    if (byPath.get(file.path) === file) byPath.delete(file.path);
    metrics.files.dec();
    if (file.source !== undefined) options.reclaimer?.untrack(file.source);
    await file.handle.close().catch(() => undefined);
  }

  /** The file shrank below what was read, or its first line changed: its old content is gone. */
  function onTruncated(file: TailedFile): void {
    let copyPending = false;
    for (const pending of pendingCopies.values()) if (pending.fingerprint === file.fingerprint) copyPending = true;
    metrics.rotations.inc({ kind: copyPending ? 'copytruncate' : 'truncate' });
    logLimited(`truncated:${file.path}`, (suppressed) => logger.info({ path: file.path, readUpTo: file.position, suppressed }, 'file truncated; following it from its start'));
    if (file.source !== undefined && file.fingerprint !== undefined) {
      const boundary = file.position - file.splitter.pendingBytes;
      rememberRetired(file.fingerprint, boundary);
      draining.set(file.source, boundary);
      options.reclaimer?.untrack(file.source);
    }
    forgetReadAhead(file);
    file.source = undefined;
    file.fingerprint = undefined;
    file.position = 0;
    file.splitter.reset(0);
    file.start = 'after-truncation';
    requestScan(); // a pending copy may now continue
  }

  function pathStillNames(file: TailedFile): boolean {
    try {
      const stats = statSync(file.path);
      return fileKeyOf(stats.dev, stats.ino) === file.key;
    } catch {
      return false;
    }
  }

  async function stillSameContent(file: TailedFile, stats: Stats): Promise<boolean> {
    if (stats.size < file.position) return false;
    if (file.fingerprint === undefined) return true;
    return fingerprintOf(await readHead(file.handle, stats.size)) === file.fingerprint;
  }

  /** One turn of one file: at most one chunk read, and one piece of what was read split into lines. */
  async function readTurn(file: TailedFile): Promise<Line[]> {
    if (file.closed) return [];
    try {
      if (file.source === undefined) {
        if (!(await identify(file))) return [];
        if (file.source === undefined) return [];
      } else if (file.verify) {
        file.verify = false;
        const stats = fstatSync(file.handle.fd);
        if (!(await stillSameContent(file, stats))) {
          onTruncated(file);
          wake(file, false);
          return [];
        }
        // Verified as of this mtime: a poll need not wake the file again for the change an event woke it for.
        file.lastMtimeMs = stats.mtimeMs;
        // Renamed since the last scan? Rescan first, so the lines carry the path they are read from.
        if (!file.orphan && !pathStillNames(file)) await scan(false);
        if (file.closed) return [];
      }
      const source: SourceId = file.source;
      if (file.flushPartial) {
        file.flushPartial = false;
        const last = file.splitter.takePartial(source, file.path, file.position);
        if (last === undefined) return [];
        metrics.lines.inc();
        if (last.truncated) metrics.truncatedLines.inc();
        return [last];
      }
      let ahead = readAhead;
      if (ahead === undefined || ahead.file !== file) {
        const { bytesRead } = await file.handle.read(readBuffer, 0, readChunkBytes, file.position);
        if (bytesRead === 0) return [];
        // Checked after the read: if the first line is still the same now, the bytes just read belong to
        // the content this source names (a truncate and refill in between would have changed it).
        if (fingerprintOf(await readHead(file.handle, FINGERPRINT_BYTES)) !== file.fingerprint) {
          onTruncated(file);
          wake(file, false);
          return [];
        }
        metrics.bytesRead.inc(bytesRead);
        pollSchedule.touch(file);
        ahead = readAhead = { file, from: 0, to: bytesRead, full: bytesRead === readChunkBytes };
      }
      const { from, to } = ahead;
      const end = pieceEnd(readBuffer, from, to);
      const lines: Line[] = [];
      const discardedUpTo = file.splitter.push(readBuffer.subarray(from, end), end - from, file.position, source, file.path, lines);
      if (discardedUpTo >= 0) checkpoints.reset(source, discardedUpTo, file.path);
      file.position += end - from;
      file.lingerSince = undefined;
      if (lines.length > 0) {
        metrics.lines.inc(lines.length);
        let truncated = 0;
        for (const line of lines) if (line.truncated === true) truncated++;
        if (truncated > 0) metrics.truncatedLines.inc(truncated);
      }
      if (end < to) {
        ahead.from = end;
        continueFirst(file);
      } else {
        readAhead = undefined;
        if (ahead.full) wake(file, false); // probably more: back of the queue, for fairness
      }
      return lines;
    } catch (error) {
      report('read', file.path, error, 'cannot read file; will retry');
      return [];
    }
  }

  async function openFile(path: string, start: TailedFile['start']): Promise<TailedFile | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined; // gone between the scan and the open
      const reason: TailErrorReason = code === 'EACCES' || code === 'EPERM' ? 'permission' : code === 'EMFILE' || code === 'ENFILE' ? 'too_many_open_files' : code === 'ELOOP' ? 'symlink_loop' : code === 'EISDIR' ? 'directory' : 'open';
      report(reason, path, error, 'cannot open file; skipping it (retried at the next scan)');
      return undefined;
    }
    const stats = fstatSync(handle.fd);
    const key = fileKeyOf(stats.dev, stats.ino);
    if (files.has(key)) {
      await handle.close();
      return undefined;
    }
    const file: TailedFile = {
      key, handle, path, source: undefined, fingerprint: undefined, position: 0,
      splitter: new LineSplitter(options.maxLineBytes, { byteLines: options.byteLines === true }), orphan: false, queued: false, verify: false,
      lastMtimeMs: stats.mtimeMs, lingerSince: undefined, flushPartial: false, closed: false, start,
    };
    files.set(key, file);
    byPath.set(path, file);
    pollSchedule.touch(file);
    metrics.files.inc();
    return file;
  }

  /** Expands the globs and reconciles: new files, renames, files gone from the globs. */
  async function scan(initial: boolean): Promise<void> {
    lastScanAt = Date.now();
    scanRequested = false;
    troubleSinceScan = false;
    // Before the glob: a change made while it runs then shows at the next periodic check.
    scannedDirectories = directoryMtimes();
    fullScanAt = lastScanAt;
    const { paths, errors } = await expandGlobs(options.include);
    for (const { pattern, error } of errors) report('glob', pattern, error, 'cannot expand glob');
    const found = new Map<string, { path: string; stats: Stats }>();
    for (const path of paths) {
      if (options.exclude?.(path) === true) continue;
      let stats: Stats;
      try {
        stats = statSync(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ELOOP') report('symlink_loop', path, error, 'symbolic link loop; skipping');
        else if (code === 'EACCES') report('permission', path, error, 'permission denied; skipping');
        else if (code !== 'ENOENT') report('stat', path, error, 'cannot stat; skipping');
        continue;
      }
      if (stats.isDirectory()) {
        report('directory', path, undefined, 'path matched by the globs is a directory; skipping');
        continue;
      }
      if (!stats.isFile()) {
        report('not_regular', path, undefined, 'path matched by the globs is not a regular file; skipping');
        continue;
      }
      const key = fileKeyOf(stats.dev, stats.ino);
      if (!found.has(key)) found.set(key, { path, stats });
    }

    // Followed files that moved or left the globs.
    for (const file of [...files.values()]) {
      if (file.closed) continue;
      const now = found.get(file.key);
      if (now === undefined) {
        if (!file.orphan) becomeOrphan(file);
      } else if (file.orphan || now.path !== file.path) {
        if (!file.orphan) metrics.rotations.inc({ kind: 'rename' });
        if (byPath.get(file.path) === file) byPath.delete(file.path);
        file.orphan = false;
        file.path = now.path;
        byPath.set(now.path, file);
        if (file.source !== undefined) {
          checkpoints.rename(file.source, now.path);
          options.reclaimer?.track(now.path, file.source);
        }
        wake(file, false);
      }
    }
    for (const key of pendingCopies.keys()) if (!found.has(key)) pendingCopies.delete(key);

    // New files: identify all, then place those with a checkpoint first, so that a copy can never
    // take the place of the original it was copied from.
    const opened: TailedFile[] = [];
    for (const [key, { path }] of found) {
      if (files.has(key)) continue;
      const pending = pendingCopies.get(key);
      let start: TailedFile['start'] = initial && readFrom === 'end' ? 'end' : 'beginning';
      if (pending !== undefined) {
        if (isFollowedFingerprintAnywhere(pending.fingerprint)) {
          if (Date.now() - pending.since < COPY_WAIT_MS) continue;
          start = 'independent-copy'; // the original was never truncated: a file of its own after all
        }
      }
      const file = await openFile(path, start);
      if (file !== undefined) opened.push(file);
    }
    const withCheckpoint: TailedFile[] = [];
    const without: TailedFile[] = [];
    for (const file of opened) {
      const stats = fstatSync(file.handle.fd);
      const fingerprint = fingerprintOf(await readHead(file.handle, stats.size));
      const source = fingerprint === undefined ? undefined : sourceIdOf(stats.dev, stats.ino, fingerprint);
      if (source !== undefined && (checkpoints.committed(source) !== undefined || stale.has(source))) withCheckpoint.push(file);
      else without.push(file);
    }
    for (const file of [...withCheckpoint, ...without]) {
      try {
        if (await identify(file)) wake(file, false);
        // Too young to have a first line: when it gets one, all of it is new.
        if (file.source === undefined) file.start = 'beginning';
      } catch (error) {
        report('read', file.path, error, 'cannot read file; will retry');
      }
    }
  }

  /**
   * A file rotated by rename to a name outside the globs while we were stopped still holds lines we never
   * shipped. It is looked for, by dev:ino and fingerprint, in the directory where it was last seen, and
   * finished like any file renamed away (read to its end, then closed and forgotten).
   */
  async function finishRotatedWhileStopped(missing: Array<{ source: SourceId; committed: number; path: string | undefined }>): Promise<void> {
    const wantedByDir = new Map<string, Map<string, { source: SourceId; committed: number; fingerprint: string }>>();
    for (const { source, committed, path } of missing) {
      const parsed = parseSourceId(source);
      if (parsed === undefined || path === undefined) continue;
      const wanted = wantedByDir.get(dirname(path)) ?? new Map<string, { source: SourceId; committed: number; fingerprint: string }>();
      wanted.set(fileKeyOf(parsed.dev, parsed.ino), { source, committed, fingerprint: parsed.fingerprint });
      wantedByDir.set(dirname(path), wanted);
    }
    for (const [dir, wanted] of wantedByDir) {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        continue; // the directory is gone too
      }
      for (const name of names) {
        const path = join(dir, name);
        let stats: Stats;
        try {
          stats = statSync(path);
        } catch {
          continue;
        }
        const found = wanted.get(fileKeyOf(stats.dev, stats.ino));
        if (found === undefined || !stats.isFile() || files.has(fileKeyOf(stats.dev, stats.ino))) continue;
        const file = await openFile(path, 'beginning');
        if (file === undefined) continue;
        if (fingerprintOf(await readHead(file.handle, stats.size)) !== found.fingerprint || stats.size < found.committed) {
          await closeFile(file); // the inode was reused by other content
          continue;
        }
        file.source = found.source;
        file.fingerprint = found.fingerprint;
        forgetReadAhead(file);
        file.position = found.committed;
        file.splitter.reset(found.committed);
        file.orphan = true;
        if (byPath.get(path) === file) byPath.delete(path);
        stale.delete(found.source);
        checkpoints.reset(found.source, found.committed, path);
        metrics.rotations.inc({ kind: 'rename' });
        logger.info({ path, from: found.committed }, 'finishing a file rotated out of the globs while stopped');
        wake(file, false);
      }
    }
  }

  function isFollowedFingerprintAnywhere(fingerprint: string): boolean {
    for (const file of files.values()) if (!file.closed && file.fingerprint === fingerprint) return true;
    return false;
  }

  function becomeOrphan(file: TailedFile): void {
    let kind: RotationKind = 'delete';
    try {
      if (fstatSync(file.handle.fd).nlink > 0) kind = 'rename';
    } catch {
      // fstat of an open descriptor does not fail in practice; count it as a delete
    }
    metrics.rotations.inc({ kind });
    file.orphan = true;
    if (byPath.get(file.path) === file) byPath.delete(file.path);
    wake(file, false); // read what is left
  }

  /**
   * Stat poll of the files due on this tick (poll-schedule.ts): wakes files that changed, finishes
   * orphans, forgets retired sources once settled, rescans when due.
   */
  async function poll(): Promise<void> {
    const now = Date.now();
    let polled = 0;
    for (const file of pollSchedule.due(pollTick++)) {
      if (file.closed) continue;
      let stats: Stats;
      try {
        stats = fstatSync(file.handle.fd);
      } catch (error) {
        report('stat', file.path, error, 'cannot stat open file');
        continue;
      }
      polled++;
      if (stats.size !== file.position || stats.mtimeMs !== file.lastMtimeMs) {
        file.lastMtimeMs = stats.mtimeMs;
        file.lingerSince = undefined;
        wake(file, true);
        continue;
      }
      // An orphan stays on every tick: it is closed lingerMs after its end, and late writes to it come with no event.
      if (!file.orphan) pollSchedule.quiet(file);
      if (!file.orphan || file.queued) continue;
      // An orphan at its end: close it once everything read was settled and no late write came for lingerMs.
      const boundary = file.position - file.splitter.pendingBytes;
      const committed = file.source === undefined ? boundary : checkpoints.committed(file.source) ?? boundary;
      if (committed < boundary) {
        file.lingerSince = undefined;
        continue;
      }
      file.lingerSince ??= now;
      if (now - file.lingerSince < lingerMs) continue;
      if (file.splitter.pendingBytes > 0 && file.source !== undefined) {
        // The last line will never get its newline: ship it as it is.
        file.flushPartial = true;
        file.lingerSince = undefined;
        wake(file, false);
        continue;
      }
      const source = file.source;
      file.source = undefined;
      if (source !== undefined && !isSourceFollowed(source)) {
        // Remembered for this run: a file that left the globs (an exclude that flips) resumes if it comes back.
        rememberStale(source, checkpoints.committed(source) ?? boundary);
        checkpoints.forget(source);
      }
      if (source !== undefined) options.reclaimer?.untrack(source);
      await closeFile(file);
    }
    if (polled > 0) metrics.polls.inc(polled);
    for (const [source, boundary] of draining) {
      if (isSourceFollowed(source)) {
        draining.delete(source);
        continue;
      }
      const committed = checkpoints.committed(source);
      if (committed === undefined || committed >= boundary) {
        checkpoints.forget(source);
        draining.delete(source);
      }
    }
    if (scanRequested || now - lastScanAt >= scanIntervalMs) {
      for (const watcher of watchers) watcher.refresh(); // a root that appeared, or whose watch was lost
      if (!scanRequested && now - fullScanAt < FULL_SCAN_EVERY * scanIntervalMs && directoriesUnchanged()) {
        lastScanAt = now;
        metrics.scans.inc({ kind: 'unchanged' });
      } else {
        // Directories created while events were lost get their watch, so their files' writes wake them again.
        for (const watcher of watchers) await watcher.rewalk();
        metrics.scans.inc({ kind: 'full' });
        await scan(false);
      }
    }
  }

  /** The mtime of every watched directory, by path (a directory gone meanwhile is left out). */
  function directoryMtimes(): Map<string, number> {
    const mtimes = new Map<string, number>();
    for (const watcher of watchers) {
      for (const dir of watcher.directories()) {
        try {
          mtimes.set(dir, statSync(dir).mtimeMs);
        } catch {
          // removed: its parent's mtime changed, which the next check sees
        }
      }
    }
    return mtimes;
  }

  /**
   * Whether a periodic rescan would find nothing new, without globbing: a file created, renamed or deleted
   * changes the mtime of its directory, and every directory under the globs' roots is watched. So when
   * the watches are healthy, every watched directory has the mtime the last full scan saw (and that mtime
   * was old enough to trust), no directory came or went, and nothing failed or waits for a later scan,
   * the glob would list what the last one did. About a thousand stats for 500 pods, against a readdir and
   * an lstat of every entry.
   */
  function directoriesUnchanged(): boolean {
    if (scannedDirectories === undefined || watchers.length === 0 || troubleSinceScan || pendingCopies.size > 0) return false;
    for (const watcher of watchers) if (!watcher.healthy) return false;
    const current = directoryMtimes();
    if (current.size !== scannedDirectories.size) return false;
    for (const [dir, mtime] of current) {
      const seen = scannedDirectories.get(dir);
      if (seen === undefined || seen !== mtime || seen >= fullScanAt - racyWindowMs(seen)) return false;
    }
    return true;
  }

  function isSourceFollowed(source: SourceId): boolean {
    for (const file of files.values()) if (file.source === source && !file.closed) return true;
    return false;
  }

  function requestScan(): void {
    if (closed || scanTimer !== undefined) return;
    scanRequested = true;
    // Debounced: a burst of events (logrotate moving ten files) becomes one scan.
    scanTimer = setTimeout(() => {
      scanTimer = undefined;
      if (!closed) void exclusive(() => scan(false)).catch((error: unknown) => report('glob', '*', error, 'scan failed'));
    }, 20);
    scanTimer.unref();
  }

  function startWatching(): void {
    const roots = new Map<string, number | undefined>();
    for (const pattern of options.include) {
      const { dir, depth } = watchRootOf(pattern);
      const known = roots.get(dir);
      roots.set(dir, roots.has(dir) ? (known === undefined || depth === undefined ? undefined : Math.max(known, depth)) : depth);
    }
    for (const [dir, depth] of roots) {
      const watcher = watchDirectories(dir, depth, (event) => {
        const file = event.kind === 'change' ? byPath.get(event.path) : undefined;
        if (file !== undefined) wake(file, true);
        else requestScan();
      }, (error, where) => report('watch', where, error, 'filesystem events failed; polling still runs'));
      watchers.push(watcher);
    }
  }

  async function nextChunk(signal: AbortSignal): Promise<Line[] | undefined> {
    for (;;) {
      if (closed || signal.aborted) return undefined;
      const file = queue.shift();
      if (file === undefined) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            signal.removeEventListener('abort', done);
            resolve();
          };
          wakeWaiter = done;
          signal.addEventListener('abort', done, { once: true });
        });
        continue;
      }
      file.queued = false;
      const lines = await exclusive(() => readTurn(file));
      if (lines.length > 0) return lines;
    }
  }

  return {
    async start() {
      if (started || closed) return;
      started = true;
      // Checkpointed content is recognised by its fingerprint even under a new inode (a copy).
      const initialSources = checkpoints.sources();
      for (const source of initialSources) {
        const parsed = parseSourceId(source);
        const committed = checkpoints.committed(source);
        if (parsed !== undefined && committed !== undefined) rememberRetired(parsed.fingerprint, committed);
      }
      // Watches first, so that the first scan's snapshot of the directories (see directoriesUnchanged) has
      // them all and a periodic rescan need not glob just because the snapshot was empty.
      if (options.events !== false) {
        startWatching();
        await Promise.all(watchers.map((watcher) => watcher.ready));
      }
      await exclusive(() => scan(true));
      const followed = new Set<SourceId>();
      for (const file of files.values()) {
        if (file.source === undefined) continue;
        followed.add(file.source);
        if (file.fingerprint !== undefined) retired.delete(file.fingerprint);
      }
      const missing: Array<{ source: SourceId; committed: number; path: string | undefined }> = [];
      for (const source of initialSources) {
        const committed = checkpoints.committed(source);
        if (followed.has(source) || committed === undefined) continue;
        missing.push({ source, committed, path: checkpoints.pathOf(source) });
        // Not found under the globs: remembered for this run (it may come back), dropped from the file.
        rememberStale(source, committed);
        checkpoints.forget(source);
      }
      await exclusive(() => finishRotatedWhileStopped(missing));
      pollTimer = setInterval(() => {
        void exclusive(poll).catch((error: unknown) => report('stat', '*', error, 'poll failed'));
      }, options.pollIntervalMs);
      pollTimer.unref();
    },

    lines(signal) {
      return {
        async *[Symbol.asyncIterator]() {
          for (;;) {
            const chunk = await nextChunk(signal);
            if (chunk === undefined) return;
            yield chunk;
          }
        },
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      if (pollTimer !== undefined) clearInterval(pollTimer);
      if (scanTimer !== undefined) clearTimeout(scanTimer);
      resumeLoop();
      for (const watcher of watchers) watcher.close();
      await exclusive(async () => {
        for (const file of [...files.values()]) await closeFile(file);
      });
    },
  };
}
