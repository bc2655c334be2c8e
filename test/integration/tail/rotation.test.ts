import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, closeSync, copyFileSync, openSync, renameSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../../helpers/eventually.ts';
import { runTailer, tempDir, type RunningTailer } from './harness.ts';

let dir: string;
let cleanup: () => Promise<void>;
let running: RunningTailer | undefined;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('rotate'));
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
  await cleanup();
});

const state = (): string => join(dir, 'state');
const lines = (prefix: string, from: number, to: number): string => {
  let text = '';
  for (let index = from; index < to; index++) text += `${prefix} line ${index} ${'z'.repeat(index % 13)}\n`;
  return text;
};
const expected = (prefix: string, from: number, to: number): string[] => lines(prefix, from, to).split('\n').slice(0, -1);
const sorted = (texts: string[]): string[] => [...texts].sort();

describe('tailer: rotation', () => {
  it('finishes a file renamed away, including late writes to it, then follows the new file', async () => {
    const path = join(dir, 'access.log');
    writeFileSync(path, lines('old', 0, 5));
    running = await runTailer(state(), { include: [join(dir, '*.log')] });
    await eventually(() => expect(running!.texts()).toEqual(expected('old', 0, 5)));
    // nginx keeps writing to its open descriptor until it reopens: late writes land in the renamed file.
    const nginx = openSync(path, 'a');
    renameSync(path, join(dir, 'access.log.1'));
    writeFileSync(path, lines('new', 0, 3));
    writeSync(nginx, lines('old', 5, 8));
    closeSync(nginx);
    await eventually(() => expect(sorted(running!.texts())).toEqual(sorted([...expected('old', 0, 8), ...expected('new', 0, 3)])));
    expect(await running.metric('logship_tail_rotations_total', { kind: 'rename' })).toBe(1);
    // Once settled and quiet for the linger time, the rotated file is closed and forgotten.
    await eventually(async () => expect(await running!.metric('logship_tail_files')).toBe(1));
    expect(running.checkpoints.sources()).toHaveLength(1);
    appendFileSync(path, lines('new', 3, 4));
    await eventually(() => expect(running!.texts()).toHaveLength(12));
  });

  it('does not re-read a rotated file whose new name the globs also match', async () => {
    const path = join(dir, 'access.log');
    writeFileSync(path, lines('old', 0, 4));
    running = await runTailer(state(), { include: [join(dir, 'access.log*')] });
    await eventually(() => expect(running!.texts()).toHaveLength(4));
    renameSync(path, join(dir, 'access.log.1'));
    appendFileSync(join(dir, 'access.log.1'), lines('old', 4, 5));
    writeFileSync(path, lines('new', 0, 2));
    await eventually(() => expect(sorted(running!.texts())).toEqual(sorted([...expected('old', 0, 5), ...expected('new', 0, 2)])));
    const rotated = running.received.find((line) => line.text === expected('old', 4, 5)[0]);
    expect(rotated?.path).toBe(join(dir, 'access.log.1'));
  });

  it('copytruncate: the copy is not re-read, what the copy alone holds is read once, and the truncated file is followed from 0', async () => {
    const path = join(dir, 'access.log');
    writeFileSync(path, lines('before', 0, 10));
    running = await runTailer(state(), { include: [join(dir, 'access.log*')] });
    await eventually(() => expect(running!.texts()).toHaveLength(10));
    // logrotate copytruncate, in one go (the tailer shares this event loop, so it cannot read in between):
    // lines 10-14 are written, copied, and truncated away before the tailer saw them in access.log.
    appendFileSync(path, lines('before', 10, 15));
    copyFileSync(path, join(dir, 'access.log.1'));
    truncateSync(path, 0);
    appendFileSync(path, lines('after', 0, 3));
    await eventually(() => expect(sorted(running!.texts())).toEqual(sorted([...expected('before', 0, 15), ...expected('after', 0, 3)])));
    const afterFirst = running.received.find((line) => line.text === expected('after', 0, 1)[0]);
    expect(afterFirst).toMatchObject({ offset: 0, path });
    expect(await running.metric('logship_tail_rotations_total', { kind: 'copytruncate' })).toBeGreaterThanOrEqual(1);
  });

  it('copytruncate with a copy outside the globs: the truncated file is followed from 0', async () => {
    const path = join(dir, 'access.log');
    writeFileSync(path, lines('before', 0, 10));
    running = await runTailer(state(), { include: [join(dir, '*.log')] });
    await eventually(() => expect(running!.texts()).toHaveLength(10));
    copyFileSync(path, join(dir, 'access.log.1'));
    truncateSync(path, 0);
    appendFileSync(path, lines('after', 0, 3));
    await eventually(() => expect(running!.texts()).toEqual([...expected('before', 0, 10), ...expected('after', 0, 3)]));
  });

  it('truncation: a file cut to zero is read again from its start, and counted', async () => {
    const path = join(dir, 'app.log');
    writeFileSync(path, lines('first', 0, 20));
    running = await runTailer(state(), { include: [join(dir, '*.log')] });
    await eventually(() => expect(running!.texts()).toHaveLength(20));
    truncateSync(path, 0);
    appendFileSync(path, lines('second', 0, 2));
    await eventually(() => expect(running!.texts()).toEqual([...expected('first', 0, 20), ...expected('second', 0, 2)]));
    expect(await running.metric('logship_tail_rotations_total', { kind: 'truncate' })).toBe(1);
    // The old content's checkpoint is dropped once settled; only the new content's remains.
    await eventually(() => expect(running!.checkpoints.sources()).toHaveLength(1));
    expect(running.checkpoints.committed(running.received.at(-1)!.source)).toBe(Buffer.byteLength(lines('second', 0, 2)));
  });

  it('truncation noticed late, after the file grew past the old read position, is still detected by its first line', async () => {
    const path = join(dir, 'app.log');
    writeFileSync(path, lines('first', 0, 3));
    running = await runTailer(state(), { include: [join(dir, '*.log')] });
    await eventually(() => expect(running!.texts()).toHaveLength(3));
    truncateSync(path, 0);
    appendFileSync(path, lines('second', 0, 10));
    await eventually(() => expect(running!.texts()).toEqual([...expected('first', 0, 3), ...expected('second', 0, 10)]));
  });

  it('finishes a deleted file from its open descriptor, then closes and forgets it', async () => {
    const path = join(dir, 'app.log');
    writeFileSync(path, lines('doomed', 0, 3));
    running = await runTailer(state(), { include: [join(dir, '*.log')] });
    await eventually(() => expect(running!.texts()).toHaveLength(3));
    const writer = openSync(path, 'a');
    unlinkSync(path);
    writeSync(writer, lines('doomed', 3, 6));
    closeSync(writer);
    await eventually(() => expect(running!.texts()).toEqual(expected('doomed', 0, 6)));
    await eventually(async () => expect(await running!.metric('logship_tail_files')).toBe(0));
    expect(await running.metric('logship_tail_rotations_total', { kind: 'delete' })).toBe(1);
    expect(running.checkpoints.sources()).toEqual([]);
  });

  it('ships the unterminated last line of a deleted file once it is clear no newline will come', async () => {
    const path = join(dir, 'app.log');
    writeFileSync(path, 'whole\nno newline ever');
    running = await runTailer(state(), { include: [join(dir, '*.log')] });
    await eventually(() => expect(running!.texts()).toEqual(['whole']));
    unlinkSync(path);
    await eventually(() => expect(running!.texts()).toEqual(['whole', 'no newline ever']));
    expect(running.received[1]).toMatchObject({ offset: 6, endOffset: 21 });
    await eventually(async () => expect(await running!.metric('logship_tail_files')).toBe(0));
  });
});

describe('tailer: restart', () => {
  it('write 2, stop, write 3, restart: exactly the 3 new lines', async () => {
    const path = join(dir, 'app.log');
    writeFileSync(path, lines('run', 0, 2));
    const first = await runTailer(state(), { include: [join(dir, '*.log')] });
    await eventually(() => expect(first.texts()).toEqual(expected('run', 0, 2)));
    await first.stop();
    appendFileSync(path, lines('run', 2, 5));
    running = await runTailer(state(), { include: [join(dir, '*.log')] });
    await eventually(() => expect(running!.texts()).toEqual(expected('run', 2, 5)));
    appendFileSync(path, lines('run', 5, 6));
    await eventually(() => expect(running!.texts()).toEqual(expected('run', 2, 6)));
  });

  it('re-reads what was read but never settled', async () => {
    const path = join(dir, 'app.log');
    writeFileSync(path, lines('run', 0, 4));
    const unsettled = await runTailer(state(), { include: [join(dir, '*.log')] }, false);
    await eventually(() => expect(unsettled.texts()).toHaveLength(4));
    await unsettled.stop();
    running = await runTailer(state(), { include: [join(dir, '*.log')] });
    await eventually(() => expect(running!.texts()).toEqual(expected('run', 0, 4)));
  });

  it('readFrom end skips what existing files hold at start, but reads files that appear later from their beginning', async () => {
    writeFileSync(join(dir, 'old.log'), lines('old', 0, 5) + 'in prog');
    running = await runTailer(state(), { include: [join(dir, '*.log')], readFrom: 'end' });
    await eventually(() => expect(running!.checkpoints.sources()).toHaveLength(1));
    appendFileSync(join(dir, 'old.log'), 'ress\n' + lines('old', 5, 6));
    writeFileSync(join(dir, 'new.log'), lines('new', 0, 2));
    await eventually(() => expect(sorted(running!.texts())).toEqual(sorted(['in progress', ...expected('old', 5, 6), ...expected('new', 0, 2)])));
  });

  it('a file rotated by rename while stopped, to a name the globs match, is resumed, not re-read', async () => {
    const path = join(dir, 'access.log');
    writeFileSync(path, lines('old', 0, 3));
    const first = await runTailer(state(), { include: [join(dir, 'access.log*')] });
    await eventually(() => expect(first.texts()).toHaveLength(3));
    await first.stop();
    appendFileSync(path, lines('old', 3, 4));
    renameSync(path, join(dir, 'access.log.1'));
    writeFileSync(path, lines('new', 0, 1));
    running = await runTailer(state(), { include: [join(dir, 'access.log*')] });
    await eventually(() => expect(sorted(running!.texts())).toEqual(sorted([...expected('old', 3, 4), ...expected('new', 0, 1)])));
  });
});

describe('tailer: files leaving and re-entering the globs', () => {
  it('resumes a file that was excluded for a while instead of reading it again', async () => {
    const path = join(dir, 'app.log');
    writeFileSync(path, lines('a', 0, 3));
    let excluded = false;
    running = await runTailer(state(), { include: [join(dir, '*.log')], exclude: () => excluded });
    await eventually(() => expect(running!.texts()).toHaveLength(3));
    excluded = true;
    await eventually(async () => expect(await running!.metric('logship_tail_files')).toBe(0));
    appendFileSync(path, lines('a', 3, 4));
    excluded = false;
    await eventually(() => expect(running!.texts()).toEqual(expected('a', 0, 4)));
  });
});

describe('tailer: rotation while stopped', () => {
  it('finishes a file renamed out of the globs while stopped, from its checkpoint, then follows the new file', async () => {
    const path = join(dir, 'access.log');
    writeFileSync(path, lines('old', 0, 3));
    const first = await runTailer(state(), { include: [path] });
    await eventually(() => expect(first.texts()).toHaveLength(3));
    await first.stop();
    appendFileSync(path, lines('old', 3, 5));
    renameSync(path, join(dir, 'access.log.1'));
    writeFileSync(path, lines('new', 0, 2));
    running = await runTailer(state(), { include: [path] });
    await eventually(() => expect(sorted(running!.texts())).toEqual(sorted([...expected('old', 3, 5), ...expected('new', 0, 2)])));
    expect(running.received.find((line) => line.text === expected('old', 3, 4)[0])?.path).toBe(join(dir, 'access.log.1'));
    // Finished and forgotten: only the new file is left in the checkpoints.
    await eventually(async () => expect(await running!.metric('logship_tail_files')).toBe(1));
    expect(running.checkpoints.sources()).toHaveLength(1);
  });
});
