/**
 * Per-file poll backoff (poll-schedule.ts) on real files: a quiet file is polled less and less often, yet
 * a write is still noticed within the backoff's bound without filesystem events, at once with them, and
 * a backed-off file that is rotated or truncated is still followed correctly.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../../helpers/eventually.ts';
import { pollsDuring, runTailer, tempDir, type RunningTailer } from './harness.ts';

let dir: string;
let cleanup: () => Promise<void>;
let running: RunningTailer | undefined;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('backoff'));
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
  await cleanup();
});

const state = (): string => join(dir, 'state');
const POLL_MS = 20;

/** Waits until a single quiet file is polled about once per `maxMs` (its backoff reached its longest period). */
async function backedOff(tailer: RunningTailer, maxMs: number): Promise<void> {
  // Unbacked, one file is polled every 20 ms: ~3 * maxMs / 20 polls in 3 * maxMs. Backed off: about 3.
  await eventually(async () => expect(await pollsDuring(tailer, 3 * maxMs)).toBeLessThanOrEqual(5), { timeoutMs: 20_000, intervalMs: 1 });
}

/** Milliseconds until `running` has received `count` lines, checked every 5 ms. */
async function arrivalMs(count: number, since: number): Promise<number> {
  await eventually(() => expect(running!.received.length).toBeGreaterThanOrEqual(count), { intervalMs: 5, timeoutMs: 20_000 });
  return Date.now() - since;
}

describe('tailer: per-file poll backoff', () => {
  it('polls a quiet file less and less often, down to once per backoff maximum', async () => {
    writeFileSync(join(dir, 'a.log'), 'first\n');
    running = await runTailer(state(), { include: [join(dir, '*.log')], events: false, pollIntervalMs: POLL_MS, pollBackoffMaxMs: 300, scanIntervalMs: 60_000 });
    await eventually(() => expect(running!.texts()).toEqual(['first']));
    await backedOff(running, 300);
  });

  it('without filesystem events, a backed-off file still gets its new line within the backoff maximum, then is polled fast again', async () => {
    writeFileSync(join(dir, 'a.log'), 'first\n');
    const maxMs = 1500;
    running = await runTailer(state(), { include: [join(dir, '*.log')], events: false, pollIntervalMs: POLL_MS, pollBackoffMaxMs: maxMs, scanIntervalMs: 60_000 });
    await eventually(() => expect(running!.texts()).toEqual(['first']));
    await backedOff(running, maxMs);
    const writtenAt = Date.now();
    appendFileSync(join(dir, 'a.log'), 'second\n');
    // The bound: one longest period, plus room for a loaded machine's late timers.
    expect(await arrivalMs(2, writtenAt)).toBeLessThan(maxMs + 1000);
    // The read brought the file back to the fast poll: the next write comes within a few poll intervals.
    const againAt = Date.now();
    appendFileSync(join(dir, 'a.log'), 'third\n');
    expect(await arrivalMs(3, againAt)).toBeLessThan(maxMs / 2);
    expect(running.texts()).toEqual(['first', 'second', 'third']);
  });

  it('with filesystem events, a backed-off file is read at once when written', async () => {
    writeFileSync(join(dir, 'a.log'), 'first\n');
    // A backoff of a minute: only the event can bring the line in time.
    running = await runTailer(state(), { include: [join(dir, '*.log')], pollIntervalMs: POLL_MS, pollBackoffMaxMs: 60_000, scanIntervalMs: 60_000 });
    await eventually(() => expect(running!.texts()).toEqual(['first']));
    // Backed off well beyond the fast poll: polled at most a few times in half a second.
    await eventually(async () => expect(await pollsDuring(running!, 500)).toBeLessThanOrEqual(2), { timeoutMs: 20_000, intervalMs: 1 });
    const writtenAt = Date.now();
    appendFileSync(join(dir, 'a.log'), 'second\n');
    expect(await arrivalMs(2, writtenAt)).toBeLessThan(1000);
  });

  it('without filesystem events, a backed-off file that is truncated and refilled is read again from its start', async () => {
    writeFileSync(join(dir, 'a.log'), 'old content, line 1\nold content, line 2\n');
    running = await runTailer(state(), { include: [join(dir, '*.log')], events: false, pollIntervalMs: POLL_MS, pollBackoffMaxMs: 500, scanIntervalMs: 60_000 });
    await eventually(() => expect(running!.texts()).toHaveLength(2));
    await backedOff(running, 500);
    truncateSync(join(dir, 'a.log'), 0);
    writeFileSync(join(dir, 'a.log'), 'new\n');
    await eventually(() => expect(running!.texts()).toEqual(['old content, line 1', 'old content, line 2', 'new']));
    expect(await running.metric('logship_tail_rotations_total', { kind: 'truncate' })).toBe(1);
  });

  it('without filesystem events, a backed-off file rotated by rename is finished and the new file followed', async () => {
    writeFileSync(join(dir, 'a.log'), 'before rotation\n');
    // Rescans find the rename; the old file's last line, written just before it, comes through its descriptor.
    running = await runTailer(state(), { include: [join(dir, 'a.log')], events: false, pollIntervalMs: POLL_MS, pollBackoffMaxMs: 500, scanIntervalMs: 200 });
    await eventually(() => expect(running!.texts()).toEqual(['before rotation']));
    await backedOff(running, 500);
    appendFileSync(join(dir, 'a.log'), 'last of the old file\n');
    renameSync(join(dir, 'a.log'), join(dir, 'a.log.1'));
    writeFileSync(join(dir, 'a.log'), 'first of the new file\n');
    await eventually(() => expect([...running!.texts()].sort()).toEqual(['before rotation', 'first of the new file', 'last of the old file']));
    expect(await running.metric('logship_tail_rotations_total', { kind: 'rename' })).toBe(1);
  });
});
