import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { startRecordingBulkEndpoint, type RecordingBulkEndpoint } from '../../helpers/recording-bulk-endpoint.ts';
import { eventually } from '../../helpers/eventually.ts';
import { createPipeline, type Pipeline } from '../../../shipper/pipeline.ts';
import { createElasticsearchSink } from '../../../shipper/sink/elasticsearch.ts';
import { toOutgoing } from '../../../shipper/document-id.ts';
import type { Outgoing, Sink } from '../../../shipper/record.ts';

/** Records settled ranges the way the checkpoint store receives them, and what they cover. */
function settledRanges() {
  const ranges: Array<[string, number, number]> = [];
  return {
    ranges,
    settle: (source: string, offset: number, endOffset: number) => void ranges.push([source, offset, endOffset]),
    /** Bytes settled in all; a range settled twice would count twice, so this also catches repeats. */
    bytes: () => ranges.reduce((sum, [, o, e]) => sum + (e - o), 0),
    /** The union of the settled ranges as sorted, merged intervals. */
    covered: () => {
      const sorted = ranges.map(([, o, e]) => [o, e] as [number, number]).sort((a, b) => a[0] - b[0]);
      const merged: Array<[number, number]> = [];
      for (const [o, e] of sorted) {
        const last = merged[merged.length - 1];
        if (last !== undefined && o <= last[1]) last[1] = Math.max(last[1], e);
        else merged.push([o, e]);
      }
      return merged;
    },
  };
}

function records(count: number, source = 'dev:ino:fp', startOffset = 0): Outgoing[] {
  return Array.from({ length: count }, (_, i) => {
    const offset = startOffset + i * 100;
    return toOutgoing('logs-nginx.access-default', { '@timestamp': '2026-11-23T06:16:36.000Z', message: `line ${offset}`, n: i }, source, offset, offset + 100);
  });
}

describe('the delivery pipeline through the real Elasticsearch sink', () => {
  let es: RecordingBulkEndpoint;
  let sink: Sink;
  let pipeline: Pipeline | undefined;
  const logger = pino({ level: 'silent' });

  beforeEach(async () => {
    es = await startRecordingBulkEndpoint();
    sink = createElasticsearchSink({ url: es.url, gzip: true });
  });
  afterEach(async () => {
    await pipeline?.close();
    await sink.close();
    await es.close();
  });

  function start(checkpoints: { settle: (s: string, o: number, e: number) => void }, overrides: Partial<Parameters<typeof createPipeline>[0]> = {}): Pipeline {
    pipeline = createPipeline({
      sink, checkpoints, logger, registry: new Registry(),
      batchMaxDocs: 50, batchMaxBytes: 1 << 20, batchMaxWaitMs: 10, maxInFlight: 2, maxBufferBytes: 8 << 20,
      retryMaxBackoffMs: 50, deadLetterIndex: 'logs-logship.deadletter-default', closeTimeoutMs: 2_000, ...overrides,
    });
    return pipeline;
  }

  it('stores every record exactly once and settles every byte range', async () => {
    const checkpoints = settledRanges();
    const p = start(checkpoints);
    await p.push(records(500));
    await eventually(() => expect(checkpoints.bytes()).toBe(500 * 100));
    expect(es.count('logs-nginx.access-default')).toBe(500);
    expect(checkpoints.covered()).toEqual([[0, 500 * 100]]);
    // Adjacent ranges of one answer are settled together, not record by record.
    expect(checkpoints.ranges.length).toBeLessThan(500);
  });

  it('retries a store outage (429 with Retry-After, 500s, resets) until everything is stored, without duplicates', async () => {
    const checkpoints = settledRanges();
    es.fail({ kind: 'status', status: 429, retryAfterSeconds: 0 }, 2);
    const p = start(checkpoints);
    await p.push(records(100));
    await eventually(() => expect(es.requests.filter((r) => r.status === 429).length).toBe(2));
    es.fail({ kind: 'status', status: 503 }, 2);
    await p.push(records(100, 'dev:ino:fp', 100 * 100));
    es.fail({ kind: 'reset-after-apply' }, 1);
    await p.push(records(100, 'dev:ino:fp', 200 * 100));
    await eventually(() => expect(checkpoints.bytes()).toBe(300 * 100));
    expect(es.count()).toBe(300);
    expect(checkpoints.covered()).toEqual([[0, 300 * 100]]);
    // A reset after the store applied the items makes the shipper resend them: the store answers 409 for each.
    expect(es.conflicts).toBeGreaterThan(0);
  });

  it('sends a record the store rejects for good to the dead-letter stream with the reason, and settles it', async () => {
    const checkpoints = settledRanges();
    es.setItemHook((doc) => (doc.index === 'logs-nginx.access-default' && (doc.source?.n as number) % 10 === 3
      ? { status: 400, type: 'document_parsing_exception', reason: 'failed to parse field [n] of type [long]' }
      : undefined));
    const p = start(checkpoints);
    await p.push(records(100));
    await eventually(() => expect(checkpoints.bytes()).toBe(100 * 100));
    expect(checkpoints.covered()).toEqual([[0, 100 * 100]]);
    const dead = es.list('logs-logship.deadletter-default');
    expect(dead).toHaveLength(10);
    expect(es.count('logs-nginx.access-default')).toBe(90);
    const error = dead[0]!.source?.error as { message: string };
    expect(error.message).toContain('document_parsing_exception');
    const original = JSON.parse((dead[0]!.source?.event as { original: string }).original) as { n: number };
    expect(original.n % 10).toBe(3);
  });

  it('pauses the reader (push does not resolve) while the buffer is full and the store does not answer', async () => {
    const checkpoints = settledRanges();
    es.fail({ kind: 'status', status: 503 });
    const p = start(checkpoints, { maxBufferBytes: 64 * 1024 });
    const batch = records(1000);
    let resolved = false;
    const pushing = p.push(batch).then(() => (resolved = true));
    await eventually(() => expect(es.requests.length).toBeGreaterThan(3));
    expect(resolved).toBe(false);
    expect(p.bufferedBytes()).toBe(batch.reduce((sum, r) => sum + r.bytes, 0));
    es.recover();
    await pushing;
    await eventually(() => expect(checkpoints.bytes()).toBe(1000 * 100));
    expect(p.bufferedBytes()).toBe(0);
  });
});
