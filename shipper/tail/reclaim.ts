/**
 * Keeps an un-rotated emptyDir small (issue 3): nobody rotates nginx's files in a sidecar, so the
 * fully shipped part of each file is given back to the filesystem by punching holes in it
 * (`fallocate --punch-hole --keep-size`, util-linux). Offsets and the file size do not change and
 * the holes read back as zeros, so the tailer and its checkpoints are unaffected and no line is lost:
 * only bytes below `checkpoints.committed(source)` — acknowledged by the store — are punched, aligned
 * down to 4 KiB blocks, and never the first block, which holds the fingerprint the file is known by.
 *
 * The punch goes through `/proc/<pid>/fd/<n>` of a descriptor whose dev:ino was checked against the
 * source id, so a path renamed over in the meantime can never get holes punched in the wrong file.
 * Needs a filesystem that supports hole punching (ext4, xfs, btrfs, tmpfs) and `fallocate` in the image.
 */
import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import type { SourceId } from '../record.ts';
import type { CheckpointStore } from '../checkpoint.ts';
import { rateLimited, type Logger } from '../kit/logger.ts';
import { Counter, type Registry } from '../kit/metrics.ts';
import { FINGERPRINT_BYTES, parseSourceId } from './identity.ts';
import type { SourceObserver } from './tailer.ts';

export interface ReclaimerOptions {
  checkpoints: CheckpointStore;
  /** Punch once at least this many shipped bytes are still on disk (fewer, bigger punches). */
  minBytes: number;
  /** How often shipped ranges are looked at. */
  intervalMs: number;
  logger: Logger;
  registry: Registry;
}

export interface Reclaimer extends SourceObserver {
  /** Looks at every tracked file once now (the timer does it every intervalMs). */
  reclaimNow(): Promise<void>;
  close(): Promise<void>;
}

const BLOCK = 4096;
/** Never punched: the first block, which holds the fingerprint bytes. */
const PROTECTED_BYTES = Math.ceil(FINGERPRINT_BYTES / BLOCK) * BLOCK;

export function createReclaimer(options: ReclaimerOptions): Reclaimer {
  // The caller hands in the logger it wants (a child with { component: 'reclaim' }).
  const { checkpoints, minBytes, logger } = options;
  const logLimited = rateLimited(60_000);
  const reclaimed = metricCounter(options.registry, 'logship_reclaim_bytes_total', 'Bytes of shipped file ranges given back to the filesystem (holes punched).', []);
  const errors = metricCounter(options.registry, 'logship_reclaim_errors_total', 'Hole punches that failed, by reason.', ['reason']);
  const tracked = new Map<SourceId, { path: string; punchedUpTo: number }>();
  let unsupported = false;
  let running: Promise<void> | undefined;
  let closed = false;

  async function punch(path: string, source: SourceId, from: number, to: number): Promise<boolean> {
    const identity = parseSourceId(source);
    if (identity === undefined) return false;
    const handle = await open(path, 'r');
    try {
      const stats = await handle.stat();
      if (stats.dev !== identity.dev || stats.ino !== identity.ino) return false; // the path names another file now
      await new Promise<void>((resolve, reject) => {
        execFile('fallocate', ['--punch-hole', '--keep-size', '--offset', String(from), '--length', String(to - from), `/proc/${process.pid}/fd/${handle.fd}`], (error, _stdout, stderr) => {
          if (error === null) resolve();
          else reject(Object.assign(error, { stderr: String(stderr).trim() }));
        });
      });
      return true;
    } finally {
      await handle.close();
    }
  }

  async function reclaimAll(): Promise<void> {
    for (const [source, entry] of tracked) {
      if (unsupported || closed) return;
      const committed = checkpoints.committed(source);
      if (committed === undefined) continue;
      const to = Math.floor(committed / BLOCK) * BLOCK;
      const from = Math.max(entry.punchedUpTo, PROTECTED_BYTES);
      if (to - from < minBytes) continue;
      try {
        if (await punch(entry.path, source, from, to)) {
          entry.punchedUpTo = to;
          reclaimed.inc(to - from);
        }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const stderr = (error as { stderr?: string }).stderr ?? '';
        const spawnFailed = (error as { syscall?: string }).syscall?.startsWith('spawn') === true;
        const reason = spawnFailed || /not supported/i.test(stderr) ? 'unsupported' : code === 'ENOENT' ? 'gone' : 'failed';
        errors.inc({ reason });
        if (reason === 'unsupported') {
          // No fallocate binary, or a filesystem without hole punching: nothing will ever work.
          unsupported = true;
          logger.error({ err: error, stderr }, 'cannot punch holes (fallocate missing or filesystem without support); --reclaim-shipped is off');
        } else if (reason !== 'gone') {
          logLimited(`punch:${reason}`, (suppressed) => logger.warn({ err: error, stderr, path: entry.path, suppressed }, 'cannot punch holes in shipped range; will retry'));
        }
      }
    }
  }

  function reclaimNow(): Promise<void> {
    running ??= reclaimAll().finally(() => {
      running = undefined;
    });
    return running;
  }

  const timer = setInterval(() => void reclaimNow(), options.intervalMs);
  timer.unref();

  return {
    track(path, source) {
      const entry = tracked.get(source);
      if (entry === undefined) tracked.set(source, { path, punchedUpTo: 0 });
      else entry.path = path;
    },
    untrack(source) {
      tracked.delete(source);
    },
    reclaimNow,
    async close() {
      closed = true;
      clearInterval(timer);
      await running;
    },
  };
}

function metricCounter(registry: Registry, name: string, help: string, labelNames: string[]): Counter<string> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<string>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}
