/**
 * Every line of real nginx output through the parsers. Expectations come from splitting the
 * lines by hand (on `"` and spaces), never from the parser under test.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileAccessFormat } from '../../../shipper/parse/nginx-access.ts';
import { createErrorParser } from '../../../shipper/parse/nginx-error.ts';
import type { LogRecord } from '../../../shipper/record.ts';
import { CORPUS_ROOT } from '../../helpers/corpus.ts';

const CORPUS = `${CORPUS_ROOT}/nginx`;

function corpusLines(name: string): string[] {
  return readFileSync(`${CORPUS}/${name}`, 'utf8').split('\n').filter((line) => line.length > 0);
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

type Shaped = LogRecord & {
  source: { address: string; ip?: string };
  http: { request?: { method?: string; referrer?: string }; response: { status_code: number; body?: { bytes: number } }; version?: string };
  url?: { original: string; path?: string; query?: string };
  user_agent?: { original: string };
  user?: { name: string };
};

describe('the nginx access corpus (20k lines of combined format)', () => {
  const lines = corpusLines('access.log');
  const parse = compileAccessFormat('combined');
  const results = lines.map((line) => parse(line));
  const records = results.flatMap((result) => (result.ok ? [result.record as Shaped] : []));

  // nginx escapes `"` inside values, so splitting on it separates the fields:
  // [addr - user [time] , request , status bytes , referrer , " " , agent , ""]
  const split = lines.map((line) => {
    const parts = line.split('"');
    const head = parts[0]!.split(' ');
    const [status, bytes] = parts[2]!.trim().split(' ');
    return { addr: head[0]!, user: head[2]!, time: parts[0]!.slice(parts[0]!.indexOf('[') + 1, parts[0]!.indexOf(']')), request: parts[1]!, status: status!, bytes: bytes!, referrer: parts[3]!, agent: parts[5]! };
  });

  it('parses every line', () => {
    expect(lines.length).toBe(20_000);
    const failures = results.flatMap((result, index) => (result.ok ? [] : [`${index + 1}: ${result.error}`]));
    expect(failures).toEqual([]);
  });

  it('finds the same statuses, in the same numbers, as splitting the lines by hand', () => {
    expect(countBy(records, (record) => String(record.http.response.status_code))).toEqual(countBy(split, (fields) => fields.status));
    expect(records.every((record) => Number.isInteger(record.http.response.status_code))).toBe(true);
  });

  it('reads the client address, user and byte count of each line as splitting does', () => {
    records.forEach((record, index) => {
      const expected = split[index]!;
      expect(record.source.address).toBe(expected.addr);
      expect(record.user?.name ?? '-').toBe(expected.user);
      expect(record.http.response.body?.bytes ?? '-').toBe(expected.bytes === '-' ? '-' : Number(expected.bytes));
    });
  });

  it('sets source.ip for every address of the corpus, IPv6 ones included', () => {
    const ipv6 = records.filter((record) => record.source.address.includes(':'));
    expect(ipv6.length).toBe(split.filter((fields) => fields.addr.includes(':')).length);
    expect(ipv6.length).toBeGreaterThan(0);
    expect(records.every((record) => record.source.ip === record.source.address)).toBe(true);
  });

  it('converts every time to the instant Date reads from the same text', () => {
    records.forEach((record, index) => {
      // `23/Nov/2026:06:16:36 +0000` → `23 Nov 2026 06:16:36 +0000`, a form Date.parse understands.
      const text = split[index]!.time.replace(/\//g, ' ').replace(':', ' ');
      expect(record['@timestamp']).toBe(new Date(text).toISOString());
    });
  });

  it('splits each well-formed request line into method, url and version', () => {
    let requests = 0;
    records.forEach((record, index) => {
      const words = split[index]!.request.split(' ');
      if (words.length !== 3) return;
      requests++;
      expect(record.http.request?.method).toBe(words[0]);
      expect(record.url?.original).toBe(words[1]);
      expect(record.url?.path).toBe(words[1]!.split('?')[0]);
      expect(record.http.version).toBe(words[2]!.replace('HTTP/', ''));
    });
    expect(requests).toBeGreaterThan(19_000);
  });

  it('keeps the malformed requests (TLS bytes, GARBAGE) as url.original, without a method', () => {
    const malformed = records.filter((_record, index) => split[index]!.request.split(' ').length !== 3);
    expect(malformed.length).toBe(split.filter((fields) => fields.request.split(' ').length !== 3).length);
    expect(malformed.length).toBeGreaterThan(0);
    for (const record of malformed) {
      expect(record.http.request?.method).toBeUndefined();
      expect(record.url?.original.length).toBeGreaterThan(0);
      expect(record.http.response.status_code).toBe(400);
    }
  });

  it('decodes every escaped quote of the user agents and leaves no \\x22 behind', () => {
    const escaped = split.filter((fields) => fields.agent.includes('\\x22')).length;
    expect(escaped).toBeGreaterThan(0);
    expect(records.filter((record) => record.user_agent?.original.includes('"')).length).toBe(escaped);
    expect(records.some((record) => record.user_agent?.original.includes('\\x22'))).toBe(false);
  });

  it('leaves out exactly the referrers and agents written as "-"', () => {
    expect(records.filter((record) => record.http.request?.referrer === undefined).length).toBe(split.filter((fields) => fields.referrer === '-').length);
    expect(records.filter((record) => record.user_agent === undefined).length).toBe(split.filter((fields) => fields.agent === '-').length);
  });

  it('keeps each line whole in message and tags it nginx.access', () => {
    records.forEach((record, index) => {
      expect(record.message).toBe(lines[index]);
      expect(record.event).toEqual({ dataset: 'nginx.access' });
    });
  });
});

describe('the nginx error corpus (8k lines)', () => {
  const lines = corpusLines('error.log');
  const parse = createErrorParser({ timeZone: 'UTC' });
  const results = lines.map((line) => parse(line));
  const records = results.flatMap((result) => (result.ok ? [result.record] : []));

  it('parses every line', () => {
    expect(lines.length).toBe(8_000);
    expect(results.flatMap((result, index) => (result.ok ? [] : [`${index + 1}: ${result.error}`]))).toEqual([]);
  });

  it('finds the same levels and pids as splitting the lines on spaces', () => {
    expect(countBy(records, (record) => (record.log as { level: string }).level)).toEqual(countBy(lines, (line) => line.split(' ')[2]!.slice(1, -1)));
    expect(countBy(records, (record) => String((record.process as { pid: number }).pid))).toEqual(countBy(lines, (line) => line.split(' ')[3]!.split('#')[0]!));
  });

  it('reads the connection number of exactly the lines that have one', () => {
    const withConnection = lines.filter((line) => line.split(' ')[4]!.startsWith('*'));
    const connectionIds = records.flatMap((record) => {
      const id = (record.nginx as { error?: { connection_id?: number } } | undefined)?.error?.connection_id;
      return id === undefined ? [] : [id];
    });
    expect(connectionIds).toEqual(withConnection.map((line) => Number(line.split(' ')[4]!.slice(1))));
  });

  it('splits the client, host and request off the message of each line that has them', () => {
    records.forEach((record, index) => {
      const line = lines[index]!;
      const client = /, client: ([^,]+),/.exec(line)?.[1];
      expect((record.source as { address?: string } | undefined)?.address).toBe(client);
      // The Host header as sent; the parser keeps its port apart (url.port).
      const host = /, host: "([^"]*)"/.exec(line)?.[1];
      const [domain, port] = host?.split(':') ?? [];
      expect((record.url as { domain?: string } | undefined)?.domain).toBe(domain);
      expect((record.url as { port?: number } | undefined)?.port).toBe(port === undefined ? undefined : Number(port));
      expect(record.message).toBe(client === undefined ? line.slice(line.indexOf(': ', 20) + 2).replace(/^\*\d+ /, '') : line.slice(0, line.indexOf(', client: ')).replace(/^.*?: (\*\d+ )?/, ''));
    });
  });
});
