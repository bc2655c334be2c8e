import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../../helpers/eventually.ts';
import { runTailer, tempDir, type RunningTailer } from './harness.ts';
import { createCheckpointStore } from '../../../shipper/checkpoint.ts';
import { createTailer } from '../../../shipper/tail/tailer.ts';
import { createLogger } from '../../../shipper/kit/logger.ts';
import { Registry } from '../../../shipper/kit/metrics.ts';

let dir: string;
let cleanup: () => Promise<void>;
let running: RunningTailer | undefined;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('tail'));
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
  await cleanup();
});

const state = (): string => join(dir, 'state');
const lines = (prefix: string, from: number, to: number): string => {
  let text = '';
  for (let index = from; index < to; index++) text += `${prefix} ${index} ${'x'.repeat(index % 17)}\n`;
  return text;
};
const expected = (prefix: string, from: number, to: number): string[] => lines(prefix, from, to).split('\n').slice(0, -1);

describe('tailer: following files', () => {
  it('reads existing files, follows their appends, and picks up files that appear later', async () => {
    writeFileSync(join(dir, 'a.log'), lines('a', 0, 3));
    writeFileSync(join(dir, 'ignored.txt'), 'not matched\n');
    running = await runTailer(state(), { include: [join(dir, '*.log')] });
    await eventually(() => expect(running!.texts()).toEqual(expected('a', 0, 3)));
    appendFileSync(join(dir, 'a.log'), lines('a', 3, 5));
    writeFileSync(join(dir, 'b.log'), lines('b', 0, 2));
    await eventually(() => expect(running!.texts().sort()).toEqual([...expected('a', 0, 5), ...expected('b', 0, 2)].sort()));
    expect(await running.metric('logship_tail_lines_total')).toBe(7);
    expect(await running.metric('logship_tail_files')).toBe(2);
  });

  it('emits a written line within a fraction of a second, woken by filesystem events', async () => {
    writeFileSync(join(dir, 'a.log'), 'first\n');
    // Polling and rescans are slowed to a minute: only filesystem events can bring the line in time.
    running = await runTailer(state(), { include: [join(dir, '*.log')], pollIntervalMs: 60_000, scanIntervalMs: 60_000 });
    await eventually(() => expect(running!.texts()).toEqual(['first']));
    const writtenAt = Date.now();
    appendFileSync(join(dir, 'a.log'), 'second\n');
    await eventually(() => expect(running!.texts()).toEqual(['first', 'second']), { intervalMs: 5 });
    expect(Date.now() - writtenAt).toBeLessThan(1000);
  });

  it('holds a last line without newline until its newline arrives, then emits it exactly once', async () => {
    writeFileSync(join(dir, 'a.log'), 'complete\nhalf a li');
    running = await runTailer(state(), { include: [join(dir, '*.log')] });
    await eventually(() => expect(running!.texts()).toEqual(['complete']));
    appendFileSync(join(dir, 'a.log'), 'ne, still wri');
    // Give the tailer a few polls' worth of chances to emit the fragment wrongly.
    const before = await running.metric('logship_tail_bytes_read_total');
    await eventually(async () => expect(await running!.metric('logship_tail_bytes_read_total')).toBeGreaterThan(before));
    expect(running.texts()).toEqual(['complete']);
    appendFileSync(join(dir, 'a.log'), 'ting\nnext\n');
    await eventually(() => expect(running!.texts()).toEqual(['complete', 'half a line, still writing', 'next']));
    expect(running.received[1]).toMatchObject({ offset: 9, endOffset: 36 });
  });

  it('cuts lines longer than the limit, flags them, and counts them', async () => {
    writeFileSync(join(dir, 'a.log'), `short\n${'y'.repeat(5000)}\r\nafter\n`);
    running = await runTailer(state(), { include: [join(dir, '*.log')], maxLineBytes: 1000, readChunkBytes: 700 });
    await eventually(() => expect(running!.texts()).toHaveLength(3));
    expect(running.received[1]).toMatchObject({ text: 'y'.repeat(1000), offset: 6, endOffset: 5008, truncated: true });
    expect(running.received[2]).toMatchObject({ text: 'after', offset: 5008 });
    expect(await running.metric('logship_tail_truncated_lines_total')).toBe(1);
  });

  it('decodes invalid UTF-8 as replacement characters and keeps going', async () => {
    writeFileSync(join(dir, 'a.log'), Buffer.concat([Buffer.from('ok\nbad '), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(' end\nfine\n')]));
    running = await runTailer(state(), { include: [join(dir, '*.log')] });
    await eventually(() => expect(running!.texts()).toEqual(['ok', 'bad \uFFFD(\uFFFD end', 'fine']));
  });

  it('reads fairly: a small file is not starved by a big one', async () => {
    writeFileSync(join(dir, 'big.log'), lines('big', 0, 40_000));
    writeFileSync(join(dir, 'small.log'), 'small one\n');
    running = await runTailer(state(), { include: [join(dir, '*.log')], readChunkBytes: 16 * 1024 });
    await eventually(() => expect(running!.texts()).toContain('small one'));
    // Round-robin: the small file's line comes within the first few chunks, long before the big file ends.
    expect(running.texts().indexOf('small one')).toBeLessThan(3000);
    await eventually(() => expect(running!.received).toHaveLength(40_001));
  });

  it('follows 500 files at low rates: every line of every file arrives, in order per file', async () => {
    for (let index = 0; index < 500; index++) writeFileSync(join(dir, `app-${index}.log`), `file ${index} line 0\n`);
    running = await runTailer(state(), { include: [join(dir, '*.log')], pollIntervalMs: 100, scanIntervalMs: 1000 });
    await eventually(() => expect(running!.received).toHaveLength(500));
    expect(await running.metric('logship_tail_files')).toBe(500);
    for (let index = 0; index < 500; index += 7) appendFileSync(join(dir, `app-${index}.log`), `file ${index} line 1\nfile ${index} line 2\n`);
    await eventually(() => expect(running!.received).toHaveLength(500 + 2 * 72));
    const perFile = new Map<string, string[]>();
    for (const line of running.received) perFile.set(line.path, [...(perFile.get(line.path) ?? []), line.text]);
    expect(perFile.size).toBe(500);
    expect(perFile.get(join(dir, 'app-497.log'))).toEqual(['file 497 line 0', 'file 497 line 1', 'file 497 line 2']);
    expect(perFile.get(join(dir, 'app-498.log'))).toEqual(['file 498 line 0']);
  });

  it('reads nothing more while the consumer does not ask (back-pressure)', async () => {
    writeFileSync(join(dir, 'a.log'), lines('a', 0, 50_000));
    const logger = createLogger('silent', 'test');
    const registry = new Registry();
    const checkpoints = createCheckpointStore({ dir: state(), logger });
    await checkpoints.load();
    const tailer = createTailer({ include: [join(dir, '*.log')], readFrom: 'beginning', maxLineBytes: 4096, pollIntervalMs: 20, scanIntervalMs: 50, readChunkBytes: 8192, checkpoints, logger, registry });
    await tailer.start();
    const abort = new AbortController();
    const chunks = tailer.lines(abort.signal)[Symbol.asyncIterator]();
    const first = await chunks.next();
    expect(first.done).toBe(false);
    // The tailer keeps scanning and polling while nobody pulls: it notices a new file...
    writeFileSync(join(dir, 'b.log'), 'b\n');
    const files = registry.getSingleMetric('logship_tail_files')!;
    await eventually(async () => expect((await files.get()).values[0]!.value).toBe(2));
    // ...but has read nothing beyond the one chunk that was asked for.
    const bytesRead = (await registry.getSingleMetric('logship_tail_bytes_read_total')!.get()).values[0]!.value;
    expect(bytesRead).toBe(8192);
    abort.abort();
    await tailer.close();
    expect((await chunks.next()).done).toBe(true);
    await checkpoints.close();
  });
});
