import { describe, expect, it } from 'vitest';
import { containerRecordOf, type ContainerRecordOptions } from '../../../shipper/collector/container-records.ts';
import type { ContainerEntry } from '../../../shipper/decode/container-entry.ts';
import { containerMetadata } from '../../../shipper/enrich/kubernetes-fields.ts';
import { agentFieldsEnricher, staticTagsEnricher } from '../../../shipper/enrich/static-tags.ts';
import { compileAccessFormat } from '../../../shipper/parse/nginx-access.ts';
import { createErrorParser } from '../../../shipper/parse/nginx-error.ts';
import type { Enricher, Line, LogRecord } from '../../../shipper/record.ts';

const metadata = containerMetadata(
  { runtime: 'docker', containerId: 'c1', image: 'app:1', pod: { namespace: 'shop', name: 'web-0', uid: 'u', containerName: 'web' }, podLabels: { app: 'web' }, podAnnotations: {}, owners: [] },
  undefined,
  { nodeName: 'node-1', keepAnnotation: () => false },
);
const file = { source: 'dev:ino:fp', path: '/var/log/pods/shop_web-0_u/web/0.log' };
const entry = (message: string): ContainerEntry => ({ message, stream: 'stdout', timestamp: '2026-11-24T05:00:00.000000001Z', offset: 10, endOffset: 90, format: 'cri' });
const EMPTY_LINE: Line = { source: '', path: '', text: '', offset: 0, endOffset: 0 };

function options(enrich: Enricher, fast: boolean): ContainerRecordOptions {
  return {
    namespace: 'default',
    accessParser: compileAccessFormat('combined'),
    errorParser: createErrorParser({ timeZone: 'UTC' }),
    parseJson: true,
    enrich,
    ...(fast ? { commonFields: enrich({}, EMPTY_LINE) } : {}),
  };
}

const agent = agentFieldsEnricher({ hostName: 'node-1', version: '0.1.0' });
const tagged: Enricher = (record, line) => staticTagsEnricher(['service.name=shop', 'env=prod'])(agent(record, line), line);

describe('container records', () => {
  it.each([
    ['a plain line', 'hello world'],
    ['an ECS JSON line', '{"@timestamp":"2026-11-24T04:00:00Z","log.level":"warn","message":"slow","service.name":"web","event.action":"x"}'],
    ['a JSON line with fields under json.*', '{"level":30,"msg":"ok","req":{"id":7}}'],
  ])('serialize %s the same on the shared-fields fast path as through the enrichers', (_, message) => {
    for (const enrich of [agent, tagged]) {
      const fast = containerRecordOf(entry(message), file, metadata, options(enrich, true));
      const slow = containerRecordOf(entry(message), file, metadata, options(enrich, false));
      expect(JSON.parse(fast.body)).toEqual(JSON.parse(slow.body));
      expect(fast.id).toBe(slow.id);
      expect(fast.index).toBe('logs-kubernetes.container_logs-default');
      expect([fast.offset, fast.endOffset]).toEqual([10, 90]);
    }
  });

  it('never writes a key twice: a record holding a shared key takes the merging path (configured tags win)', () => {
    const out = containerRecordOf(entry('{"service.name":"from-app","message":"m"}'), file, metadata, options(tagged, true));
    expect(out.body.match(/"service":/g)).toHaveLength(1);
    const doc = JSON.parse(out.body) as LogRecord & { service: { name: string }; env: string; kubernetes: { labels: Record<string, string> } };
    expect(doc.service.name).toBe('shop');
    expect(doc.env).toBe('prod');
    expect(doc.kubernetes.labels).toEqual({ app: 'web' });
  });

  it('adds the file, dataset and data stream fields, and the kubernetes and container fields', () => {
    const doc = JSON.parse(containerRecordOf(entry('hi'), file, metadata, options(agent, true)).body) as LogRecord;
    expect(doc).toEqual({
      '@timestamp': '2026-11-24T05:00:00.000000001Z',
      message: 'hi',
      stream: 'stdout',
      log: { offset: 10, file: { path: file.path } },
      event: { dataset: 'kubernetes.container_logs' },
      data_stream: { type: 'logs', dataset: 'kubernetes.container_logs', namespace: 'default' },
      kubernetes: { namespace: 'shop', pod: { name: 'web-0', uid: 'u' }, node: { name: 'node-1' }, container: { name: 'web' }, labels: { app: 'web' } },
      container: { id: 'c1', runtime: 'docker', image: { name: 'app:1' } },
      host: { name: 'node-1' },
      agent: { type: 'logship', version: '0.1.0' },
    });
  });

  it('keeps an undecodable line whole as a parse failure in the container data stream', () => {
    const bad: ContainerEntry = { ...entry('{"log":"x'), timestamp: '', error: 'neither a docker json-file entry nor a CRI log line' };
    const doc = JSON.parse(containerRecordOf(bad, file, metadata, options(agent, true)).body) as { message: string; tags: string[]; error: { message: string }; '@timestamp': string };
    expect(doc.message).toBe('{"log":"x');
    expect(doc.tags).toEqual(['logship_parse_failure']);
    expect(doc.error.message).toContain('neither');
    expect(doc['@timestamp']).toMatch(/^\d{4}-/);
  });
});
