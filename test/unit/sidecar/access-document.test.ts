import { describe, expect, it } from 'vitest';
import { createAccessRecordWriter } from '../../../shipper/sidecar/access-document.ts';
import { compileAccessFieldReader } from '../../../shipper/parse/nginx-access.ts';
import type { NginxFields } from '../../../shipper/parse/nginx-fields.ts';
import type { LogRecord, Line } from '../../../shipper/record.ts';
import type { AccessFieldReader } from '../../../shipper/parse/nginx-access.ts';

const fixed = { host: { name: 'node-1' }, kubernetes: { pod: { name: 'web-1' } } };
const combined = compileAccessFieldReader('combined');
const now = (): string => '2026-11-24T00:00:00.000Z';

function lineOf(text: string, extra: Partial<Line> = {}): Line {
  return { source: 's', path: '/var/log/nginx/access.log', text, offset: 42, endOffset: 42 + text.length + 1, ...extra };
}
function fieldsOf(reader: typeof combined, text: string): NginxFields {
  const fields = reader.read(text);
  if (typeof fields === 'string') throw new Error(fields);
  return fields;
}

/** The document the record writer writes (read back from the record's bytes), as a string writer would give it. */
function createAccessDocumentWriter(reader: AccessFieldReader, dataset: string, namespace: string, fixedFields: LogRecord) {
  const writeRecord = createAccessRecordWriter(reader, `logs-${dataset}-${namespace}`, dataset, namespace, fixedFields);
  if (writeRecord === undefined) return undefined;
  return (fields: NginxFields, line: Line, clock: () => string): string | undefined => writeRecord(fields, line, clock)?.body;
}

describe('the access document writer', () => {
  const write = createAccessDocumentWriter(combined, 'nginx.access', 'prod', fixed)!;

  it('writes the whole document: parsed fields, file, data stream, then the fixed fields', () => {
    const text = '1.2.3.4 - bob [23/Nov/2026:06:16:36 +0100] "GET /a?b=1 HTTP/1.1" 200 5 "-" "curl/8"';
    expect(JSON.parse(write(fieldsOf(combined, text), lineOf(text), now)!)).toEqual({
      '@timestamp': '2026-11-23T05:16:36.000Z',
      message: text,
      source: { address: '1.2.3.4', ip: '1.2.3.4' },
      user: { name: 'bob' },
      http: { request: { method: 'GET' }, response: { status_code: 200, body: { bytes: 5 } }, version: '1.1' },
      url: { original: '/a?b=1', path: '/a', query: 'b=1' },
      user_agent: { original: 'curl/8' },
      event: { dataset: 'nginx.access' },
      log: { file: { path: '/var/log/nginx/access.log' }, offset: 42 },
      data_stream: { type: 'logs', dataset: 'nginx.access', namespace: 'prod' },
      host: { name: 'node-1' },
      kubernetes: { pod: { name: 'web-1' } },
    });
  });

  it('escapes values that need it (quotes in a value, decoded escapes, a path with quotes)', () => {
    const text = '1.2.3.4 - - [23/Nov/2026:06:16:36 +0000] "GET /\\x22q\\x22 HTTP/1.1" 200 5 "-" "a \\xC3\\xA9 \\x5C"';
    const doc = JSON.parse(write(fieldsOf(combined, text), lineOf(text, { path: '/logs/"x".log' }), now)!) as { url: { path: string }; user_agent: { original: string }; log: { file: { path: string } } };
    expect(doc.url.path).toBe('/"q"');
    expect(doc.user_agent.original).toBe('a é \\');
    expect(doc.log.file.path).toBe('/logs/"x".log');
  });

  it('gives a line without a time the clock\'s, after the parsed fields', () => {
    const reader = compileAccessFieldReader('$remote_addr "$request" $status');
    const writeUntimed = createAccessDocumentWriter(reader, 'nginx.access', 'prod', {})!;
    const text = '1.2.3.4 "GET / HTTP/1.1" 200';
    const json = writeUntimed(fieldsOf(reader, text), lineOf(text), now)!;
    expect(Object.keys(JSON.parse(json) as object)).toEqual(['message', 'source', 'http', 'url', 'event', '@timestamp', 'log', 'data_stream']);
    expect(json).toContain('"@timestamp":"2026-11-24T00:00:00.000Z"');
  });

  it('leaves cut lines and fixed fields that meet a document key to the record path', () => {
    const text = '1.2.3.4 - - [23/Nov/2026:06:16:36 +0000] "GET / HTTP/1.1" 200 5 "-" "-"';
    expect(write(fieldsOf(combined, text), lineOf(text, { truncated: true }), now)).toBeUndefined();
    expect(createAccessDocumentWriter(combined, 'nginx.access', 'prod', { ...fixed, url: { domain: 'x' } })).toBeUndefined();
    expect(createAccessDocumentWriter(combined, 'nginx.access', 'prod', { tags: ['x'] })).toBeUndefined();
  });
});
