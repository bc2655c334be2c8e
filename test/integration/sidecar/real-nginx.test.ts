/**
 * Real nginx (Debian's package) writes real access and error logs under load from wrk; the sidecar ships
 * them to a recording `_bulk` endpoint and to the real aggregator. Every line must arrive exactly once.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually.ts';
import { startRecordingBulkEndpoint } from '../../helpers/recording-bulk-endpoint.ts';
import { startAggregator } from '../../helpers/aggregator-process.ts';
import { freePort, startLogship, type LogshipProcess } from '../../helpers/logship-process.ts';

const NGINX = '/usr/sbin/nginx';
const WRK = '/usr/bin/wrk';
const missing = [NGINX, WRK].filter((p) => !existsSync(p));
if (missing.length > 0) {
  if (process.env.CI === 'true') throw new Error(`CI must have ${missing.join(' and ')} (apt packages nginx, wrk; .ci/run installs them)`);
  console.warn(`skipping the real-nginx tests: ${missing.join(', ')} not installed (apt-get install nginx wrk)`);
}

const lineCount = async (path: string): Promise<number> => (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '').length;

describe.skipIf(missing.length > 0)('the sidecar beside a real nginx under load', () => {
  let dir: string;
  let nginx: ChildProcess | undefined;
  let sidecar: LogshipProcess | undefined;
  let port = 0;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'logship-nginx-'));
    await mkdir(join(dir, 'logs'));
    await mkdir(join(dir, 'temp'));
    port = await freePort();
    const temp = (name: string) => `${name}_temp_path ${join(dir, 'temp', name)};`;
    await writeFile(join(dir, 'nginx.conf'), `
daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'logs', 'error.log')} info;
events { worker_connections 512; }
http {
  access_log ${join(dir, 'logs', 'access.log')} combined;
  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}
  server {
    listen 127.0.0.1:${port};
    location / { return 200 "ok\\n"; }
    location /missing { return 404; }
    location /broken { return 500; }
    location /static/ { root ${join(dir, 'www')}; }
  }
}
`);
    nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'logs', 'error.log')], { stdio: 'ignore' });
    await eventually(() => new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => { socket.end(); resolve(); });
      socket.on('error', reject);
    }));
  });
  afterEach(async () => {
    await sidecar?.kill();
    if (nginx !== undefined && nginx.exitCode === null) {
      nginx.kill('SIGKILL');
      await new Promise((resolve) => nginx!.once('exit', resolve));
    }
    await rm(dir, { recursive: true, force: true });
  });

  /** Load from wrk plus the ugly requests nginx logs specially (404s, a missing file, a 400 "GARBAGE"). */
  async function driveTraffic(): Promise<void> {
    const wrk = spawnSync(WRK, ['-t1', '-c8', '-d2s', `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
    expect(wrk.status).toBe(0);
    for (const path of ['/missing?q="quoted"', '/broken', '/static/nothing.css', '/%22weird%22path']) await fetch(`http://127.0.0.1:${port}${path}`, { headers: { 'user-agent': 'Mozilla/5.0 "quoted" <b>' } });
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.end('GARBAGE\r\n\r\n'));
      socket.on('close', () => resolve());
      socket.resume();
    });
    // A graceful stop: nginx finishes writing and closes its logs, so the files are final.
    nginx!.kill('SIGQUIT');
    await new Promise((resolve) => nginx!.once('exit', resolve));
  }

  async function startSidecar(to: string): Promise<void> {
    sidecar = startLogship('sidecar', ['--path', join(dir, 'logs', '*.log'), '--to', to, '--state-dir', join(dir, 'state'),
      '--metrics-listen', `127.0.0.1:${await freePort()}`, '--labels-file', '/nonexistent', '--annotations-file', '/nonexistent',
      '--batch-max-wait', '50ms', '--log-level', 'warn']);
  }

  it('ships every line nginx wrote to a recording _bulk endpoint exactly once, all parsed', async () => {
    const es = await startRecordingBulkEndpoint();
    try {
      await startSidecar(es.url);
      await driveTraffic();
      const access = await lineCount(join(dir, 'logs', 'access.log'));
      const errors = await lineCount(join(dir, 'logs', 'error.log'));
      expect(access).toBeGreaterThan(1000);
      await eventually(() => {
        expect(es.count('logs-nginx.access-default')).toBe(access);
        expect(es.count('logs-nginx.error-default')).toBe(errors);
      }, { timeoutMs: 60_000 });
      const docs = es.list('logs-nginx.access-default').map((d) => d.source as { tags?: string[]; http?: { response?: { status_code?: number } }; url?: { original?: string } });
      expect(docs.filter((d) => d.tags?.includes('logship_parse_failure'))).toEqual([]);
      const statuses = new Set(docs.map((d) => d.http?.response?.status_code));
      for (const status of [200, 404, 500, 400]) expect(statuses).toContain(status);
      expect(docs.some((d) => d.url?.original === 'GARBAGE')).toBe(true);
      expect(es.conflicts).toBe(0);
    } finally {
      await es.close();
    }
  });

  it('ships every line to the real aggregator, which then counts exactly that many', async () => {
    const aggregator = await startAggregator();
    try {
      await startSidecar(aggregator.url);
      await driveTraffic();
      const access = await lineCount(join(dir, 'logs', 'access.log'));
      const count = async (index: string) => ((await (await fetch(`${aggregator.url}/${index}/_count`)).json()) as { count?: number }).count;
      await eventually(async () => expect(await count('logs-nginx.access-default')).toBe(access), { timeoutMs: 60_000 });
      expect(await count('logs-nginx.error-default')).toBe(await lineCount(join(dir, 'logs', 'error.log')));
    } finally {
      await aggregator.cleanup();
    }
  });
});
