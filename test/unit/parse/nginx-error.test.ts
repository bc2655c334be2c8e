import { describe, expect, it, vi } from 'vitest';
import { createErrorParser } from '../../../shipper/parse/nginx-error.ts';
import type { LogRecord, ParseResult } from '../../../shipper/record.ts';

function parsed(result: ParseResult): LogRecord {
  if (!result.ok) throw new Error(`expected the line to parse, got: ${result.error}`);
  return result.record;
}

const utc = createErrorParser({ timeZone: 'UTC' });

describe('nginx error lines', () => {
  it('read a start-up notice without a connection number', () => {
    const line = '2026/11/23 06:16:36 [notice] 13115#13115: using the "epoll" event method';
    expect(parsed(utc(line))).toEqual({
      '@timestamp': '2026-11-23T06:16:36.000Z',
      message: 'using the "epoll" event method',
      log: { level: 'notice' },
      process: { pid: 13115, thread: { id: 13115 } },
      event: { dataset: 'nginx.error' },
    });
  });

  it('split every context pair nginx appends off the message and map it', () => {
    const line = '2026/11/23 06:16:36 [error] 13117#13118: *4 connect() failed (111: Connection refused) while connecting to upstream, ' +
      'client: 191.161.155.47, server: shop.example.test, request: "POST /api/v1/search?q=red+shoes HTTP/1.1", subrequest: "/auth", ' +
      'upstream: "http://127.0.0.1:9/api/v1/search?q=red+shoes", host: "127.0.0.1:8080", referrer: "android-app://com.google.android.gm/"';
    expect(parsed(utc(line))).toEqual({
      '@timestamp': '2026-11-23T06:16:36.000Z',
      message: 'connect() failed (111: Connection refused) while connecting to upstream',
      source: { address: '191.161.155.47', ip: '191.161.155.47' },
      http: { request: { method: 'POST', referrer: 'android-app://com.google.android.gm/' }, version: '1.1' },
      url: { original: '/api/v1/search?q=red+shoes', path: '/api/v1/search', query: 'q=red+shoes', domain: '127.0.0.1', port: 8080 },
      log: { level: 'error' },
      process: { pid: 13117, thread: { id: 13118 } },
      event: { dataset: 'nginx.error' },
      nginx: { error: { connection_id: 4, server: 'shop.example.test', subrequest: '/auth', upstream: 'http://127.0.0.1:9/api/v1/search?q=red+shoes' } },
    });
  });

  it('read an IPv6 client and a context without request or host', () => {
    const record = parsed(utc('2026/11/23 06:16:36 [info] 7#7: *120 client closed connection while waiting for request, client: 2001:db8::7, server: 0.0.0.0:80'));
    expect(record.message).toBe('client closed connection while waiting for request');
    expect(record.source).toEqual({ address: '2001:db8::7', ip: '2001:db8::7' });
    expect(record.nginx).toEqual({ error: { connection_id: 120, server: '0.0.0.0:80' } });
    expect(record.url).toBeUndefined();
  });

  it('keep commas inside a message that has no context', () => {
    const record = parsed(utc('2026/11/23 06:16:36 [emerg] 1#1: bind() to 0.0.0.0:80 failed (98: Address in use), retrying, again'));
    expect(record.message).toBe('bind() to 0.0.0.0:80 failed (98: Address in use), retrying, again');
    expect(record.source).toBeUndefined();
    expect(record.nginx).toBeUndefined();
  });

  it('not take ", client: " quoted inside the message for the start of the context', () => {
    const record = parsed(utc('2026/11/23 06:16:36 [error] 1#1: *5 upstream sent "a, client: b" while reading, client: 1.2.3.4, server: s, request: "GET / HTTP/1.1"'));
    expect(record.message).toBe('upstream sent "a, client: b" while reading');
    expect(record.source).toEqual({ address: '1.2.3.4', ip: '1.2.3.4' });
  });

  it('not cut a request line that contains ", host: " short', () => {
    const record = parsed(utc('2026/11/23 06:16:36 [error] 1#1: *5 oops, client: 1.2.3.4, server: s, request: "GET /?x=, host: \\"y HTTP/1.1", host: "h"'));
    expect(record.url).toMatchObject({ original: '/?x=, host: \\"y', domain: 'h' });
  });

  it.each([
    ['a name with a port', 'shop.example.test:8080', { domain: 'shop.example.test', port: 8080 }],
    ['a name without a port', 'shop.example.test', { domain: 'shop.example.test' }],
    ['a bracketed IPv6 address with a port', '[2001:db8::1]:443', { domain: '[2001:db8::1]', port: 443 }],
    ['a bracketed IPv6 address without a port', '[2001:db8::1]', { domain: '[2001:db8::1]' }],
    ['something that only looks like a port', 'odd:host:12', { domain: 'odd:host:12' }],
  ])('split the Host header into url.domain and url.port for %s', (_case, host, url) => {
    const record = parsed(utc(`2026/11/23 06:16:36 [error] 1#1: *1 x, client: 10.0.0.1, server: s, request: "GET / HTTP/1.1", host: "${host}"`));
    expect(record.url).toEqual({ original: '/', path: '/', ...url });
  });

  it('read a request line that is not HTTP as url.original only', () => {
    const record = parsed(utc('2026/11/23 06:16:36 [info] 1#1: *9 client sent invalid method while reading client request line, client: 10.0.0.1, server: s, request: "GARBAGE"'));
    expect(record.url).toEqual({ original: 'GARBAGE' });
    expect(record.http).toBeUndefined();
  });

  it('keep a stream-module context it does not know whole in the message rather than mis-split it', () => {
    const line = '2026/11/23 06:16:36 [error] 1#1: *3 upstream timed out (110: Connection timed out) while proxying connection, client: 10.0.0.1, server: 0.0.0.0:5432, upstream: "10.0.0.9:5432", bytes from/to client:0/0, bytes from/to upstream:0/0';
    const record = parsed(utc(line));
    expect(record.message).toBe(line.slice(line.indexOf('*3 ') + 3));
    expect(record.source).toBeUndefined();
  });

  it('stay fast on a hostile line full of ", client: " and keep it whole', () => {
    const line = `2026/11/23 06:16:36 [error] 1#1: *1 ${', client: a b'.repeat(50_000)}`;
    const started = performance.now();
    const record = parsed(utc(line));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(record.message).toBe(line.slice(line.indexOf('*1 ') + 3));
  });

  it.each(['debug', 'info', 'notice', 'warn', 'error', 'crit', 'alert', 'emerg'])('accept the level %s', (level) => {
    expect(parsed(utc(`2026/11/23 06:16:36 [${level}] 1#1: x`)).log).toEqual({ level });
  });

  it.each([
    ['an access log line', '203.0.113.7 - - [23/Nov/2026:06:16:36 +0000] "GET / HTTP/1.1" 200 5 "-" "-"', 'YYYY/MM/DD'],
    ['an unknown level', '2026/11/23 06:16:36 [fatal] 1#1: x', 'log level'],
    ['no pid#tid', '2026/11/23 06:16:36 [error] oops: x', 'pid#tid'],
    ['an impossible date', '2026/13/45 06:16:36 [error] 1#1: x', 'not an nginx error log time'],
    ['an empty line', '', 'YYYY/MM/DD'],
  ])('refuse %s with a reason', (_case, line, reason) => {
    const result = utc(line);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toContain(reason);
  });
});

describe('nginx error times, written without a zone', () => {
  it.each([
    ['Europe/Berlin in winter (+01:00)', 'Europe/Berlin', '2026/01/15 12:00:00', '2026-01-15T11:00:00.000Z'],
    ['Europe/Berlin in summer (+02:00)', 'Europe/Berlin', '2026/07/15 12:00:00', '2026-07-15T10:00:00.000Z'],
    ['America/New_York in winter (-05:00)', 'America/New_York', '2026/01/15 12:00:00', '2026-01-15T17:00:00.000Z'],
    ['America/New_York in summer (-04:00)', 'America/New_York', '2026/07/15 12:00:00', '2026-07-15T16:00:00.000Z'],
    ['Asia/Kolkata (+05:30, no DST)', 'Asia/Kolkata', '2026/11/23 06:16:36', '2026-11-23T00:46:36.000Z'],
    ['the hour before Berlin springs forward', 'Europe/Berlin', '2026/03/29 01:59:59', '2026-03-29T00:59:59.000Z'],
    ['a time skipped when Berlin springs forward, moved on by the gap', 'Europe/Berlin', '2026/03/29 02:30:00', '2026-03-29T01:30:00.000Z'],
    ['the first hour after Berlin springs forward', 'Europe/Berlin', '2026/03/29 03:00:00', '2026-03-29T01:00:00.000Z'],
    ['a time Berlin lives twice in autumn, as the earlier one', 'Europe/Berlin', '2026/10/25 02:30:00', '2026-10-25T00:30:00.000Z'],
    ['the hour after Berlin falls back', 'Europe/Berlin', '2026/10/25 03:00:00', '2026-10-25T02:00:00.000Z'],
  ])('read in %s', (_case, timeZone, time, iso) => {
    const parse = createErrorParser({ timeZone });
    expect(parsed(parse(`${time} [warn] 1#1: x`))['@timestamp']).toBe(iso);
  });

  it('agree with Date for every hour of a year in a zone with DST, outside the skipped hour', () => {
    const parse = createErrorParser({ timeZone: 'America/New_York' });
    const format = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    let checked = 0;
    for (let instant = Date.UTC(2026, 0, 1); instant < Date.UTC(2027, 0, 1); instant += 3_600_000) {
      const parts = Object.fromEntries(format.formatToParts(instant).map((part) => [part.type, part.value]));
      const wall = `${parts.year}/${parts.month}/${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
      const iso = parsed(parse(`${wall} [warn] 1#1: x`))['@timestamp'];
      // In the repeated autumn hour, the earlier of the two instants is the answer.
      const repeated = format.format(instant - 3_600_000) === format.format(instant);
      expect(iso, wall).toBe(new Date(repeated ? instant - 3_600_000 : instant).toISOString());
      checked++;
    }
    expect(checked).toBe(8760);
  });

  it('default to the process time zone', () => {
    const processZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const explicit = createErrorParser({ timeZone: processZone });
    const line = '2026/07/15 12:00:00 [warn] 1#1: x';
    expect(parsed(createErrorParser()(line))['@timestamp']).toBe(parsed(explicit(line))['@timestamp']);
  });

  it.each([
    ['empty, as an unset TZ', ''],
    ['a POSIX path to the zone file', ':/etc/localtime'],
  ])('read the process time zone when the setting is %s', (_case, setting) => {
    const line = '2026/07/15 12:00:00 [warn] 1#1: x';
    expect(parsed(createErrorParser({ timeZone: setting })(line))['@timestamp']).toBe(parsed(createErrorParser()(line))['@timestamp']);
  });

  it('accept a POSIX TZ with a leading colon', () => {
    expect(parsed(createErrorParser({ timeZone: ':Asia/Kolkata' })('2026/11/23 06:16:36 [warn] 1#1: x'))['@timestamp']).toBe('2026-11-23T00:46:36.000Z');
  });

  it('refuse an unknown time zone when the parser is created', () => {
    expect(() => createErrorParser({ timeZone: 'Mars/Olympus_Mons' })).toThrow(RangeError);
  });

  it('use no Intl (and its ~8 MiB of ICU data) before an error line needs a zone, and none at all for UTC', () => {
    const dateTimeFormat = vi.spyOn(Intl, 'DateTimeFormat');
    try {
      const byDefault = createErrorParser();
      const inUtc = createErrorParser({ timeZone: 'Etc/UTC' });
      expect(dateTimeFormat).not.toHaveBeenCalled();
      expect(parsed(inUtc('2026/11/23 06:16:36 [warn] 1#1: x'))['@timestamp']).toBe('2026-11-23T06:16:36.000Z');
      expect(dateTimeFormat).not.toHaveBeenCalled();
      byDefault('2026/11/23 06:16:36 [warn] 1#1: x');
      expect(dateTimeFormat).toHaveBeenCalled();
    } finally {
      dateTimeFormat.mockRestore();
    }
  });
});
