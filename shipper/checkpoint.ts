/**
 * Checkpoint store: for every source (file identity, never a path) the highest byte offset below which
 * everything was acknowledged by the store (delivered or dead-lettered).
 *
 * Acknowledgements arrive out of order (several batches in flight), so each source keeps the settled
 * ranges above its committed offset as a short sorted list of disjoint intervals; the committed offset
 * moves to the end of the contiguous run that starts at it. Memory is bounded by what is in flight:
 * adjacent ranges merge on insert, so there is at most one interval per gap.
 *
 * On disk: `<dir>/checkpoints.json`, `{ version: 1, sources: { [id]: { offset, path, updatedAt } } }`,
 * written only when something changed, through temp file + fsync + rename + fsync of the directory,
 * so a crash leaves either the old or the new file, never a torn one.
 */
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceId } from './record.ts';
import type { Logger } from './kit/logger.ts';
import { rateLimited } from './kit/logger.ts';
import { Counter, type Registry } from './kit/metrics.ts';

export interface CheckpointStore {
  /** Reads `<dir>/checkpoints.json`; a corrupt file is renamed aside (logged) and the store starts empty. */
  load(): Promise<void>;
  /** Highest contiguous settled offset, or undefined if the source was never reset/loaded. */
  committed(source: SourceId): number | undefined;
  /** The byte range [offset, endOffset) was acknowledged. Ranges of unknown sources are ignored. */
  settle(source: SourceId, offset: number, endOffset: number): void;
  /** Starts (or restarts) a source at `offset`, dropping any settled ranges above its old offset. */
  reset(source: SourceId, offset: number, path: string): void;
  /** Records a new path for a source (rename) without touching its offsets. */
  rename(source: SourceId, path: string): void;
  /** The file is gone and finished with. */
  forget(source: SourceId): void;
  sources(): SourceId[];
  /** Path last recorded for a source (informative: identity is never a path). */
  pathOf(source: SourceId): string | undefined;
  /** Writes the file if anything changed since the last write. Never throws on I/O errors (logged, counted). */
  flush(): Promise<void>;
  /** Final flush and stop of the periodic one; idempotent. */
  close(): Promise<void>;
}

export interface CheckpointStoreOptions {
  dir: string;
  logger: Logger;
  registry?: Registry;
  /** Period of the automatic flush while something changed; default 1000 ms. */
  flushIntervalMs?: number;
}

export const CHECKPOINT_FILE = 'checkpoints.json';

interface SourceState {
  committed: number;
  path: string;
  updatedAt: number;
  /** Settled ranges above `committed`, sorted and disjoint: starts[i] < ends[i] < starts[i+1]. */
  starts: number[];
  ends: number[];
}

interface CheckpointFile {
  version: 1;
  sources: Record<string, { offset: number; path: string; updatedAt: string }>;
}

export function createCheckpointStore(options: CheckpointStoreOptions): CheckpointStore {
  const { dir, logger } = options;
  const file = join(dir, CHECKPOINT_FILE);
  const flushIntervalMs = options.flushIntervalMs ?? 1000;
  const states = new Map<SourceId, SourceState>();
  const logLimited = rateLimited(60_000);
  const flushErrors = options.registry === undefined ? undefined : counter(options.registry, 'logship_checkpoint_flush_errors_total', 'Checkpoint writes that failed (retried at the next flush).', ['reason']);
  const flushes = options.registry === undefined ? undefined : counter(options.registry, 'logship_checkpoint_flushes_total', 'Checkpoint files written.', []);
  let dirty = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> | undefined;

  function advance(state: SourceState): void {
    // Absorb the settled intervals that now touch the committed offset.
    let merged = 0;
    while (merged < state.starts.length && state.starts[merged]! <= state.committed) {
      state.committed = Math.max(state.committed, state.ends[merged]!);
      merged++;
    }
    if (merged > 0) {
      state.starts.splice(0, merged);
      state.ends.splice(0, merged);
    }
  }

  function insertInterval(state: SourceState, start: number, end: number): void {
    const { starts, ends } = state;
    // First interval whose end reaches `start` (it may overlap or touch the new one).
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ends[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    // Merge every interval that overlaps or touches [start, end).
    let last = lo;
    let mergedStart = start;
    let mergedEnd = end;
    while (last < starts.length && starts[last]! <= mergedEnd) {
      mergedStart = Math.min(mergedStart, starts[last]!);
      mergedEnd = Math.max(mergedEnd, ends[last]!);
      last++;
    }
    starts.splice(lo, last - lo, mergedStart);
    ends.splice(lo, last - lo, mergedEnd);
  }

  async function writeFileAtomically(): Promise<void> {
    const content: CheckpointFile = { version: 1, sources: {} };
    for (const [source, state] of states) {
      content.sources[source] = { offset: state.committed, path: state.path, updatedAt: new Date(state.updatedAt).toISOString() };
    }
    dirty = false;
    const temp = `${file}.tmp-${process.pid}`;
    try {
      await mkdir(dir, { recursive: true });
      const handle = await open(temp, 'w', 0o644);
      try {
        await handle.writeFile(JSON.stringify(content, null, 1));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
      // The rename is durable only once the directory entry is on disk.
      const dirHandle = await open(dir, 'r');
      try {
        await dirHandle.sync();
      } finally {
        await dirHandle.close();
      }
      flushes?.inc();
    } catch (error) {
      dirty = true; // try again at the next flush
      const reason = errorCode(error);
      flushErrors?.inc({ reason });
      logLimited(`flush:${reason}`, (suppressed) => logger.error({ err: error, file, suppressed }, 'cannot write checkpoints; will retry'));
      await unlink(temp).catch(() => undefined);
    }
  }

  async function flush(): Promise<void> {
    // One write at a time; a flush asked during a write writes again afterwards if still dirty.
    while (writing !== undefined) await writing;
    if (!dirty) return;
    writing = writeFileAtomically().finally(() => {
      writing = undefined;
    });
    await writing;
  }

  return {
    async load() {
      await mkdir(dir, { recursive: true });
      let text: string | undefined;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') throw error;
      }
      if (text !== undefined) {
        const parsed = parseCheckpointFile(text);
        if (parsed.ok) {
          for (const [source, entry] of Object.entries(parsed.value.sources)) {
            states.set(source, { committed: entry.offset, path: entry.path, updatedAt: Date.parse(entry.updatedAt) || Date.now(), starts: [], ends: [] });
          }
        } else {
          const aside = `${file}.corrupt-${Date.now()}`;
          await rename(file, aside);
          logger.error({ file, movedTo: aside, reason: parsed.error }, 'checkpoint file is corrupt; moved aside, starting without checkpoints');
        }
      }
      if (timer === undefined && !closed) {
        timer = setInterval(() => {
          if (dirty) void flush();
        }, flushIntervalMs);
        timer.unref();
      }
    },

    committed(source) {
      return states.get(source)?.committed;
    },

    settle(source, offset, endOffset) {
      const state = states.get(source);
      if (state === undefined || endOffset <= state.committed || endOffset <= offset) return;
      if (offset <= state.committed) {
        // The common case: the next range in order.
        state.committed = endOffset;
        if (state.starts.length > 0) advance(state);
      } else {
        insertInterval(state, offset, endOffset);
      }
      state.updatedAt = Date.now();
      dirty = true;
    },

    reset(source, offset, path) {
      states.set(source, { committed: offset, path, updatedAt: Date.now(), starts: [], ends: [] });
      dirty = true;
    },

    rename(source, path) {
      const state = states.get(source);
      if (state === undefined || state.path === path) return;
      state.path = path;
      dirty = true;
    },

    forget(source) {
      if (states.delete(source)) dirty = true;
    },

    sources() {
      return [...states.keys()];
    },

    pathOf(source) {
      return states.get(source)?.path;
    },

    flush,

    async close() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      if (closed) {
        while (writing !== undefined) await writing;
        return;
      }
      closed = true;
      await flush();
    },
  };
}

/** Pure: validates the versioned JSON of the checkpoint file. */
export function parseCheckpointFile(text: string): { ok: true; value: CheckpointFile } | { ok: false; error: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `not JSON: ${(error as Error).message}` };
  }
  if (!isObject(data)) return { ok: false, error: 'not an object' };
  if (data.version !== 1) return { ok: false, error: `unknown version ${JSON.stringify(data.version)}` };
  if (!isObject(data.sources)) return { ok: false, error: '"sources" is not an object' };
  const sources: CheckpointFile['sources'] = {};
  for (const [source, entry] of Object.entries(data.sources)) {
    if (!isObject(entry) || typeof entry.offset !== 'number' || !Number.isSafeInteger(entry.offset) || entry.offset < 0 || typeof entry.path !== 'string') {
      return { ok: false, error: `invalid entry for source ${source}` };
    }
    sources[source] = { offset: entry.offset, path: entry.path, updatedAt: typeof entry.updatedAt === 'string' ? entry.updatedAt : new Date(0).toISOString() };
  }
  return { ok: true, value: { version: 1, sources } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorCode(error: unknown): string {
  if (isObject(error) && typeof error.code === 'string') return error.code;
  return 'unknown';
}

/** prom-client refuses to register a name twice; two components sharing a registry share the metric. */
function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter<string> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<string>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}
