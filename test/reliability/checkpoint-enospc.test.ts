/**
 * Issue 8's bad-environment case: the checkpoint directory's filesystem is full (ENOSPC). The sidecar must
 * say so clearly (an error log and a metric), keep shipping, and write its checkpoint once space is back.
 * The full filesystem is a real 64 KiB tmpfs (mounting needs root, which the sandbox and CI have).
 */
import { spawnSync } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { startRecordingBulkEndpoint, type RecordingBulkEndpoint } from '../helpers/recording-bulk-endpoint.ts';
import { freePort, startLogship, type LogshipProcess } from '../helpers/logship-process.ts';

const INDEX = 'logs-nginx.access-default';
const line = (i: number) => `10.2.0.${i % 250} - - [23/Nov/2026:06:16:36 +0000] "GET /enospc/${i} HTTP/1.1" 200 ${i} "-" "enospc"`;

describe('a full checkpoint filesystem', () => {
  let dir = '';
  let mounted = false;
  let es: RecordingBulkEndpoint | undefined;
  let sidecar: LogshipProcess | undefined;
  afterAll(async () => {
    await sidecar?.kill();
    await es?.close();
    if (mounted) spawnSync('umount', [join(dir, 'state')]);
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('reports ENOSPC with a metric and a log line, keeps shipping, and checkpoints once space is back', async () => {
    dir = await mkdtemp(join(tmpdir(), 'logship-enospc-'));
    const state = join(dir, 'state');
    await mkdir(state);
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', state], { encoding: 'utf8' });
    expect(mount.status, `mounting a small tmpfs needs root: ${mount.stderr}`).toBe(0);
    mounted = true;
    // Fill it to the last byte.
    const filler = join(state, 'filler');
    await writeFile(filler, Buffer.alloc(60 * 1024));
    await appendFile(filler, Buffer.alloc(8 * 1024)).catch(() => undefined);

    es = await startRecordingBulkEndpoint();
    const metricsPort = await freePort();
    const logs = join(dir, 'logs');
    await mkdir(logs);
    await writeFile(join(logs, 'access.log'), Array.from({ length: 200 }, (_, i) => `${line(i)}\n`).join(''));
    sidecar = startLogship('sidecar', ['--path', join(logs, '*.log'), '--to', es.url, '--state-dir', state,
      '--metrics-listen', `127.0.0.1:${metricsPort}`, '--labels-file', '/nonexistent', '--annotations-file', '/nonexistent',
      '--batch-max-wait', '20ms', '--log-level', 'warn']);
    const flushErrors = async () => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return text.split('\n').filter((l) => l.startsWith('logship_checkpoint_flush_errors_total{') && l.includes('ENOSPC')).reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    };
    await eventually(() => expect(es!.count(INDEX)).toBe(200), { timeoutMs: 20_000 });
    await eventually(async () => expect(await flushErrors()).toBeGreaterThan(0), { timeoutMs: 20_000 });
    // The log line is written right after the counter moves, but reaches this process through a pipe:
    // on a busy machine it can arrive after the metric was read.
    await eventually(() => expect(sidecar!.output()).toContain('cannot write checkpoints'), { timeoutMs: 10_000 });

    // Shipping goes on while the checkpoint cannot be written.
    await appendFile(join(logs, 'access.log'), Array.from({ length: 100 }, (_, i) => `${line(200 + i)}\n`).join(''));
    await eventually(() => expect(es!.count(INDEX)).toBe(300), { timeoutMs: 20_000 });
    expect(sidecar.child.exitCode).toBeNull();

    // Space comes back: the checkpoint is written, covering everything shipped.
    await rm(filler);
    await eventually(async () => {
      const saved = JSON.parse(await readFile(join(state, 'checkpoints.json'), 'utf8')) as { sources: Record<string, { offset: number }> };
      const offsets = Object.values(saved.sources).map((s) => s.offset);
      const shippedBytes = Array.from({ length: 300 }, (_, i) => Buffer.byteLength(line(i)) + 1).reduce((a, b) => a + b, 0);
      expect(offsets).toContain(shippedBytes);
    }, { timeoutMs: 20_000 });
  });
});
