/**
 * The shipper bundle (shipper/bin/bundle.ts) is what the image runs for the sidecar and collector: build
 * it, run the sidecar from it through LOGSHIP_BUNDLE, and require the same exact delivery as from source.
 */
import { appendFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually.ts';
import { startRecordingBulkEndpoint, type RecordingBulkEndpoint } from '../../helpers/recording-bulk-endpoint.ts';
import { freePort, startLogship } from '../../helpers/logship-process.ts';
import { CORPUS_ROOT } from '../../helpers/corpus.ts';
import { buildShipperBundle } from '../../../shipper/bin/bundle.ts';

const access = (await readFile(join(CORPUS_ROOT, 'nginx/access.log'), 'utf8')).split('\n').filter((l) => l !== '').slice(0, 2000);

describe('the shipper bundle', () => {
  let dir: string;
  let bundle: string;
  let es: RecordingBulkEndpoint;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'logship-bundle-'));
    bundle = await buildShipperBundle(join(dir, 'shippers.mjs'), { quiet: true });
    es = await startRecordingBulkEndpoint();
  }, 60_000);
  afterAll(async () => {
    await es?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sidecarArgs = async (name: string) => [
    '--path', join(dir, name, '*.log'), '--to', es.url, '--state-dir', join(dir, name, 'state'),
    '--metrics-listen', `127.0.0.1:${await freePort()}`, '--labels-file', join(dir, 'none'), '--annotations-file', join(dir, 'none'),
    '--batch-max-wait', '20ms', '--log-level', 'warn',
  ];

  it('runs the sidecar, which ships every line exactly once, parsed', async () => {
    await mkdir(join(dir, 'ok'));
    await appendFile(join(dir, 'ok', 'access.log'), access.map((l) => `${l}\n`).join(''));
    const sidecar = startLogship('sidecar', await sidecarArgs('ok'), { LOGSHIP_BUNDLE: bundle, POD_NAMESPACE: 'bundled' });
    try {
      await eventually(() => expect(es.count('logs-nginx.access-default')).toBe(access.length), { timeoutMs: 30_000 });
      expect(es.conflicts).toBe(0);
      const docs = es.list('logs-nginx.access-default').map((d) => d.source as { http?: unknown; kubernetes?: { namespace?: string } });
      expect(docs.every((d) => d.kubernetes?.namespace === 'bundled')).toBe(true);
      expect(docs.filter((d) => d.http !== undefined).length).toBeGreaterThan(access.length * 0.9);
      expect(await sidecar.stop()).toBe(0);
    } finally {
      await sidecar.kill();
    }
  }, 60_000);

  it('is really what runs: a bundle path that does not exist fails the sidecar instead of falling back', async () => {
    const sidecar = startLogship('sidecar', await sidecarArgs('missing'), { LOGSHIP_BUNDLE: join(dir, 'no-such-bundle.mjs') });
    expect(await sidecar.exited()).not.toBe(0);
    expect(sidecar.output()).toMatch(/no-such-bundle\.mjs/);
  }, 30_000);
});
