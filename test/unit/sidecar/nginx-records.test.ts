import { describe, expect, it } from 'vitest';
import { withFixedFields, nginxRecordOf } from '../../../shipper/sidecar/nginx-records.ts';
import { addFixedFields, fixedFieldsOf } from '../../../shipper/enrich/fixed-fields.ts';
import { compileAccessFormat } from '../../../shipper/parse/nginx-access.ts';
import { createErrorParser } from '../../../shipper/parse/nginx-error.ts';
import type { LogRecord } from '../../../shipper/record.ts';

const fixed = fixedFieldsOf((record) => ({
  ...record,
  host: { name: 'node-1' },
  agent: { type: 'logship', version: '1.2.3' },
  kubernetes: { namespace: 'shop', pod: { name: 'web-1' }, labels: { 'app_kubernetes_io/name': 'web' } },
  service: { name: 'checkout' },
}));

/** What the record's JSON was before the fixed part was pre-serialized: merge, then serialize. */
const merged = (record: LogRecord): string => JSON.stringify(addFixedFields(structuredClone(record), fixed));

describe('the fixed fields appended to a record as pre-serialized JSON', () => {
  it.each<[string, LogRecord]>([
    ['a record with none of their keys', { '@timestamp': 't', message: 'GET / "x"', http: { request: { method: 'GET' } } }],
    ['an empty record', {}],
    ['a record holding one of their top-level keys (merged as before)', { message: 'm', service: { version: '2' } }],
    ['a record holding a key with an undefined value', { message: 'm', host: undefined }],
  ])('gives the same document as merging them: %s', (_, record) => {
    const json = withFixedFields(structuredClone(record), fixed);
    expect(json).toBe(merged(record));
    expect(JSON.parse(json)).toEqual(JSON.parse(merged(record)));
  });

  it('leaves a record alone when there are no fixed fields', () => {
    expect(withFixedFields({ message: 'm' }, fixedFieldsOf((record) => record))).toBe('{"message":"m"}');
  });

  it('makes records whose documents carry the fixed fields, for access and error lines', () => {
    const options = { accessParser: compileAccessFormat('combined'), errorParser: createErrorParser(), errorFilePattern: /error/, namespace: 'default', fixedFields: fixed };
    const access = nginxRecordOf({ source: 's', path: '/var/log/nginx/access.log', text: '1.2.3.4 - - [23/Nov/2026:00:00:00 +0000] "GET /a?b=1 HTTP/1.1" 200 5 "-" "curl/8"', offset: 0, endOffset: 90 }, options)!;
    const error = nginxRecordOf({ source: 's', path: '/var/log/nginx/error.log', text: '2026/11/23 00:00:00 [error] 7#7: *1 open() failed', offset: 0, endOffset: 50 }, options)!;
    for (const [out, dataset] of [[access, 'nginx.access'], [error, 'nginx.error']] as const) {
      const doc = JSON.parse(out.body) as { event: { dataset: string }; data_stream: { dataset: string }; kubernetes: unknown; host: unknown; log: { offset: number } };
      expect(out.index).toBe(`logs-${dataset}-default`);
      expect(doc.event.dataset).toBe(dataset);
      expect(doc.data_stream.dataset).toBe(dataset);
      expect(doc.kubernetes).toEqual(fixed.kubernetes);
      expect(doc.host).toEqual({ name: 'node-1' });
      expect(doc.log.offset).toBe(0);
    }
  });
});
