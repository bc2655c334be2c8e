/**
 * Issue 8's file-tailing correctness cases, end to end: the real sidecar process, real files changed the
 * way logrotate, nginx and operators change them, a real HTTP `_bulk` endpoint — and exact counts.
 * (Vector's file-source harness cases; Filebeat, Fluent Bit, Fluentd and Logstash each fail one of them.)
 */
import { appendFile, copyFile, mkdtemp, rename, rm, truncate, writeFile, mkdir, symlink, chmod, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { startRecordingBulkEndpoint, type RecordingBulkEndpoint } from '../helpers/recording-bulk-endpoint.ts';
import { freePort, startLogship, type LogshipProcess } from '../helpers/logship-process.ts';

const INDEX = 'logs-nginx.access-default';
const line = (tag: string, i: number) => `10.0.0.${i % 250} - - [23/Nov/2026:06:16:36 +0000] "GET /${tag}/${i} HTTP/1.1" 200 ${i} "-" "reliability"`;
const lines = (tag: string, count: number) => Array.from({ length: count }, (_, i) => line(tag, i));

describe('file tailing correctness (exact records, no more, no fewer)', () => {
  let dir: string;
  let es: RecordingBulkEndpoint;
  let sidecar: LogshipProcess | undefined;
  let metricsPort = 0;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'logship-reliability-'));
    await mkdir(join(dir, 'logs'));
    es = await startRecordingBulkEndpoint();
  });
  afterEach(async () => {
    await sidecar?.kill();
    await es.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function start(paths: string[] = [join(dir, 'logs', '*.log')], extra: string[] = []): Promise<LogshipProcess> {
    metricsPort = await freePort();
    sidecar = startLogship('sidecar', [
      ...paths.flatMap((p) => ['--path', p]), '--to', es.url, '--state-dir', join(dir, 'state'),
      '--metrics-listen', `127.0.0.1:${metricsPort}`, '--labels-file', '/nonexistent', '--annotations-file', '/nonexistent',
      '--batch-max-wait', '20ms', '--retry-max-backoff', '200ms', '--poll-interval', '100ms', '--log-level', 'warn', ...extra,
    ]);
    return sidecar;
  }
  const write = (name: string, text: readonly string[]) => appendFile(join(dir, 'logs', name), text.map((l) => `${l}\n`).join(''));
  const messages = (): string[] => es.list(INDEX).map((d) => (d.source as { message: string }).message).sort();
  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    return text.split('\n').filter((l) => l.startsWith(name)).reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  };

  it('rotation by rename + create: finishes the renamed file (a late write included), then follows the new one', async () => {
    await write('access.log', lines('before', 500));
    await start();
    await eventually(() => expect(es.count(INDEX)).toBe(500));
    await rename(join(dir, 'logs', 'access.log'), join(dir, 'logs', 'access.log.1'));
    await write('access.log.1', lines('late', 3)); // nginx keeps writing to the old fd until it reopens
    await write('access.log', lines('after', 400));
    await eventually(() => expect(es.count(INDEX)).toBe(903), { timeoutMs: 20_000 });
    expect(messages()).toEqual([...lines('before', 500), ...lines('late', 3), ...lines('after', 400)].sort());
  });

  it('copytruncate: the copy is recognised and not re-read, the truncated file is followed from 0', async () => {
    await write('access.log', lines('first', 300));
    await start([join(dir, 'logs', 'access.log*')]);
    await eventually(() => expect(es.count(INDEX)).toBe(300));
    await copyFile(join(dir, 'logs', 'access.log'), join(dir, 'logs', 'access.log.1'));
    await truncate(join(dir, 'logs', 'access.log'), 0);
    await write('access.log', lines('second', 200));
    await eventually(() => expect(es.count(INDEX)).toBe(500), { timeoutMs: 20_000 });
    expect(messages()).toEqual([...lines('first', 300), ...lines('second', 200)].sort());
    // Nothing arrives late from the copy.
    await eventually(async () => expect(await metric('logship_tail_rotations_total')).toBeGreaterThan(0));
    expect(es.count(INDEX)).toBe(500);
  });

  it('plain truncation restarts at 0 and counts it', async () => {
    await write('access.log', lines('one', 100));
    await start();
    await eventually(() => expect(es.count(INDEX)).toBe(100));
    await writeFile(join(dir, 'logs', 'access.log'), '');
    await write('access.log', lines('two', 40));
    await eventually(() => expect(es.count(INDEX)).toBe(140), { timeoutMs: 20_000 });
    expect(messages()).toEqual([...lines('one', 100), ...lines('two', 40)].sort());
  });

  it('reloads its configuration on SIGHUP without losing or repeating a line', async () => {
    const configFile = join(dir, 'sidecar.yaml');
    await writeFile(configFile, `path:\n  - ${join(dir, 'logs', 'access.log')}\n`);
    await write('access.log', lines('a', 200));
    await write('other.log', lines('o', 50));
    sidecar = startLogship('sidecar', ['--config', configFile, '--to', es.url, '--state-dir', join(dir, 'state'),
      '--metrics-listen', `127.0.0.1:${await freePort()}`, '--labels-file', '/nonexistent', '--annotations-file', '/nonexistent',
      '--batch-max-wait', '20ms', '--log-level', 'warn']);
    await eventually(() => expect(es.count(INDEX)).toBe(200));
    let writing = true;
    let extra = 0;
    const writer = (async () => {
      while (writing) {
        await write('access.log', [line('during', extra++)]);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await writeFile(configFile, `path:\n  - ${join(dir, 'logs', '*.log')}\n`);
    sidecar.child.kill('SIGHUP');
    await eventually(() => expect(es.count(INDEX)).toBeGreaterThanOrEqual(250 + 100), { timeoutMs: 20_000 });
    writing = false;
    await writer;
    await eventually(() => expect(es.count(INDEX)).toBe(250 + extra), { timeoutMs: 20_000 });
    expect(sidecar.child.exitCode).toBeNull();
    expect(es.conflicts).toBe(0);
  });

  it('keeps its place across a restart while the store is down', async () => {
    await write('access.log', lines('up', 100));
    await start(undefined, ['--shutdown-timeout', '1500ms']);
    await eventually(() => expect(es.count(INDEX)).toBe(100));
    es.fail({ kind: 'reset' });
    await write('access.log', lines('down', 100));
    await eventually(() => expect(es.requests.filter((r) => r.status === 0).length).toBeGreaterThan(1));
    expect(await sidecar!.stop()).toBe(0);
    await write('access.log', lines('stopped', 100));
    await start(undefined, ['--shutdown-timeout', '1500ms']);
    await eventually(() => expect(es.requests.filter((r) => r.status === 0).length).toBeGreaterThan(3));
    es.recover();
    await eventually(() => expect(es.count(INDEX)).toBe(300), { timeoutMs: 20_000 });
    expect(messages()).toEqual([...lines('up', 100), ...lines('down', 100), ...lines('stopped', 100)].sort());
  });

  it('survives bad input and bad paths, and the other files keep flowing', async () => {
    const logs = join(dir, 'logs');
    await mkdir(join(logs, 'adir.log'));                       // a directory matching the glob
    await symlink(join(logs, 'loop-b.log'), join(logs, 'loop-a.log'));
    await symlink(join(logs, 'loop-a.log'), join(logs, 'loop-b.log')); // a symlink loop
    const big = 'x'.repeat(2 * 1024 * 1024);
    const garbage = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a, 0xc3, 0x28, 0x00, 0x0a, 0x01, 0x02, 0x0d, 0x0a]);
    await write('access.log', [line('ok', 1), big, `${line('crlf', 2)}\r`, 'GARBAGE not nginx at all']);
    await appendFile(join(logs, 'access.log'), garbage);
    await write('access.log', [line('ok', 3)]);
    await write('gone.log', [line('gone', 4)]);
    await start([join(logs, '*.log')], ['--max-line-bytes', '64KiB']);
    await eventually(() => expect(es.count(INDEX)).toBe(5 + 3 + 1), { timeoutMs: 20_000 });
    await unlink(join(logs, 'gone.log'));                      // deleted while open
    await write('next.log', [line('next', 5)]);
    await eventually(() => expect(es.count(INDEX)).toBe(10), { timeoutMs: 20_000 });
    const docs = es.list(INDEX).map((d) => d.source as { message: string; tags?: string[] });
    const cut = docs.find((d) => d.tags?.includes('logship_truncated'));
    expect(cut).toBeDefined();
    expect(Buffer.byteLength(cut!.message)).toBeLessThanOrEqual(64 * 1024);
    const crlf = docs.find((d) => d.message.includes('/crlf/2'))!;
    expect(crlf.message.endsWith('\r')).toBe(false);
    expect(docs.filter((d) => d.tags?.includes('logship_parse_failure')).length).toBeGreaterThanOrEqual(3);
    expect(sidecar!.child.exitCode).toBeNull();
    await chmod(join(logs, 'next.log'), 0o000);               // root still reads it; no crash either way
    await write('last.log', [line('last', 6)]);
    await eventually(() => expect(es.count(INDEX)).toBe(11), { timeoutMs: 20_000 });
  });
});
