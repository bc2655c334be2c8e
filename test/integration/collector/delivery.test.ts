/**
 * The collector as a real process, on a synthetic node tree, shipping to a recording `_bulk` endpoint:
 * every container line exactly once through docker's and the kubelet's rotations, restarts, SIGKILL and
 * a store outage (issue 5, the same delivery tests as the sidecar's).
 */
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually.ts';
import { startRecordingBulkEndpoint, type RecordingBulkEndpoint } from '../../helpers/recording-bulk-endpoint.ts';
import { startCollector, stateFile, type CollectorProcess, type Doc } from './collector-harness.ts';
import { CORPUS_ROOT } from '../../helpers/corpus.ts';

const INDEX = 'logs-kubernetes.container_logs-default';
const DOCKER_ID = 'd0'.repeat(32);
const CONFIG_TEMPLATE = `${CORPUS_ROOT}/containers/layout/var/lib/docker/containers/25cc191df2648a2c13b29d54b290c83f5a64217406ce960a794afb8eaae9ebbc/config.v2.json`;

const dockerLine = (text: string, stream = 'stdout'): string =>
  `${JSON.stringify({ log: `${text}\n`, stream, time: '2026-11-24T05:00:00.000000001Z' })}\n`;
const criLine = (text: string, stream = 'stdout'): string => `2026-11-24T05:00:00.000000001Z ${stream} F ${text}\n`;

describe('logship collector delivery', () => {
  let dir: string;
  let dockerRoot: string;
  let podsRoot: string;
  let stateDir: string;
  let es: RecordingBulkEndpoint;
  let collector: CollectorProcess | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'logship-collector-'));
    dockerRoot = join(dir, 'var/lib/docker/containers');
    podsRoot = join(dir, 'var/log/pods');
    stateDir = join(dir, 'state');
    await mkdir(join(dockerRoot, DOCKER_ID), { recursive: true });
    await mkdir(podsRoot, { recursive: true });
    await cp(CONFIG_TEMPLATE, join(dockerRoot, DOCKER_ID, 'config.v2.json'));
    es = await startRecordingBulkEndpoint();
  });
  afterEach(async () => {
    await collector?.kill();
    collector = undefined;
    await es.close();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (): Promise<CollectorProcess> => (collector = await startCollector({ dockerRoot, podsRoot, stateDir, to: es.url }));
  const dockerLog = (): string => join(dockerRoot, DOCKER_ID, `${DOCKER_ID}-json.log`);
  const criDir = (): string => join(podsRoot, 'shop_web-0_6d1d9c2e-0000-4000-8000-000000000001', 'web');
  const messages = (): string[] => es.list(INDEX).map((d) => (d.source as Doc).message ?? '').sort();
  const numbered = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `${prefix} ${String(from + i).padStart(6, '0')}`);

  it('ships lines written before and after docker rotates its json-file log exactly once', async () => {
    await start();
    await writeFile(dockerLog(), numbered('docker', 0, 300).map((l) => dockerLine(l)).join(''));
    await eventually(() => expect(es.count(INDEX)).toBe(300));
    // docker's rotation: -json.log.1 → .2, -json.log → .1, a new -json.log.
    await rename(dockerLog(), `${dockerLog()}.1`);
    await appendFile(`${dockerLog()}.1`, numbered('docker', 300, 400).map((l) => dockerLine(l)).join(''));
    await writeFile(dockerLog(), numbered('docker', 400, 700).map((l) => dockerLine(l)).join(''));
    await rename(`${dockerLog()}.1`, `${dockerLog()}.2`);
    await rename(dockerLog(), `${dockerLog()}.1`);
    await writeFile(dockerLog(), numbered('docker', 700, 800).map((l) => dockerLine(l)).join(''));
    await eventually(() => expect(es.count(INDEX)).toBe(800), { timeoutMs: 20_000 });
    expect(messages()).toEqual(numbered('docker', 0, 800));
    const doc = es.list(INDEX)[0]?.source as Doc;
    expect(doc.kubernetes?.pod?.name).toBe('checkout-7d9c5b6f4-x2k8p');
    expect(doc.container?.id).toBe(DOCKER_ID);
  });

  it('ships lines across the kubelet\'s rotation exactly once and never reads the compressed rotation', async () => {
    await mkdir(criDir(), { recursive: true });
    await writeFile(join(criDir(), '0.log.20261124-040000.gz'), gzipSync(numbered('old', 0, 50).map((l) => criLine(l)).join('')));
    await start();
    await writeFile(join(criDir(), '0.log'), numbered('cri', 0, 250).map((l) => criLine(l)).join(''));
    await eventually(() => expect(es.count(INDEX)).toBe(250));
    await appendFile(join(criDir(), '0.log'), numbered('cri', 250, 300).map((l) => criLine(l, 'stderr')).join(''));
    await rename(join(criDir(), '0.log'), join(criDir(), '0.log.20261124-050000'));
    await writeFile(join(criDir(), '0.log'), numbered('cri', 300, 500).map((l) => criLine(l)).join(''));
    await eventually(() => expect(es.count(INDEX)).toBe(500), { timeoutMs: 20_000 });
    expect(messages()).toEqual(numbered('cri', 0, 500));
    const doc = es.list(INDEX).map((d) => d.source as Doc).find((d) => d.stream === 'stderr');
    expect(doc?.kubernetes).toMatchObject({ namespace: 'shop', pod: { name: 'web-0' }, container: { name: 'web' } });
  });

  it('after a graceful restart, ships only what was written while it was down (nothing re-sent)', async () => {
    await mkdir(criDir(), { recursive: true });
    await writeFile(join(criDir(), '0.log'), numbered('a', 0, 2).map((l) => criLine(l)).join(''));
    await start();
    await eventually(() => expect(es.count(INDEX)).toBe(2));
    expect(await collector!.stop()).toBe(0);
    await appendFile(join(criDir(), '0.log'), numbered('b', 0, 3).map((l) => criLine(l)).join(''));
    await start();
    await eventually(() => expect(es.count(INDEX)).toBe(5));
    expect(es.conflicts).toBe(0);
    expect(messages()).toEqual([...numbered('a', 0, 2), ...numbered('b', 0, 3)]);
  });

  it('loses and duplicates nothing when SIGKILLed repeatedly while containers write', async () => {
    await mkdir(criDir(), { recursive: true });
    let written = 0;
    const writeSome = async (n: number): Promise<void> => {
      await appendFile(join(criDir(), '0.log'), numbered('k', written, written + n).map((l) => criLine(l)).join(''));
      await appendFile(dockerLog(), numbered('d', written, written + n).map((l) => dockerLine(l)).join(''));
      written += n;
    };
    await writeSome(500);
    for (let round = 0; round < 3; round++) {
      await start();
      await eventually(() => expect(es.count(INDEX)).toBeGreaterThan(0));
      await writeSome(400);
      await collector!.kill();
    }
    await writeSome(100);
    await start();
    await eventually(() => expect(es.count(INDEX)).toBe(2 * written), { timeoutMs: 30_000 });
    expect(messages()).toEqual([...numbered('d', 0, written), ...numbered('k', 0, written)]);
  });

  it('holds and retries through a store outage, then delivers exactly once', async () => {
    await mkdir(criDir(), { recursive: true });
    await start();
    await writeFile(join(criDir(), '0.log'), numbered('o', 0, 100).map((l) => criLine(l)).join(''));
    await eventually(() => expect(es.count(INDEX)).toBe(100));
    es.fail({ kind: 'status', status: 503 });
    await appendFile(join(criDir(), '0.log'), numbered('o', 100, 400).map((l) => criLine(l)).join(''));
    await eventually(() => expect(es.requests.filter((r) => r.status === 503).length).toBeGreaterThan(2));
    es.fail({ kind: 'reset' });
    await eventually(() => expect(es.requests.filter((r) => r.status === 0).length).toBeGreaterThan(1));
    expect(es.count(INDEX)).toBe(100);
    es.recover();
    await eventually(() => expect(es.count(INDEX)).toBe(400), { timeoutMs: 20_000 });
    expect(messages()).toEqual(numbered('o', 0, 400));
  });

  it('finishes the files of a deleted container, then forgets their checkpoints', async () => {
    await mkdir(criDir(), { recursive: true });
    await writeFile(join(criDir(), '0.log'), numbered('gone', 0, 50).map((l) => criLine(l)).join(''));
    await start();
    await eventually(() => expect(es.count(INDEX)).toBe(50));
    await eventually(async () => {
      const state = JSON.parse(await readFile(stateFile(stateDir), 'utf8')) as { sources: Record<string, { path: string }> };
      expect(Object.values(state.sources).some((s) => s.path.includes('shop_web-0'))).toBe(true);
    });
    await appendFile(join(criDir(), '0.log'), numbered('gone', 50, 60).map((l) => criLine(l)).join(''));
    await rm(join(podsRoot, 'shop_web-0_6d1d9c2e-0000-4000-8000-000000000001'), { recursive: true });
    await eventually(() => expect(es.count(INDEX)).toBe(60));
    await eventually(async () => {
      const state = JSON.parse(await readFile(stateFile(stateDir), 'utf8')) as { sources: Record<string, { path: string }> };
      expect(Object.values(state.sources).some((s) => s.path.includes('shop_web-0'))).toBe(false);
    }, { timeoutMs: 30_000 });
    expect(existsSync(criDir())).toBe(false);
    expect(readFileSync(stateFile(stateDir), 'utf8')).not.toContain('shop_web-0');
  });
});
