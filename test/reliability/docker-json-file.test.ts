/**
 * Issue 8's docker cases, end to end through the real collector process: JSON wrapped in docker's `log`
 * field keeps its fields, and lines docker split at 16 KiB are merged back into exactly one record —
 * also when stdout and stderr partials interleave and when the collector is killed between fragments.
 */
import { appendFile, cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { startRecordingBulkEndpoint, type RecordingBulkEndpoint } from '../helpers/recording-bulk-endpoint.ts';
import { metricValue, startCollector, type CollectorProcess } from '../integration/collector/collector-harness.ts';
import { CORPUS_ROOT } from '../helpers/corpus.ts';

const INDEX = 'logs-kubernetes.container_logs-default';
const DOCKER_ID = 'e1'.repeat(32);
const CONFIG = `${CORPUS_ROOT}/containers/layout/var/lib/docker/containers/25cc191df2648a2c13b29d54b290c83f5a64217406ce960a794afb8eaae9ebbc/config.v2.json`;
const SPLIT = 16 * 1024;

type Doc = { message?: string; stream?: string; log?: { level?: string }; json?: Record<string, unknown>; service?: { name?: string }; tags?: string[] };

/** How dockerd writes one line: JSON entries of at most 16 KiB of content, only the last ending in \n. */
function dockerEntries(text: string, stream: 'stdout' | 'stderr'): string[] {
  const content = `${text}\n`;
  const entries: string[] = [];
  for (let at = 0; at < content.length; at += SPLIT) {
    entries.push(`${JSON.stringify({ log: content.slice(at, at + SPLIT), stream, time: '2026-11-24T05:00:00.123456789Z' })}\n`);
  }
  return entries;
}

describe('docker json-file correctness (exact records)', () => {
  let dir: string;
  let log: string;
  let es: RecordingBulkEndpoint;
  let collector: CollectorProcess | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'logship-docker-'));
    await mkdir(join(dir, 'containers', DOCKER_ID), { recursive: true });
    await mkdir(join(dir, 'pods'));
    await cp(CONFIG, join(dir, 'containers', DOCKER_ID, 'config.v2.json'));
    log = join(dir, 'containers', DOCKER_ID, `${DOCKER_ID}-json.log`);
    es = await startRecordingBulkEndpoint();
  });
  afterEach(async () => {
    await collector?.kill();
    await es.close();
    await rm(dir, { recursive: true, force: true });
  });
  const start = async () => (collector = await startCollector({ dockerRoot: join(dir, 'containers'), podsRoot: join(dir, 'pods'), stateDir: join(dir, 'state'), to: es.url, extra: ['--parse-json'] }));
  const docs = (): Doc[] => es.list(INDEX).map((d) => d.source as Doc);

  it('keeps the fields of JSON wrapped in docker\'s log field, and leaves invalid JSON as text', async () => {
    await start();
    const app = { '@timestamp': '2026-11-24T05:00:00.000Z', 'log.level': 'error', message: 'payment declined', 'service.name': 'checkout', order: { id: 42, total: 17.5 } };
    await appendFile(log, [...dockerEntries(JSON.stringify(app), 'stdout'), ...dockerEntries('{"text":"not json"]', 'stderr')].join(''));
    await eventually(() => expect(es.count(INDEX)).toBe(2));
    const parsed = docs().find((d) => d.message === 'payment declined')!;
    expect(parsed.log?.level).toBe('error');
    expect(parsed.service?.name).toBe('checkout');
    expect(parsed.json).toEqual({ order: { id: 42, total: 17.5 } });
    const plain = docs().find((d) => d.stream === 'stderr')!;
    expect(plain.message).toBe('{"text":"not json"]');
  });

  it('merges lines split at 16 KiB into one record each, interleaved streams and a kill between fragments included', async () => {
    const long = (tag: string, size: number) => `${tag}:${'x'.repeat(size - tag.length - 1)}`;
    const outLine = long('out', 40_000); // 3 fragments
    const errLine = long('err', 20_000); // 2 fragments
    const out = dockerEntries(outLine, 'stdout');
    const err = dockerEntries(errLine, 'stderr');
    expect(out).toHaveLength(3);
    expect(err).toHaveLength(2);
    await start();
    // stdout and stderr fragments interleave, as dockerd writes them when both streams are busy.
    const firstPart = out[0]! + err[0]! + out[1]!;
    await appendFile(log, firstPart);
    // Wait until the collector has read every fragment written so far (none completes a line yet).
    await eventually(async () => expect(await metricValue(collector!.metricsUrl, 'logship_tail_bytes_read_total')).toBe(Buffer.byteLength(firstPart)));
    expect(es.count(INDEX)).toBe(0);
    await collector!.kill(); // dies with both lines half read
    await appendFile(log, err[1]! + out[2]! + dockerEntries('short line', 'stdout').join(''));
    await start();
    await eventually(() => expect(es.count(INDEX)).toBe(3), { timeoutMs: 20_000 });
    const messages = docs().map((d) => d.message).sort();
    expect(messages).toEqual([errLine, outLine, 'short line'].sort());
    expect(docs().every((d) => !d.tags?.includes('logship_parse_failure'))).toBe(true);
  });
});
