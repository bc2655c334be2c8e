/**
 * The sidecar writes an access line's document JSON straight from the parser's flat fields
 * (sidecar/access-document.ts). It must give exactly the document of the record path (parse into the
 * nested record, complete it, JSON.stringify): same bytes, hence the same keys, order and values.
 * Both paths are run on the corpus, on lines formatted as nginx writes them, and on arbitrary or
 * damaged lines, for several formats and fixed fields.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { nginxRecordOf, type NginxRecordOptions } from '../../../shipper/sidecar/nginx-records.ts';
import { accessParserOf, compileAccessFieldReader } from '../../../shipper/parse/nginx-access.ts';
import { createErrorParser } from '../../../shipper/parse/nginx-error.ts';
import { fixedFieldsOf } from '../../../shipper/enrich/fixed-fields.ts';
import { resolveFormat } from '../../../shipper/parse/nginx-format.ts';
import type { Line, LogRecord, Outgoing } from '../../../shipper/record.ts';
import { CORPUS_ROOT } from '../../helpers/corpus.ts';
import { damaged, nginxEscape, orDash, plainText, wellFormedText } from '../../helpers/nginx-text.ts';
import { createAccessLineWriter } from '../../../shipper/sidecar/access-document.ts';

const FORMATS: Record<string, string> = {
  combined: 'combined',
  main: 'main',
  rich: '$remote_addr port=$remote_port - $remote_user [$time_iso8601] $host $scheme "$request" $status $body_bytes_sent $bytes_sent $request_length $request_id "$http_referer" "$http_user_agent" "$http_x_forwarded_for" $request_time "$upstream_addr" $upstream_status $upstream_response_time $msec',
  'no time': '$remote_addr "$request" $status',
  'combined with the request time': '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time',
  'tab-separated': '$remote_addr\t$remote_user\t[$time_local]\t"$request"\t$status\t$body_bytes_sent\t"$http_referer"\t"$http_user_agent"',
  'request parts': '$remote_addr [$time_local] $request_method $scheme://$host $request_uri $server_protocol $status $uri $args',
  'text with escape=json': `log_format t escape=json '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';`,
  'JSON template': `log_format j escape=json '{"time":"$time_iso8601","addr":"$remote_addr","request":"$request","status":$status,"bytes":$body_bytes_sent,"ua":"$http_user_agent","up":{"a":"$upstream_addr"}}';`,
};

const POD_FIELDS = {
  host: { name: 'node-1' },
  agent: { type: 'logship', version: '1.2.3' },
  kubernetes: { namespace: 'shop', pod: { name: 'web-1' }, labels: { 'app_kubernetes_io/name': 'web' } },
};
const FIXED: Record<string, LogRecord> = {
  'pod fields': POD_FIELDS,
  none: {},
  'a tag meeting a parsed field': { ...POD_FIELDS, url: { domain: 'tagged' }, tags: 'x' },
  'a field without a value': { ...POD_FIELDS, message: undefined },
};

/** Both paths for one format and fixed fields: without the field reader only the record path exists. */
function optionsFor(format: string, fixed: LogRecord): { record: NginxRecordOptions; direct: NginxRecordOptions } {
  const reader = compileAccessFieldReader(format);
  const record = { accessParser: accessParserOf(reader), errorParser: createErrorParser({ timeZone: 'UTC' }), errorFilePattern: /error/, namespace: 'prod', fixedFields: fixedFieldsOf((r) => ({ ...r, ...fixed })) };
  return { record, direct: { ...record, accessFieldReader: reader } };
}

const now = (): string => '2026-11-24T00:00:00.000Z';

function shipped(outgoing: Outgoing | undefined): unknown {
  return outgoing && { index: outgoing.index, id: outgoing.id, body: outgoing.body, offset: outgoing.offset, endOffset: outgoing.endOffset, bytes: outgoing.bytes };
}

function expectSameDocument(options: { record: NginxRecordOptions; direct: NginxRecordOptions }, line: Line): void {
  const viaRecord = nginxRecordOf(line, options.record, now);
  const direct = nginxRecordOf(line, options.direct, now);
  expect(shipped(direct)).toEqual(shipped(viaRecord));
}

function lineOf(text: string, offset: number, path = '/var/log/nginx/access.log', truncated = false): Line {
  return { source: '64768:1234:0badc0de', path, text, offset, endOffset: offset + Buffer.byteLength(text) + 1, ...(truncated ? { truncated } : {}) };
}

const corpusAccess = readFileSync(`${CORPUS_ROOT}/nginx/access.log`, 'utf8').split('\n').filter((line) => line.length > 0);
const corpusError = readFileSync(`${CORPUS_ROOT}/nginx/error.log`, 'utf8').split('\n').filter((line) => line.length > 0);


const text = wellFormedText;
const asciiText = fc.string({ unit: 'binary-ascii', maxLength: 40 });

/** A combined line as nginx writes it: escaped values, `-` for empty ones, IPv4 or IPv6 clients. */
const combinedLine = fc
  .record({
    addr: fc.oneof(fc.ipV4(), fc.ipV6(), fc.constant('unix:')),
    user: fc.oneof(fc.constant(''), text, plainText.filter((value) => !value.includes(' '))),
    day: fc.integer({ min: 1, max: 28 }),
    // Odd but well-formed times: any second of the day (60 included), zones far from UTC.
    time: fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 60 }), fc.constantFrom('+0100', '+0000', '-0000', '+1400', '-1200', '+0530', '-0930'))
      .map(([h, m, sec, zone]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')} ${zone}`),
    method: fc.constantFrom('GET', 'POST', 'PROPFIND', 'M-SEARCH', ''),
    target: fc.oneof(text.map((value) => `/${value}`), fc.constant('*'), text.map((value) => `http://h.test/${value}`)),
    version: fc.constantFrom(' HTTP/1.1', ' HTTP/2.0', ''),
    status: fc.integer({ min: 100, max: 599 }),
    // Sizes past 2^53 are written by JSON as `1e+23` and the like.
    bytes: fc.oneof(fc.constant('-'), fc.nat({ max: 2 ** 40 }).map(String), fc.constantFrom('0', '007', '9007199254740993', '123456789012345678901234')),
    referrer: fc.oneof(text, asciiText, plainText),
    agent: fc.oneof(text, asciiText, plainText),
  })
  .map((f) => `${f.addr} - ${orDash(f.user)} [${String(f.day).padStart(2, '0')}/Nov/2026:${f.time}] "${nginxEscape(f.method === '' ? f.target : `${f.method} ${f.target}${f.version}`)}" ${f.status} ${f.bytes} "${orDash(f.referrer)}" "${orDash(f.agent)}"`);

const word = fc.string({ unit: fc.constantFrom(...'abcXYZ019-_.:/?=&%'), minLength: 1, maxLength: 12 });
const count = fc.oneof(fc.nat({ max: 2 ** 40 }).map(String), fc.constant('-'));
const seconds = fc.nat({ max: 600_000 }).map((ms) => (ms / 1000).toFixed(3));
const list = (item: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.array(fc.oneof(item, fc.constant('-')), { minLength: 1, maxLength: 3 }).map((items) => items.join(', '));
const requestLine = fc.tuple(fc.constantFrom('GET', 'POST', 'M-SEARCH'), fc.oneof(word.map((w) => `/${w}`), text.map((t) => `/${t}`)), fc.constantFrom(' HTTP/1.1', '')).map(([m, t, v]) => `${m} ${t}${v}`);

/** A value nginx could log for a variable (escaped as nginx escapes it). */
function valueFor(variable: string): fc.Arbitrary<string> {
  switch (variable) {
    case 'remote_addr': return fc.oneof(fc.ipV4(), fc.ipV6(), fc.constant('unix:'));
    case 'time_local': return fc.integer({ min: 1, max: 28 }).map((day) => `${String(day).padStart(2, '0')}/Nov/2026:06:16:36 +0100`);
    case 'time_iso8601': return fc.constantFrom('2026-11-23T06:16:36+00:00', '2026-11-23T06:16:36+05:30');
    case 'msec': return fc.constantFrom('1795414596.123', '1795414596');
    case 'request': return fc.oneof(requestLine, text).map(nginxEscape);
    case 'remote_port': case 'status': case 'body_bytes_sent': case 'bytes_sent': case 'request_length': return count;
    case 'request_time': return seconds;
    case 'upstream_addr': return list(fc.tuple(fc.ipV4(), fc.nat({ max: 65535 })).map(([ip, port]) => `${ip}:${port}`));
    case 'upstream_status': return list(fc.integer({ min: 100, max: 599 }).map(String));
    case 'upstream_response_time': return list(seconds);
    case 'server_protocol': return fc.constantFrom('HTTP/1.1', 'HTTP/2.0');
    case 'request_method': return fc.constantFrom('GET', 'POST');
    case 'http_referer': case 'http_user_agent': case 'remote_user': return fc.oneof(text, asciiText, plainText).map(orDash);
    case 'http_x_forwarded_for': return fc.array(fc.oneof(fc.ipV4(), fc.ipV6()), { maxLength: 3 }).map((ips) => orDash(ips.join(', ')));
    // Unquoted in the formats here: a value with a space would end early.
    default: return fc.oneof(word, fc.constant('-'));
  }
}

/** A line of a text format with a value for each of its variables. */
function lineOfFormat(format: string, value: (variable: string) => fc.Arbitrary<string> = valueFor): fc.Arbitrary<string> {
  const { literals, variables } = resolveFormat(format).literal;
  return fc.tuple(...variables.map(value)).map((values) => literals.map((literal, i) => literal + (values[i] ?? '')).join(''));
}

/**
 * A value of everyday traffic: nothing nginx escapes, an IP client, a request line with a version, a
 * status. Such lines take the byte writer's copying (access-record-bytes.ts), which random values rarely reach.
 */
function typicalValueFor(variable: string): fc.Arbitrary<string> {
  const target = fc.tuple(plainText.filter((value) => !value.includes(' ')), fc.constantFrom('', '?', '?a=1&b=2', '#top', '?q=x#f')).map(([path, rest]) => `/${path}${rest}`);
  switch (variable) {
    case 'remote_addr': return fc.oneof(fc.ipV4(), fc.ipV6());
    case 'remote_user': return plainText.filter((value) => !value.includes(' ')).map(orDash);
    case 'request': return fc.tuple(fc.constantFrom('GET', 'POST', 'M-SEARCH'), fc.oneof(target, fc.constant('http://h.test/a?b'), fc.constant('*')), fc.constantFrom('1.1', '2.0', '1')).map(([m, t, v]) => `${m} ${t} HTTP/${v}`);
    case 'status': return fc.integer({ min: 100, max: 599 }).map(String);
    case 'http_referer': case 'http_user_agent': return plainText.map(orDash);
    default: return valueFor(variable);
  }
}

/** Random damage: characters JSON escapes or that break the scan (quotes, backslashes, controls, lone surrogates). */
const edit = fc.tuple(fc.nat(), fc.nat({ max: 4 }), fc.oneof(fc.constantFrom('"', '\\', '\\x22', '\\xC3\\xA9', '\u0001', '\t', '\ud800', 'é', '😀', ' ', '-', '" "'), fc.string({ maxLength: 4 })));

describe('an access line\'s document written straight from its fields', () => {
  // A parse failure's record takes the wall clock's time: frozen, so both paths read the same.
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-24T01:02:03.004Z'));
  });
  afterAll(() => vi.useRealTimers());

  for (const [fixedName, fixed] of Object.entries(FIXED)) {
    it(`is the record path's document for every corpus line (fixed fields: ${fixedName})`, () => {
      const options = optionsFor('combined', fixed);
      let offset = 0;
      for (const line of [...corpusAccess, ...corpusError]) {
        expectSameDocument(options, lineOf(line, offset));
        offset += Buffer.byteLength(line) + 1;
      }
    });
  }

  it.each(Object.keys(FORMATS))('is the record path\'s document for lines of the %s format, whole, damaged, cut or not lines at all', (name) => {
    const options = optionsFor(FORMATS[name]!, POD_FIELDS);
    const sample = corpusAccess.slice(0, 200);
    const candidate = fc.oneof(
      lineOfFormat(FORMATS[name]!),
      combinedLine,
      fc.constantFrom(...sample),
      fc.tuple(fc.oneof(lineOfFormat(FORMATS[name]!), fc.constantFrom(...sample)), fc.array(edit, { maxLength: 4 })).map(([line, edits]) => damaged(line, edits)),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.json(),
    );
    const path = fc.constantFrom('/var/log/nginx/access.log', '/var/log/nginx/other "access".log', '/var/log/nginx/é.log', '/var/log/nginx/error.log');
    let parsed = 0;
    fc.assert(
      fc.property(candidate, fc.nat({ max: 2 ** 40 }), path, fc.boolean(), (line, offset, file, truncated) => {
        expectSameDocument(options, lineOf(line, offset, file, truncated && line.length > 0));
        if (options.record.accessParser(line).ok) parsed++;
      }),
      { numRuns: 1500 },
    );
    // Most runs must reach the direct writer, not only the failure path.
    expect(parsed).toBeGreaterThan(200);
  });

  it.each(Object.keys(FORMATS))('is the record path\'s document for everyday lines of the %s format', (name) => {
    const options = optionsFor(FORMATS[name]!, POD_FIELDS);
    fc.assert(fc.property(lineOfFormat(FORMATS[name]!, typicalValueFor), fc.nat({ max: 2 ** 40 }), (line, offset) => expectSameDocument(options, lineOf(line, offset))), { numRuns: 300 });
  });

  // The line writer (positions read, values copied, no field strings) must be what writes everyday
  // lines, and write the record path's record: checked on its own answers, not only through nginxRecordOf.
  it.each(['combined', 'tab-separated', 'combined with the request time'])('is the record path\'s document when the line writer writes everyday lines of the %s format', (name) => {
    const options = optionsFor(FORMATS[name]!, POD_FIELDS);
    const writeLine = createAccessLineWriter(options.direct.accessFieldReader!, 'logs-nginx.access-prod', 'nginx.access', 'prod', options.record.fixedFields);
    expect(writeLine).toBeDefined();
    let written = 0;
    fc.assert(fc.property(lineOfFormat(FORMATS[name]!, typicalValueFor), fc.nat({ max: 2 ** 40 }), (text, offset) => {
      const line = lineOf(text, offset);
      const outgoing = writeLine!(line);
      if (outgoing === undefined) return;
      written++;
      expect(shipped(outgoing)).toEqual(shipped(nginxRecordOf(line, options.record, now)));
    }), { numRuns: 500 });
    // typicalValueFor also gives IPv6 clients and targets of other forms, which the line writer leaves alone.
    expect(written).toBeGreaterThan(50);
  });

  it('is the record path\'s document for JSON lines of a JSON template format', () => {
    const options = optionsFor(FORMATS['JSON template']!, POD_FIELDS);
    const jsonLine = fc.record({ time: fc.constantFrom('2026-11-23T06:16:36+00:00', '2026-11-23T06:16:36.5Z', 'nope'), addr: fc.oneof(fc.ipV4(), text), request: fc.oneof(combinedLine, text), status: fc.oneof(fc.integer({ min: 100, max: 599 }), text), bytes: fc.nat(), ua: text, up: fc.record({ a: fc.oneof(fc.constant('-'), text) }) }).map((value) => JSON.stringify(value));
    fc.assert(fc.property(jsonLine, fc.nat(), (line, offset) => expectSameDocument(options, lineOf(line, offset))), { numRuns: 1500 });
  });
});
