/**
 * The sidecar as a real process, shipping real files to a real HTTP `_bulk` endpoint: every line exactly
 * once, through restarts, crashes and a store outage (issue 3's delivery tests).
 */
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually.ts';
import { startRecordingBulkEndpoint, type RecordingBulkEndpoint } from '../../helpers/recording-bulk-endpoint.ts';
import { freePort, startLogship, type LogshipProcess } from '../../helpers/logship-process.ts';
import { getPath } from '../../../shipper/parse/fields.ts';
import { CORPUS_ROOT } from '../../helpers/corpus.ts';

type Doc = Record<string, unknown>;

const CORPUS = `${CORPUS_ROOT}/nginx`;
const corpusAccess = (await readFile(join(CORPUS, 'access.log'), 'utf8')).split('\n').filter((l) => l !== '');
const corpusError = (await readFile(join(CORPUS, 'error.log'), 'utf8')).split('\n').filter((l) => l !== '');
const ACCESS = 'logs-nginx.access-default';
const ERROR = 'logs-nginx.error-default';

describe('logship sidecar delivery', () => {
  let dir: string;
  let es: RecordingBulkEndpoint;
  let sidecar: LogshipProcess | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'logship-sidecar-'));
    es = await startRecordingBulkEndpoint();
  });
  afterEach(async () => {
    await sidecar?.kill();
    await es.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function start(extra: string[] = []): Promise<LogshipProcess> {
    sidecar = startLogship('sidecar', [
      '--path', join(dir, '*.log'), '--to', es.url, '--state-dir', join(dir, 'state'),
      '--metrics-listen', `127.0.0.1:${await freePort()}`, '--labels-file', join(dir, 'labels'), '--annotations-file', join(dir, 'annotations'),
      '--batch-max-wait', '20ms', '--retry-max-backoff', '200ms', '--log-level', 'warn', ...extra,
    ], { POD_NAME: 'shop-7d9c5b6f4-x2k8p', POD_NAMESPACE: 'shop', POD_UID: '863b9313-ae40-4d22-bdc1-84a7c670795c', POD_IP: '10.1.2.3', NODE_NAME: 'node-a' });
    return sidecar;
  }

  const write = (name: string, lines: readonly string[]) => appendFile(join(dir, name), lines.map((l) => `${l}\n`).join(''));

  it('ships every access and error line of the real nginx corpus exactly once, parsed and tagged with the pod', async () => {
    const access = corpusAccess.slice(0, 3000);
    const errors = corpusError.slice(0, 800);
    await write('access.log', access);
    await write('error.log', errors);
    await appendFile(join(dir, 'labels'), 'app="shop"\napp.kubernetes.io/name="shop"\npod-template-hash="7d9c5b6f4"\n');
    await start();
    await eventually(() => {
      expect(es.count(ACCESS)).toBe(access.length);
      expect(es.count(ERROR)).toBe(errors.length);
    }, { timeoutMs: 30_000 });

    const docs = es.list(ACCESS).map((d) => d.source as Doc);
    const failures = docs.filter((d) => Array.isArray(d.tags) && d.tags.includes('logship_parse_failure'));
    expect(failures).toHaveLength(0);
    const statuses = new Set(access.map((l) => Number(/" (\d{3}) /.exec(l)?.[1])));
    expect(new Set(docs.map((d) => getPath(d, 'http.response.status_code')))).toEqual(statuses);
    const first = docs.find((d) => d.message === access[0])!;
    expect(first).toBeDefined();
    expect(getPath(first, 'kubernetes.pod.name')).toBe('shop-7d9c5b6f4-x2k8p');
    expect(getPath(first, 'kubernetes.namespace')).toBe('shop');
    expect((getPath(first, 'kubernetes.labels') as Doc)['app_kubernetes_io/name']).toBe('shop');
    expect(first.data_stream).toEqual({ type: 'logs', dataset: 'nginx.access', namespace: 'default' });
    expect(getPath(first, 'agent.type')).toBe('logship');
    expect(getPath(first, 'log.file.path')).toBe(join(dir, 'access.log'));

    const errorDocs = es.list(ERROR).map((d) => d.source as Doc);
    expect(errorDocs.every((d) => typeof getPath(d, 'log.level') === 'string' && typeof getPath(d, 'process.pid') === 'number')).toBe(true);
  });

  it('after a restart ships exactly the lines written while it was down (write 2, stop, write 3, start: 3 more)', async () => {
    await write('access.log', corpusAccess.slice(0, 2));
    await start();
    await eventually(() => expect(es.count(ACCESS)).toBe(2));
    expect(await sidecar!.stop()).toBe(0);
    await write('access.log', corpusAccess.slice(2, 5));
    const before = es.requests.reduce((sum, r) => sum + r.items, 0);
    await start();
    await eventually(() => expect(es.count(ACCESS)).toBe(5));
    // The checkpoint was written on SIGTERM, so nothing already shipped is sent again.
    await eventually(() => expect(es.requests.reduce((sum, r) => sum + r.items, 0) - before).toBe(3));
    expect(es.conflicts).toBe(0);
  });

  it('loses and duplicates nothing when SIGKILLed repeatedly while lines keep arriving', async () => {
    const lines = corpusAccess.slice(0, 6000);
    let written = 0;
    const writer = (async () => {
      while (written < lines.length) {
        await write('access.log', lines.slice(written, written + 200));
        written += 200;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    for (let kill = 0; kill < 5; kill++) {
      await start();
      const target = es.count(ACCESS) + 300;
      await eventually(() => expect(es.count(ACCESS) >= Math.min(target, lines.length)).toBe(true), { timeoutMs: 20_000 });
      await sidecar!.kill();
    }
    await writer;
    await start();
    await eventually(() => expect(es.count(ACCESS)).toBe(lines.length), { timeoutMs: 30_000 });
    const messages = es.list(ACCESS).map((d) => (d.source as { message: string }).message);
    expect(messages.sort()).toEqual([...lines].sort());
  });

  it('keeps every line through a store outage of 429s and 500s, and pauses instead of dropping', async () => {
    es.fail({ kind: 'status', status: 429, retryAfterSeconds: 1 });
    await write('access.log', corpusAccess.slice(0, 1000));
    await start();
    await eventually(() => expect(es.requests.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(2));
    es.fail({ kind: 'status', status: 500 }, 3);
    await write('access.log', corpusAccess.slice(1000, 1500));
    await eventually(() => expect(es.count(ACCESS)).toBe(1500), { timeoutMs: 30_000 });
    expect(sidecar!.child.exitCode).toBeNull();
  });
});
