import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileAccessFormat } from '../../../shipper/parse/nginx-access.ts';
import { createErrorParser } from '../../../shipper/parse/nginx-error.ts';
import type { ParseResult } from '../../../shipper/record.ts';

/**
 * Escapes a value the way nginx's default `escape=default` does (ngx_http_log_escape): every
 * UTF-8 byte that is `"`, `\`, below 0x20 or above 0x7e becomes `\xHH`.
 */
function nginxEscape(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out += byte === 0x22 || byte === 0x5c || byte < 0x20 || byte > 0x7e ? '\\x' + byte.toString(16).toUpperCase().padStart(2, '0') : String.fromCharCode(byte);
  }
  return out;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** `$time_local` for an instant as seen from a zone `offsetMinutes` east of UTC. */
function timeLocal(instant: Date, offsetMinutes: number): string {
  const wall = new Date(instant.getTime() + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${two(wall.getUTCDate())}/${MONTHS[wall.getUTCMonth()]}/${wall.getUTCFullYear()}:${two(wall.getUTCHours())}:${two(wall.getUTCMinutes())}:${two(wall.getUTCSeconds())} ${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
}

/** Any text, well-formed Unicode (nginx logs bytes; a lone surrogate has no UTF-8 form). */
const text = fc.string({ unit: 'binary', maxLength: 60 }).filter((value) => value.isWellFormed());

const combinedFields = fc.record({
  addr: fc.oneof(fc.ipV4(), fc.ipV6()),
  user: fc.oneof(fc.constant('-'), text.filter((value) => value.length > 0 && !value.includes(' ['))),
  instant: fc.date({ min: new Date('1971-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }),
  offset: fc.integer({ min: -12 * 4, max: 14 * 4 }).map((quarters) => quarters * 15),
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PROPFIND', 'M-SEARCH'),
  target: text.map((value) => '/' + value),
  version: fc.constantFrom('1.0', '1.1', '2.0'),
  status: fc.integer({ min: 100, max: 599 }),
  bytes: fc.oneof(fc.constant(undefined), fc.nat({ max: 2 ** 40 })),
  referrer: text,
  agent: text,
});

type CombinedFields = typeof combinedFields extends fc.Arbitrary<infer T> ? T : never;

function formatCombined(f: CombinedFields): string {
  const user = f.user === '-' ? '-' : nginxEscape(f.user);
  const request = nginxEscape(`${f.method} ${f.target} HTTP/${f.version}`);
  const orDash = (value: string): string => (value === '' ? '-' : nginxEscape(value));
  return `${f.addr} - ${user} [${timeLocal(f.instant, f.offset)}] "${request}" ${f.status} ${f.bytes ?? '-'} "${orDash(f.referrer)}" "${orDash(f.agent)}"`;
}

function expectNeverThrows(parse: (text: string) => ParseResult, line: string): void {
  const result = parse(line);
  expect(typeof result.ok).toBe('boolean');
  if (result.ok) expect(result.record.message === undefined || typeof result.record.message === 'string').toBe(true);
  else expect(result.error.length).toBeGreaterThan(0);
}

describe('the nginx access parser, on lines formatted the way nginx writes them', () => {
  const parse = compileAccessFormat('combined');

  it('recovers every field value of a combined line', () => {
    fc.assert(
      fc.property(combinedFields, (f) => {
        const line = formatCombined(f);
        const result = parse(line);
        if (!result.ok) throw new Error(`${result.error} in ${line}`);
        const record = result.record as Record<string, Record<string, unknown> | undefined>;
        const absentIfDash = (value: string): string | undefined => (value === '' || value === '-' ? undefined : value);
        expect(record.source).toEqual({ address: f.addr, ip: f.addr });
        expect(record.user?.name).toBe(f.user === '-' ? undefined : f.user);
        expect(record['@timestamp']).toBe(new Date(Math.floor(f.instant.getTime() / 1000) * 1000).toISOString());
        expect(record.http).toEqual({
          request: { method: f.method, ...(absentIfDash(f.referrer) !== undefined ? { referrer: f.referrer } : {}) },
          response: { status_code: f.status, ...(f.bytes !== undefined ? { body: { bytes: f.bytes } } : {}) },
          version: f.version,
        });
        expect((record.url as { original: string; path: string }).original).toBe(f.target);
        expect((record.url as { path: string }).path).toBe(f.target.split(/[?#]/)[0]);
        expect(record.user_agent?.original).toBe(absentIfDash(f.agent));
        expect(record.message).toBe(line);
      }),
      { numRuns: 2000 },
    );
  });

  it('recovers the values of a format with $request_time and upstream variables', () => {
    const timed = compileAccessFormat('$remote_addr "$request" $status $request_time "$upstream_addr" $upstream_status $upstream_response_time');
    const upstream = fc.record({ host: fc.ipV4(), port: fc.integer({ min: 1, max: 65535 }), status: fc.integer({ min: 100, max: 599 }), millis: fc.nat({ max: 600_000 }) });
    fc.assert(
      fc.property(fc.ipV4(), fc.nat({ max: 3_600_000 }), fc.array(upstream, { minLength: 1, maxLength: 4 }), (addr, millis, upstreams) => {
        const seconds = (ms: number): string => (ms / 1000).toFixed(3);
        const line = `${addr} "GET / HTTP/1.1" 200 ${seconds(millis)} "${upstreams.map((u) => `${u.host}:${u.port}`).join(', ')}" ${upstreams.map((u) => u.status).join(', ')} ${upstreams.map((u) => seconds(u.millis)).join(', ')}`;
        const result = timed(line);
        if (!result.ok) throw new Error(result.error);
        const scalarOrList = <T>(values: T[]): T | T[] => (values.length === 1 ? values[0]! : values);
        expect(result.record.event).toEqual({ dataset: 'nginx.access', duration: millis * 1_000_000 });
        expect(result.record.nginx).toEqual({
          access: {
            upstream: {
              address: scalarOrList(upstreams.map((u) => `${u.host}:${u.port}`)),
              status_code: scalarOrList(upstreams.map((u) => u.status)),
              response: { time: scalarOrList(upstreams.map((u) => u.millis / 1000)) },
            },
          },
        });
      }),
      { numRuns: 500 },
    );
  });

  it('recovers string values of an escape=json format, whatever they contain', () => {
    const json = compileAccessFormat(`log_format j escape=json '{"addr":"$remote_addr","ua":"$http_user_agent","ref":"$http_referer","status":$status}';`);
    fc.assert(
      fc.property(fc.ipV4(), text, text, fc.integer({ min: 100, max: 599 }), (addr, agent, referrer, status) => {
        const line = JSON.stringify({ addr, ua: agent, ref: referrer, status });
        const result = json(line);
        if (!result.ok) throw new Error(result.error);
        expect(result.record.user_agent).toEqual(agent === '' || agent === '-' ? undefined : { original: agent });
        expect((result.record.http as { request?: { referrer?: string } }).request?.referrer).toBe(referrer === '' || referrer === '-' ? undefined : referrer);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('the nginx parsers, on arbitrary text', () => {
  const parsers: Array<[string, (text: string) => ParseResult]> = [
    ['combined', compileAccessFormat('combined')],
    ['a JSON template', compileAccessFormat(`log_format j escape=json '{"t":"$time_iso8601","r":"$request","s":$status,"u":{"a":"$upstream_addr"}}';`)],
    ['a text format with escape=json', compileAccessFormat('$remote_addr "$request" $status $request_time $upstream_status', { escape: 'json' })],
    ['the error log', createErrorParser({ timeZone: 'Europe/Berlin' })],
  ];
  const sample = '2001:db8::1 - bob [23/Nov/2026:06:16:36 +0100] "GET /a?b=\\x22c HTTP/1.1" 200 5 "-" "ua \\xC3\\xA9"';
  const errorSample = '2026/11/23 06:16:36 [error] 1#1: *4 x, client: 1.2.3.4, server: s, request: "GET / HTTP/1.1", host: "h"';

  it.each(parsers)('%s never throws and always answers ok or a reason', (_name, parse) => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (line) => expectNeverThrows(parse, line)), { numRuns: 2000 });
  });

  it.each(parsers)('%s never throws on real lines with random edits', (_name, parse) => {
    const edit = fc.tuple(fc.nat(), fc.nat({ max: 5 }), fc.string({ unit: 'binary-ascii', maxLength: 5 }));
    fc.assert(
      fc.property(fc.constantFrom(sample, errorSample, '{"t":"2026-11-23T06:16:36+00:00","r":"GET / HTTP/1.1","s":200,"u":{"a":"-"}}'), fc.array(edit, { maxLength: 6 }), (base, edits) => {
        let line = base;
        for (const [at, remove, insert] of edits) {
          const position = at % (line.length + 1);
          line = line.slice(0, position) + insert + line.slice(position + remove);
        }
        expectNeverThrows(parse, line);
      }),
      { numRuns: 2000 },
    );
  });
});
