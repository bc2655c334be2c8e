/**
 * Real nginx writes the logs, our parsers read them: combined, an escape=json object format, and a
 * text format with `$request_time` and `$upstream_*`, plus the error log, with nginx's clock in a
 * zone with DST. Requests go over raw sockets so the ugly ones (quotes and UTF-8 in headers,
 * GARBAGE, TLS bytes on the HTTP port) reach nginx as sent.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileAccessFormat } from '../../../shipper/parse/nginx-access.ts';
import { createErrorParser } from '../../../shipper/parse/nginx-error.ts';
import type { LogRecord } from '../../../shipper/record.ts';
import { eventually } from '../../helpers/eventually.ts';

const NGINX = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'].find((path) => existsSync(path));
const ZONE = 'Europe/Berlin';

if (!NGINX && process.env.CI !== 'true') {
  console.warn('nginx-real-format: skipped, no nginx binary found (apt-get install -y nginx); CI=true makes this a failure');
}

const JSON_FORMAT = `escape=json '{"time":"$time_iso8601","remote_addr":"$remote_addr","request":"$request","status":$status,'
    '"bytes":$body_bytes_sent,"referrer":"$http_referer","agent":"$http_user_agent","request_time":$request_time}'`;
const TIMED_FORMAT = `'$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" '
    'rt=$request_time ua=$upstream_addr us=$upstream_status urt=$upstream_response_time uct=$upstream_connect_time uht=$upstream_header_time'`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Sends raw bytes and reads until nginx closes the connection. */
async function sendRaw(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    // Not end(): a half-closed client makes nginx log 499 (client closed) for proxied requests.
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

function request(path: string, headers: Record<string, string>): Buffer {
  const head = [`GET ${path} HTTP/1.1`, 'Host: shop.example.test', 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'utf8');
}

function logLines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((line) => line.length > 0) : [];
}

function parseAll(parse: (text: string) => { ok: boolean }, lines: string[]): LogRecord[] {
  return lines.map((line) => {
    const result = parse(line) as { ok: true; record: LogRecord } | { ok: false; error: string };
    if (!result.ok) throw new Error(`${result.error}: ${line}`);
    return result.record;
  });
}

const AGENT = 'Mozilla/5.0 "quoted" café \\ back';
const REQUESTS = 5;

describe.runIf(NGINX !== undefined || process.env.CI === 'true')('logs written by a real nginx', () => {
  const prefix = mkdtempSync(join(tmpdir(), 'logship-nginx-'));
  let nginx: ChildProcess | undefined;
  let startedAt = 0;
  let finishedAt = 0;

  beforeAll(async () => {
    expect(NGINX, 'an nginx binary').toBeDefined();
    const [port, upstreamPort] = [await freePort(), await freePort()];
    for (const dir of ['logs', 'temp']) mkdirSync(join(prefix, dir));
    const asRoot = process.getuid?.() === 0;
    writeFileSync(join(prefix, 'nginx.conf'), `
${asRoot ? 'user root;' : ''}
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log info;
events { worker_connections 64; }
http {
  client_body_temp_path ${prefix}/temp/body; proxy_temp_path ${prefix}/temp/proxy; fastcgi_temp_path ${prefix}/temp/fastcgi;
  uwsgi_temp_path ${prefix}/temp/uwsgi; scgi_temp_path ${prefix}/temp/scgi;
  log_format jsonfmt ${JSON_FORMAT};
  log_format timed ${TIMED_FORMAT};
  server {
    listen 127.0.0.1:${port};
    server_name shop.example.test;
    access_log ${prefix}/logs/combined.log combined;
    access_log ${prefix}/logs/json.log jsonfmt;
    access_log ${prefix}/logs/timed.log timed;
    location / { return 200 "ok"; }
    location /up/ { proxy_pass http://127.0.0.1:${upstreamPort}; }
    location /down/ { proxy_pass http://127.0.0.1:1; }
  }
  server { listen 127.0.0.1:${upstreamPort}; access_log off; location / { return 201 "from upstream"; } }
}
`);
    const check = spawnSync(NGINX!, ['-t', '-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'logs/startup.log')], { encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    nginx = spawn(NGINX!, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'logs/startup.log'), '-g', 'daemon off;'], {
      env: { ...process.env, TZ: ZONE },
      stdio: 'ignore',
    });
    await eventually(async () => (await sendRaw(port, request('/ready', {}))).startsWith('HTTP/1.1 200'));
    startedAt = Date.now();
    // One readiness request is logged too; the five below are the ones under test.
    await sendRaw(port, request('/index.html?x=1&y=%22', { 'User-Agent': AGENT, Referer: 'https://shop.example.test/' }));
    await sendRaw(port, request('/up/items?id=7', { 'User-Agent': 'curl/8.5.0' }));
    await sendRaw(port, request('/down/orders', { 'User-Agent': 'curl/8.5.0' }));
    await sendRaw(port, Buffer.from('GARBAGE\r\n\r\n'));
    await sendRaw(port, Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x0d, 0x0a, 0x0d, 0x0a]));
    await eventually(() => logLines(join(prefix, 'logs/timed.log')).length === REQUESTS + 1);
    finishedAt = Date.now();
  });

  afterAll(() => {
    nginx?.kill('SIGQUIT');
    rmSync(prefix, { recursive: true, force: true });
  });

  const within = (iso: unknown): void => {
    const at = Date.parse(String(iso));
    // nginx's clock has a one-second resolution here; its times are in a zone with DST.
    expect(at).toBeGreaterThanOrEqual(Math.floor(startedAt / 1000) * 1000 - 1000);
    expect(at).toBeLessThanOrEqual(finishedAt + 1000);
  };

  it('parses the combined log, decoding quotes, UTF-8 and backslashes nginx escaped', () => {
    const records = parseAll(compileAccessFormat('combined'), logLines(join(prefix, 'logs/combined.log'))).slice(1);
    expect(records.map((record) => (record.http as { response: { status_code: number } }).response.status_code)).toEqual([200, 201, 502, 400, 400]);
    expect(records[0]!.user_agent).toEqual({ original: AGENT });
    expect(records[0]!.url).toEqual({ original: '/index.html?x=1&y=%22', path: '/index.html', query: 'x=1&y=%22' });
    expect(records[3]!.url).toEqual({ original: 'GARBAGE' });
    expect((records[4]!.url as { original: string }).original.startsWith('\u0016\u0003\u0001')).toBe(true);
    for (const record of records) within(record['@timestamp']);
    // nginx really ran in Berlin time (never UTC), so the offset conversion was exercised.
    expect(String(records[0]!.message)).toMatch(/ \+0[12]00\] /);
  });

  it('parses the escape=json object format to the same values', () => {
    const records = parseAll(compileAccessFormat(`log_format jsonfmt ${JSON_FORMAT};`), logLines(join(prefix, 'logs/json.log'))).slice(1);
    expect(records.map((record) => (record.http as { response: { status_code: number } }).response.status_code)).toEqual([200, 201, 502, 400, 400]);
    expect(records[0]!.user_agent).toEqual({ original: AGENT });
    expect(records[0]!.http).toMatchObject({ request: { method: 'GET', referrer: 'https://shop.example.test/' }, version: '1.1' });
    for (const record of records) {
      within(record['@timestamp']);
      expect(Number.isInteger((record.event as { duration: number }).duration)).toBe(true);
    }
  });

  it('parses the text format with $request_time and the upstream variables', () => {
    const records = parseAll(compileAccessFormat(`log_format timed ${TIMED_FORMAT};`), logLines(join(prefix, 'logs/timed.log'))).slice(1);
    const upstream = (record: LogRecord) => (record.nginx as { access?: { upstream?: Record<string, unknown> } } | undefined)?.access?.upstream;
    expect(upstream(records[0]!)).toBeUndefined();
    expect(upstream(records[1]!)).toMatchObject({ status_code: 201, address: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    expect(typeof (upstream(records[1]!)!.response as { time: number }).time).toBe('number');
    expect(upstream(records[2]!)).toMatchObject({ status_code: 502, address: '127.0.0.1:1' });
    expect(records[0]!.user_agent).toEqual({ original: AGENT });
  });

  it('parses the error log in the zone nginx ran in, with the request context split off', () => {
    const records = parseAll(createErrorParser({ timeZone: ZONE }), logLines(join(prefix, 'logs/error.log')));
    const refused = records.find((record) => String(record.message).startsWith('connect() failed'));
    expect(refused).toMatchObject({
      log: { level: 'error' },
      source: { address: '127.0.0.1', ip: '127.0.0.1' },
      url: { original: '/down/orders', domain: 'shop.example.test' },
      nginx: { error: { server: 'shop.example.test', upstream: 'http://127.0.0.1:1/down/orders' } },
    });
    within(refused!['@timestamp']);
  });
});
