/**
 * The position reader (shipper/parse/nginx-access-positions.ts) must read exactly what the field reader
 * (nginx-access.ts) reads: a line it accepts is one whose fields are the typical record's, cut from the
 * line as written, and each field is the line's text at the places it gives. And it must accept the
 * everyday lines it is for (IPv4 clients, origin-form requests, no escapes), or the sidecar's fast path
 * would be dead code. Checked on the corpus, on lines of several formats, typical or random, and on
 * damaged lines.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileAccessFieldReader } from '../../../shipper/parse/nginx-access.ts';
import { AccessLinePositions, compileAccessPositionReader } from '../../../shipper/parse/nginx-access-positions.ts';
import { isTypicalAccessRecord } from '../../../shipper/parse/nginx-fields-json.ts';
import type { NginxFields } from '../../../shipper/parse/nginx-fields.ts';
import { resolveFormat } from '../../../shipper/parse/nginx-format.ts';
import { CORPUS_ROOT } from '../../helpers/corpus.ts';
import { damaged, nginxEscape, orDash, plainText, wellFormedText } from '../../helpers/nginx-text.ts';

const FORMATS: Record<string, string> = {
  combined: 'combined',
  'tab-separated': '$remote_addr\t$remote_user\t[$time_local]\t"$request"\t$status\t$body_bytes_sent\t"$http_referer"\t"$http_user_agent"',
  'reordered, no user or referrer': '[$time_local] $status "$request" $remote_addr $body_bytes_sent "$http_user_agent"',
  minimal: '$remote_addr [$time_local] "$request" $status',
  'combined with the request time (the sidecar example\'s)': '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time',
  'request time first': '$request_time $remote_addr [$time_local] "$request" $status',
  'text with escape=json': `log_format t escape=json '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';`,
};


const text = wellFormedText;
const noSpace = plainText.filter((value) => !value.includes(' '));
const target = fc.tuple(noSpace, fc.constantFrom('', '?', '?a=1&b=2', '#top', '?q=x#f', '#a?b', '??')).map(([path, rest]) => `/${path}${rest}`);

/** Everyday values: what the position reader is for. */
function typicalValueFor(variable: string): fc.Arbitrary<string> {
  switch (variable) {
    case 'remote_addr': return fc.ipV4();
    case 'remote_user': return noSpace.map(orDash);
    case 'time_local': return fc.tuple(fc.integer({ min: 1, max: 28 }), fc.integer({ min: 0, max: 60 })).map(([day, second]) => `${String(day).padStart(2, '0')}/Nov/2026:06:16:${String(second).padStart(2, '0')} +0100`);
    case 'request': return fc.tuple(fc.constantFrom('GET', 'POST', 'M-SEARCH', 'a_b'), target, fc.constantFrom('1.1', '2.0', '1')).map(([m, t, v]) => `${m} ${t} HTTP/${v}`);
    case 'status': return fc.integer({ min: 100, max: 599 }).map(String);
    case 'body_bytes_sent': return fc.oneof(fc.nat({ max: 2 ** 40 }).map(String), fc.constantFrom('-', '007', '123456789012345'));
    case 'http_referer': case 'http_user_agent': return plainText.map(orDash);
    case 'request_time': return fc.oneof(fc.nat({ max: 600_000 }).map((ms) => (ms / 1000).toFixed(3)), fc.constantFrom('-', '0', '12', '0.5', '1.2345678901234567', '99999999999999999999'));
    default: throw new Error(variable);
  }
}

/** Values the position reader must leave to the field reader, or read as it does though they are odd. */
function oddValueFor(variable: string): fc.Arbitrary<string> {
  switch (variable) {
    case 'remote_addr': return fc.oneof(fc.ipV6(), fc.constantFrom('unix:', '-', '', '01.2.3.4', '1.2.3', '256.1.1.1', '1.2.3.4.5', '1..2.3'));
    case 'remote_user': return text.map(orDash);
    case 'time_local': return fc.constantFrom('-', '', '32/Nov/2026:06:16:36 +0100', '23/Nov/2026:06:16:36', 'not a time');
    case 'request': return fc.oneof(
      fc.tuple(fc.constantFrom('GET', 'GE T', '', 'G3T', '-'), fc.oneof(target, fc.constantFrom('http://h.test/a?b', '*', '', '/a b')), fc.constantFrom(' HTTP/1.1', ' HTTP/', '', ' HTTP/1.1 ', ' http/1.1', ' HTTP'))
        .map(([m, t, v]) => `${m} ${t}${v}`),
      text.map(nginxEscape),
      fc.constantFrom('-', ''),
    );
    case 'status': return fc.constantFrom('-', '', '2OO', '1234567890123456', '200 ');
    case 'body_bytes_sent': return fc.constantFrom('', '1234567890123456', '12a', '-1');
    case 'http_referer': case 'http_user_agent': return text.map(orDash);
    case 'request_time': return fc.constantFrom('', '1.', '.5', '1e3', 'abc', '-1', '1.2.3', '0x10', ' 1');
    default: throw new Error(variable);
  }
}

/** Mostly everyday values, now and then an odd one. */
const valueFor = (variable: string): fc.Arbitrary<string> => fc.oneof({ arbitrary: typicalValueFor(variable), weight: 6 }, { arbitrary: oddValueFor(variable), weight: 1 });

function lineOfFormat(format: string): fc.Arbitrary<string> {
  const { literals, variables } = resolveFormat(format).literal;
  return fc.tuple(...variables.map(valueFor)).map((values) => literals.map((literal, i) => literal + (values[i] ?? '')).join(''));
}

const edit = fc.tuple(fc.nat(), fc.nat({ max: 4 }), fc.oneof(fc.constantFrom('"', '\\', '\\x22', '\t', 'é', ' ', '-', '" "', '[', ']', '?', '#', '/'), fc.string({ maxLength: 4 })));

/** The fields the position reader says the line has, as the field reader would write them. */
function fieldsAt(line: string, p: AccessLinePositions): Partial<NginxFields> {
  const cut = (start: number, end: number): string | undefined => (start < 0 ? undefined : line.slice(start, end));
  const address = line.slice(p.addressStart, p.addressEnd);
  return {
    timestamp: p.timestamp,
    sourceAddress: address,
    sourceIp: address,
    userName: cut(p.userStart, p.userEnd),
    method: line.slice(p.methodStart, p.methodEnd),
    referrer: cut(p.referrerStart, p.referrerEnd),
    httpVersion: line.slice(p.versionStart, p.versionEnd),
    statusCode: p.statusCode,
    bodyBytes: p.bodyBytes < 0 ? undefined : p.bodyBytes,
    urlOriginal: line.slice(p.originalStart, p.originalEnd),
    urlPath: line.slice(p.originalStart, p.pathEnd),
    urlQuery: cut(p.queryStart, p.queryEnd),
    userAgent: cut(p.userAgentStart, p.userAgentEnd),
    duration: p.duration < 0 ? undefined : p.duration,
  };
}

/** The same fields of the field reader's answer. */
function sameFieldsOf(f: NginxFields): Partial<NginxFields> {
  const { timestamp, sourceAddress, sourceIp, userName, method, referrer, httpVersion, statusCode, bodyBytes, urlOriginal, urlPath, urlQuery, userAgent, duration } = f;
  return { timestamp, sourceAddress, sourceIp, userName, method, referrer, httpVersion, statusCode, bodyBytes, urlOriginal, urlPath, urlQuery, userAgent, duration };
}

/** A line the position reader is for: the field reader reads it as written, into the typical record, from an IPv4 client and an origin-form target. */
function isForPositions(line: string, fields: NginxFields | string, valueStart: (v: number) => number): boolean {
  return typeof fields !== 'string' && valueStart(0) >= 0 && isTypicalAccessRecord(fields)
    && !fields.sourceAddress!.includes(':') && fields.urlOriginal!.startsWith('/') && !line.includes('\\');
}

/** Checks one line; returns whether the position reader read it. */
function expectSameReading(format: string, readers: { fields: ReturnType<typeof compileAccessFieldReader>; positions: NonNullable<ReturnType<typeof compileAccessPositionReader>> }, line: string): boolean {
  const p = new AccessLinePositions();
  const read = readers.positions(line, p);
  const fields = readers.fields.read(line);
  const expected = isForPositions(line, fields, readers.fields.valueStart);
  expect({ format, line, read }).toEqual({ format, line, read: expected });
  if (read) expect(fieldsAt(line, p)).toEqual(sameFieldsOf(fields as NginxFields));
  return read;
}

function readersFor(format: string) {
  const fields = compileAccessFieldReader(format);
  const positions = compileAccessPositionReader(fields.format);
  if (positions === undefined) throw new Error(`no position reader for ${format}`);
  return { fields, positions };
}

describe('the access position reader', () => {
  it('reads the corpus lines it is for, as the field reader does, and no others', () => {
    const readers = readersFor('combined');
    const lines = readFileSync(`${CORPUS_ROOT}/nginx/access.log`, 'utf8').split('\n').filter((line) => line.length > 0);
    let read = 0;
    for (const line of lines) if (expectSameReading('combined', readers, line)) read++;
    expect(read).toBeGreaterThan(lines.length / 4);
  });

  it.each(Object.keys(FORMATS))('reads lines of the %s format as the field reader does, whole or damaged', (name) => {
    const format = FORMATS[name]!;
    const readers = readersFor(format);
    let read = 0;
    fc.assert(
      fc.property(fc.oneof(lineOfFormat(format), lineOfFormat(format), fc.tuple(lineOfFormat(format), fc.array(edit, { minLength: 1, maxLength: 3 })).map(([line, edits]) => damaged(line, edits))), (line) => {
        if (expectSameReading(name, readers, line)) read++;
      }),
      { numRuns: 2000 },
    );
    // The everyday lines must take it, not only be refused.
    expect(read).toBeGreaterThan(100);
  });

  it('keeps to the line it was given when lines share or change their time', () => {
    const readers = readersFor('combined');
    const line = (time: string): string => `10.0.0.1 - - [${time}] "GET / HTTP/1.1" 200 5 "-" "-"`;
    for (const time of ['23/Nov/2026:06:16:36 +0000', '23/Nov/2026:06:16:36 +0000', '23/Nov/2026:06:16:37 +0000', '-', '23/Nov/2026:06:16:37 +0000', '99/Nov/2026:06:16:37 +0000', '99/Nov/2026:06:16:37 +0000', '23/Nov/2026:06:16:37 +0100']) {
      expectSameReading('combined', readers, line(time));
    }
  });

  it('is not made for formats with other variables, a repeated one, or without an address, time, request or status', () => {
    for (const format of ['$remote_addr [$time_local] "$request" $status $request_length', '$remote_addr $remote_addr [$time_local] "$request" $status', '[$time_local] "$request" $status', '$remote_addr "$request" $status', 'main']) {
      expect(compileAccessPositionReader(compileAccessFieldReader(format).format)).toBeUndefined();
    }
  });
});
