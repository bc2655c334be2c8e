import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeSync, openSync, statSync, writeFileSync, writeSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { eventually } from '../../helpers/eventually.ts';
import { runTailer, tempDir, type RunningTailer } from './harness.ts';
import { createReclaimer, type Reclaimer } from '../../../shipper/tail/reclaim.ts';
import { createLogger } from '../../../shipper/kit/logger.ts';

let dir: string;
let cleanup: () => Promise<void>;
let running: RunningTailer | undefined;
let reclaimer: Reclaimer | undefined; // created by a test itself, not through the harness
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('reclaim'));
  // The tests need a filesystem that can punch holes; the temporary directory here is ext4.
  writeFileSync(join(dir, 'probe'), Buffer.alloc(64 * 1024, 1));
  execFileSync('fallocate', ['--punch-hole', '--keep-size', '--offset', '4096', '--length', '8192', join(dir, 'probe')]);
});
afterEach(async () => {
  await reclaimer?.close();
  await running?.stop();
  running = undefined;
  reclaimer = undefined;
  await cleanup();
});

const allocated = (path: string): number => statSync(path).blocks * 512;

describe('reclaiming shipped ranges', () => {
  it('keeps disk usage bounded while a writer keeps appending, and every line is still read exactly once', async () => {
    const path = join(dir, 'access.log');
    const writer = openSync(path, 'a');
    writeSync(writer, 'first line, the fingerprint\n');
    running = await runTailer(join(dir, 'state'), { include: [path] }, true, { minBytes: 64 * 1024, intervalMs: 20 });
    let written = 1;
    let maxAllocated = 0;
    const line = (index: number): string => `10.0.0.${index % 250} - - [24/Nov/2026:05:00:00 +0000] "GET /item/${index} HTTP/1.1" 200 ${index % 9000} "-" "bench/1.0"\n`;
    for (let round = 0; round < 40; round++) {
      let batch = '';
      for (let index = 0; index < 4000; index++) batch += line(written + index);
      writeSync(writer, batch);
      written += 4000;
      const target = written;
      await eventually(() => expect(running!.received.length).toBe(target));
      await eventually(() => expect(allocated(path)).toBeLessThan(1024 * 1024));
      maxAllocated = Math.max(maxAllocated, allocated(path));
    }
    closeSync(writer);
    const size = statSync(path).size;
    expect(size).toBeGreaterThan(12 * 1024 * 1024);
    expect(maxAllocated).toBeLessThan(1024 * 1024);
    expect(await running.metric('logship_reclaim_bytes_total')).toBeGreaterThan(size - 1024 * 1024);
    // Exactly once: every line, no duplicates, in order.
    const texts = running.texts();
    expect(texts).toHaveLength(written);
    expect(new Set(texts).size).toBe(written);
    expect(texts[1]).toBe(line(1).trimEnd());
    expect(texts.at(-1)).toBe(line(written - 1).trimEnd());
    // The fingerprint block survives; the shipped middle reads back as zeros.
    const bytes = readFileSync(path);
    expect(bytes.subarray(0, 28).toString()).toBe('first line, the fingerprint\n');
    expect(bytes[size / 2 | 0]).toBe(0);
  }, 60_000);

  it('never punches the first block, nor anything above the committed offset', async () => {
    const path = join(dir, 'a.log');
    writeFileSync(path, `${'a'.repeat(99)}\n`.repeat(2000)); // 200 000 bytes
    const logger = createLogger('silent', 'test');
    running = await runTailer(join(dir, 'state'), { include: [path] }, false);
    await eventually(() => expect(running!.received).toHaveLength(2000));
    const source = running.received[0]!.source;
    running.checkpoints.settle(source, 0, 100_000);
    reclaimer = createReclaimer({ checkpoints: running.checkpoints, minBytes: 4096, intervalMs: 60_000, logger, registry: running.registry });
    reclaimer.track(path, source);
    await reclaimer.reclaimNow();
    const bytes = readFileSync(path);
    expect(bytes.subarray(0, 4096).every((byte) => byte !== 0)).toBe(true);
    expect(bytes.subarray(4096, 98_304).every((byte) => byte === 0)).toBe(true);
    expect(bytes.subarray(98_304).every((byte) => byte !== 0)).toBe(true);
  });

  it('does not punch a file that replaced the tracked one under the same path', async () => {
    const path = join(dir, 'a.log');
    writeFileSync(path, `${'a'.repeat(99)}\n`.repeat(2000));
    const logger = createLogger('silent', 'test');
    running = await runTailer(join(dir, 'state'), { include: [path] });
    await eventually(() => expect(running!.received).toHaveLength(2000));
    const source = running.received[0]!.source;
    await running.stop();
    running = undefined;
    writeFileSync(join(dir, 'b.log'), `${'b'.repeat(99)}\n`.repeat(2000));
    execFileSync('mv', [join(dir, 'b.log'), path]);
    const checkpoints = { committed: () => 200_000 } as unknown as Parameters<typeof createReclaimer>[0]['checkpoints'];
    const { Registry } = await import('../../../shipper/kit/metrics.ts');
    reclaimer = createReclaimer({ checkpoints, minBytes: 4096, intervalMs: 60_000, logger, registry: new Registry() });
    reclaimer.track(path, source);
    await reclaimer.reclaimNow();
    expect(readFileSync(path).includes(0)).toBe(false);
  });

  it('turns itself off with one error when fallocate cannot be run, and never throws', async () => {
    const path = join(dir, 'a.log');
    writeFileSync(path, `${'a'.repeat(99)}\n`.repeat(2000));
    running = await runTailer(join(dir, 'state'), { include: [path] });
    await eventually(() => expect(running!.received).toHaveLength(2000));
    const logger = createLogger('silent', 'test');
    reclaimer = createReclaimer({ checkpoints: running.checkpoints, minBytes: 4096, intervalMs: 60_000, logger, registry: running.registry });
    reclaimer.track(path, running.received[0]!.source);
    const savedPath = process.env.PATH;
    process.env.PATH = join(dir, 'no-such-bin');
    try {
      await reclaimer.reclaimNow();
      await reclaimer.reclaimNow();
    } finally {
      process.env.PATH = savedPath;
    }
    expect(await running.metric('logship_reclaim_errors_total', { reason: 'unsupported' })).toBe(1);
    expect(readFileSync(path).includes(0)).toBe(false);
  });
});
