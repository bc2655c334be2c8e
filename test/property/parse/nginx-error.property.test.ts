import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createErrorParser } from '../../../shipper/parse/nginx-error.ts';

const two = (n: number): string => String(n).padStart(2, '0');

/** Text nginx could put in an error message or a context value; the context markers cannot occur in it. */
const text = fc.string({ unit: 'binary', maxLength: 50 }).filter((value) => value.isWellFormed() && !value.includes('\n') && !/, (client|server|request|subrequest|upstream|host|referrer): /.test(value));

const errorLine = fc.record({
  instant: fc.date({ min: new Date('1971-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }),
  level: fc.constantFrom('debug', 'info', 'notice', 'warn', 'error', 'crit', 'alert', 'emerg'),
  pid: fc.nat({ max: 4_194_304 }),
  tid: fc.nat({ max: 4_194_304 }),
  connection: fc.option(fc.nat({ max: 2 ** 40 }), { nil: undefined }),
  message: text.filter((value) => value.length > 0 && !value.startsWith('*')),
  context: fc.option(
    fc.record({
      client: fc.oneof(fc.ipV4(), fc.ipV6()),
      server: text.filter((value) => value.length > 0 && !value.includes(' ')),
      request: fc.option(fc.tuple(fc.constantFrom('GET', 'POST'), text.map((value) => '/' + value.replaceAll(' ', '')), fc.constantFrom('1.0', '1.1')), { nil: undefined }),
      upstream: fc.option(text.filter((value) => value.length > 0), { nil: undefined }),
      host: fc.option(fc.record({ domain: fc.domain(), port: fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined }) }), { nil: undefined }),
      referrer: fc.option(text.filter((value) => value.length > 0), { nil: undefined }),
    }),
    { nil: undefined },
  ),
});

describe('the nginx error parser, on lines formatted the way nginx writes them', () => {
  const parse = createErrorParser({ timeZone: 'UTC' });

  it('recovers the time, level, ids, message and every context value', () => {
    fc.assert(
      fc.property(errorLine, (e) => {
        const t = e.instant;
        let line = `${t.getUTCFullYear()}/${two(t.getUTCMonth() + 1)}/${two(t.getUTCDate())} ${two(t.getUTCHours())}:${two(t.getUTCMinutes())}:${two(t.getUTCSeconds())} [${e.level}] ${e.pid}#${e.tid}: `;
        if (e.connection !== undefined) line += `*${e.connection} `;
        line += e.message;
        const c = e.context;
        if (c) {
          line += `, client: ${c.client}, server: ${c.server}`;
          if (c.request) line += `, request: "${c.request[0]} ${c.request[1]} HTTP/${c.request[2]}"`;
          if (c.upstream !== undefined) line += `, upstream: "${c.upstream}"`;
          if (c.host !== undefined) line += `, host: "${c.host.domain}${c.host.port === undefined ? '' : `:${c.host.port}`}"`;
          if (c.referrer !== undefined) line += `, referrer: "${c.referrer}"`;
        }
        const result = parse(line);
        if (!result.ok) throw new Error(`${result.error} in ${line}`);
        const r = result.record as Record<string, Record<string, unknown> | undefined>;
        expect(r['@timestamp']).toBe(new Date(Math.floor(t.getTime() / 1000) * 1000).toISOString());
        expect(r.log).toEqual({ level: e.level });
        expect(r.process).toEqual({ pid: e.pid, thread: { id: e.tid } });
        expect(r.message).toBe(e.message);
        const nginxError = (r.nginx as { error?: Record<string, unknown> } | undefined)?.error;
        expect(nginxError?.connection_id).toBe(e.connection);
        expect(r.source?.address).toBe(c?.client);
        expect(nginxError?.server).toBe(c?.server);
        expect(nginxError?.upstream).toBe(c?.upstream);
        expect(r.url?.domain).toBe(c?.host?.domain);
        expect(r.url?.port).toBe(c?.host?.port);
        expect((r.http?.request as { referrer?: string } | undefined)?.referrer).toBe(c?.referrer);
        expect(r.url?.original).toBe(c?.request?.[1]);
        expect((r.http?.request as { method?: string } | undefined)?.method).toBe(c?.request?.[0]);
      }),
      { numRuns: 2000 },
    );
  });
});
