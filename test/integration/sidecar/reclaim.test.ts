/**
 * Issue 3, "keeping the emptyDir small": with --reclaim-shipped the sidecar gives back the disk space of
 * what the store has acknowledged, while nginx (here a writer appending the same way) keeps writing to the
 * same never-rotated file — and every line still arrives exactly once.
 */
import { spawnSync } from 'node:child_process';
import { appendFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually.ts';
import { startRecordingBulkEndpoint, type RecordingBulkEndpoint } from '../../helpers/recording-bulk-endpoint.ts';
import { freePort, startLogship, type LogshipProcess } from '../../helpers/logship-process.ts';

const MiB = 1024 * 1024;
const line = (i: number) => `10.0.${(i >> 8) & 255}.${i & 255} - - [23/Nov/2026:06:16:36 +0000] "GET /reclaim/${i}?pad=${'x'.repeat(120)} HTTP/1.1" 200 ${i} "-" "reclaim-test"`;

describe('keeping an un-rotated emptyDir small', () => {
  let dir = '';
  let es: RecordingBulkEndpoint | undefined;
  let sidecar: LogshipProcess | undefined;
  afterEach(async () => {
    await sidecar?.kill();
    await es?.close();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('holds the disk used by already shipped bytes bounded while every line arrives exactly once', async () => {
    dir = await mkdtemp(join(tmpdir(), 'logship-reclaim-'));
    const file = join(dir, 'access.log');
    await writeFile(file, '');
    // Hole punching needs filesystem support; say so plainly rather than pass vacuously.
    const probe = spawnSync('fallocate', ['--punch-hole', '--keep-size', '--offset', '0', '--length', '4096', file]);
    expect(probe.status, `fallocate --punch-hole must work on ${tmpdir()} (util-linux; ext4/xfs/tmpfs)`).toBe(0);

    es = await startRecordingBulkEndpoint();
    sidecar = startLogship('sidecar', ['--path', file, '--to', es.url, '--state-dir', join(dir, 'state'),
      '--metrics-listen', `127.0.0.1:${await freePort()}`, '--labels-file', '/nonexistent', '--annotations-file', '/nonexistent',
      '--batch-max-wait', '20ms', '--log-level', 'warn', '--reclaim-shipped', '--reclaim-min-bytes', '256KiB', '--reclaim-interval', '100ms']);

    const total = 120_000; // ~20 MiB written to one file that nobody rotates
    let maxAllocated = 0;
    for (let written = 0; written < total; written += 4000) {
      let chunk = '';
      for (let i = written; i < written + 4000; i++) chunk += `${line(i)}\n`;
      await appendFile(file, chunk);
      await eventually(() => expect(es!.count()).toBeGreaterThanOrEqual(written), { timeoutMs: 30_000 });
      const { blocks } = await stat(file);
      maxAllocated = Math.max(maxAllocated, blocks * 512);
    }
    await eventually(() => expect(es!.count()).toBe(total), { timeoutMs: 30_000 });
    const { size } = await stat(file);
    await eventually(async () => expect((await stat(file)).blocks * 512).toBeLessThan(2 * MiB), { timeoutMs: 10_000 });
    expect(size).toBeGreaterThan(15 * MiB);
    // Bounded by what is written between two reclaims plus the threshold, never by the file's size.
    expect(maxAllocated).toBeLessThan(6 * MiB);
    expect(es.conflicts).toBe(0);
    // No line was read back from a punched hole: every message is one of the lines written, each once.
    const messages = new Set(es.list().map((d) => (d.source as { message: string }).message));
    expect(messages.size).toBe(total);
    expect(messages.has(line(0))).toBe(true);
    expect(messages.has(line(total - 1))).toBe(true);
  });
});
