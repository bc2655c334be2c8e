/**
 * The periodic rescan with healthy directory watches: it globs only when a watched directory's mtime
 * changed, so it must still find what a lost event did not report (a new file, a new directory, a
 * rename) within the scan interval, and give a directory created while events were lost its watch.
 * Lost events are simulated by dropping every directory watch's events while `dropEvents` is set.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../../helpers/eventually.ts';
import { pollsDuring, runTailer, tempDir, type RunningTailer } from './harness.ts';
import type { DirectoryWatcher } from '../../../shipper/tail/directory-watcher.ts';

const lost = vi.hoisted(() => ({ dropEvents: false, watchers: [] as DirectoryWatcher[] }));

// Lost events: inotify's queue overflowing drops them for the tailer and the watcher alike, so the
// watches' own callbacks are silenced, below the directory watcher.
vi.mock(import('node:fs'), async (importOriginal) => {
  const original = await importOriginal();
  const watch = ((path: string, options: { persistent?: boolean }, listener: (eventType: string, filename: string | null) => void) =>
    original.watch(path, options, (eventType, filename) => {
      if (!lost.dropEvents) listener(eventType, filename);
    })) as typeof original.watch;
  return { ...original, watch, default: { ...original, watch } };
});

vi.mock(import('../../../shipper/tail/directory-watcher.ts'), async (importOriginal) => {
  const original = await importOriginal();
  return {
    ...original,
    watchDirectories: (root, depth, onEvent, onError) => {
      const watcher = original.watchDirectories(root, depth, onEvent, onError);
      lost.watchers.push(watcher);
      return watcher;
    },
  };
});

let dir: string;
let cleanup: () => Promise<void>;
let running: RunningTailer | undefined;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('rescan'));
  lost.dropEvents = false;
  lost.watchers.length = 0;
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
  await cleanup();
});

const state = (): string => join(dir, 'state');
const SCAN_MS = 400;
// A full glob runs every 10 scan intervals whatever the mtimes say: finding things well before that
// shows the mtime check found them.
const WELL_BEFORE_FORCED_SCAN_MS = 2500;

/** Waits for periodic rescans that skipped the glob: nothing changed, the watches are healthy. */
async function skippingGlobs(tailer: RunningTailer): Promise<void> {
  const before = await tailer.metric('logship_tail_periodic_scans_total', { kind: 'unchanged' });
  await eventually(async () => expect(await tailer.metric('logship_tail_periodic_scans_total', { kind: 'unchanged' })).toBeGreaterThanOrEqual(before + 2), { timeoutMs: 20_000 });
}

describe('tailer: periodic rescan with healthy watches', () => {
  it('skips the glob while no watched directory changed, and still finds a file whose event was lost within the scan interval', async () => {
    mkdirSync(join(dir, 'pod-a', 'app'), { recursive: true });
    writeFileSync(join(dir, 'pod-a', 'app', '0.log'), 'a first\n');
    running = await runTailer(state(), { include: [join(dir, '*', '*', '*.log')], pollIntervalMs: 50, scanIntervalMs: SCAN_MS });
    await eventually(() => expect(running!.texts()).toEqual(['a first']));
    await skippingGlobs(running);
    lost.dropEvents = true;
    const createdAt = Date.now();
    writeFileSync(join(dir, 'pod-a', 'app', '1.log'), 'a second file\n');
    await eventually(() => expect(running!.texts()).toEqual(['a first', 'a second file']), { intervalMs: 10 });
    expect(Date.now() - createdAt).toBeLessThan(WELL_BEFORE_FORCED_SCAN_MS);
  });

  it('finds a new directory whose events were lost, and watches it from then on', async () => {
    mkdirSync(join(dir, 'pod-a', 'app'), { recursive: true });
    writeFileSync(join(dir, 'pod-a', 'app', '0.log'), 'a\n');
    // Quiet files back off to a minute: after the rescan only the new directory's watch can bring a later write in time.
    running = await runTailer(state(), { include: [join(dir, '*', '*', '*.log')], pollIntervalMs: 50, pollBackoffMaxMs: 60_000, scanIntervalMs: SCAN_MS });
    await eventually(() => expect(running!.texts()).toEqual(['a']));
    await skippingGlobs(running);
    lost.dropEvents = true;
    const createdAt = Date.now();
    mkdirSync(join(dir, 'pod-b', 'app'), { recursive: true });
    writeFileSync(join(dir, 'pod-b', 'app', '0.log'), 'b first\n');
    await eventually(() => expect(running!.texts()).toContain('b first'), { intervalMs: 10 });
    expect(Date.now() - createdAt).toBeLessThan(WELL_BEFORE_FORCED_SCAN_MS);
    await eventually(() => expect(lost.watchers.at(-1)!.directories()).toContain(join(dir, 'pod-b', 'app')));
    lost.dropEvents = false;
    // Let both files back off to polls seconds apart, then write: the new watch wakes the file at once.
    await eventually(async () => expect(await pollsDuring(running!, 3000)).toBeLessThanOrEqual(2), { timeoutMs: 30_000, intervalMs: 1 });
    const writtenAt = Date.now();
    appendFileSync(join(dir, 'pod-b', 'app', '0.log'), 'b second\n');
    await eventually(() => expect(running!.texts()).toContain('b second'), { intervalMs: 5 });
    expect(Date.now() - writtenAt).toBeLessThan(1000);
  });

  it('finds a rename whose events were lost within the scan interval', async () => {
    writeFileSync(join(dir, 'app.log'), 'before\n');
    running = await runTailer(state(), { include: [join(dir, 'app.log')], pollIntervalMs: 50, scanIntervalMs: SCAN_MS });
    await eventually(() => expect(running!.texts()).toEqual(['before']));
    await skippingGlobs(running);
    lost.dropEvents = true;
    const rotatedAt = Date.now();
    renameSync(join(dir, 'app.log'), join(dir, 'app.log.1'));
    writeFileSync(join(dir, 'app.log'), 'after\n');
    await eventually(() => expect(running!.texts()).toEqual(['before', 'after']), { intervalMs: 10 });
    expect(Date.now() - rotatedAt).toBeLessThan(WELL_BEFORE_FORCED_SCAN_MS);
    expect(await running.metric('logship_tail_rotations_total', { kind: 'rename' })).toBe(1);
  });
});
