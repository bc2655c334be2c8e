/**
 * Issue 8's misbehaving store: a `_bulk` endpoint that answers 429 with Retry-After for 30 s, then 500s,
 * connection resets, a 10 s stall and per-item mapping errors, while nginx lines keep coming. Everything
 * must end up delivered or dead-lettered, nothing lost, and the sidecar's memory must stay bounded: the
 * buffer never above --max-buffer-bytes, the process under the heap bounds the manifests set.
 */
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { startRecordingBulkEndpoint, type RecordingBulkEndpoint } from '../helpers/recording-bulk-endpoint.ts';
import { freePort, startLogship, type LogshipProcess } from '../helpers/logship-process.ts';

const INDEX = 'logs-nginx.access-default';
const DEAD = 'logs-logship.deadletter-default';
const line = (i: number) => `10.1.${(i >> 8) & 255}.${i & 255} - - [23/Nov/2026:06:16:36 +0000] "GET /store/${i} HTTP/1.1" ${i % 97 === 0 ? 599 : 200} ${i} "-" "misbehaving-store"`;
const MAX_BUFFER = 2 * 1024 * 1024;

describe('a misbehaving store', () => {
  let dir = '';
  let es: RecordingBulkEndpoint | undefined;
  let sidecar: LogshipProcess | undefined;
  afterAll(async () => {
    await sidecar?.kill();
    await es?.close();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('ends with every line delivered or dead-lettered, none lost, memory bounded', async () => {
    dir = await mkdtemp(join(tmpdir(), 'logship-misbehaving-'));
    es = await startRecordingBulkEndpoint();
    // Items whose status is 599 are refused for good, as a mapping conflict would be.
    es.setItemHook((doc) => ((doc.source as { http?: { response?: { status_code?: number } } } | undefined)?.http?.response?.status_code === 599
      ? { status: 400, type: 'document_parsing_exception', reason: 'failed to parse field [http.response.status_code]' } : undefined));
    const metricsPort = await freePort();
    sidecar = startLogship('sidecar', ['--path', join(dir, 'access.log'), '--to', es.url, '--state-dir', join(dir, 'state'),
      '--metrics-listen', `127.0.0.1:${metricsPort}`, '--labels-file', '/nonexistent', '--annotations-file', '/nonexistent',
      '--batch-max-docs', '500', '--batch-max-wait', '20ms', '--max-buffer-bytes', String(MAX_BUFFER), '--retry-max-backoff', '2s', '--log-level', 'warn'],
    { NODE_OPTIONS: '--max-old-space-size=128 --max-semi-space-size=2' });
    const metric = async (name: string): Promise<number> => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return text.split('\n').filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`)).reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    };

    let written = 0;
    const write = async (count: number) => {
      let text = '';
      for (let i = written; i < written + count; i++) text += `${line(i)}\n`;
      await appendFile(join(dir, 'access.log'), text);
      written += count;
    };

    // 30 s of 429 with Retry-After while 50,000 lines arrive: the buffer fills and reading pauses.
    es.fail({ kind: 'status', status: 429, retryAfterSeconds: 2 });
    const outageEnds = Date.now() + 30_000;
    let maxBuffer = 0;
    // Poll until the outage has lasted 30 s, writing as nginx would and sampling the buffer each time.
    await eventually(async () => {
      if (written < 50_000) await write(5_000);
      maxBuffer = Math.max(maxBuffer, await metric('logship_buffer_bytes'));
      expect(Date.now()).toBeGreaterThanOrEqual(outageEnds);
    }, { timeoutMs: 45_000, intervalMs: 200 });
    expect(es.count()).toBe(0);
    expect(maxBuffer).toBeGreaterThan(0);
    expect(maxBuffer).toBeLessThanOrEqual(MAX_BUFFER + 600 * 1024); // one chunk of records may overshoot before push waits
    expect(await metric('logship_backpressure_pauses_total')).toBeGreaterThan(0);

    // Then 500s, resets (before and after the store applied the items), and a 10 s stall.
    es.fail({ kind: 'status', status: 500 }, 3);
    await eventually(() => expect(es!.requests.filter((r) => r.status === 500).length).toBe(3), { timeoutMs: 20_000 });
    es.fail({ kind: 'reset' }, 2);
    await eventually(() => expect(es!.requests.filter((r) => r.status === 0).length).toBeGreaterThanOrEqual(2), { timeoutMs: 20_000 });
    es.fail({ kind: 'reset-after-apply' }, 2);
    await write(10_000);
    await eventually(() => expect(es!.conflicts).toBeGreaterThan(0), { timeoutMs: 30_000 });
    es.fail({ kind: 'delay', ms: 10_000 }, 1);
    await write(10_000);

    const refused = Array.from({ length: written }, (_, i) => i).filter((i) => i % 97 === 0).length;
    await eventually(() => {
      expect(es!.count(INDEX)).toBe(written - refused);
      expect(es!.count(DEAD)).toBe(refused);
    }, { timeoutMs: 90_000, intervalMs: 250 });
    const status = await readFile(`/proc/${sidecar.child.pid}/status`, 'utf8');
    const peakMiB = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
    expect(peakMiB).toBeLessThan(300);
    expect(sidecar.child.exitCode).toBeNull();
  }, 240_000);
});
