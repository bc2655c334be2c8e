import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { createCheckpointStore, parseCheckpointFile, CHECKPOINT_FILE } from '../../../shipper/checkpoint.ts';
import { createLogger } from '../../../shipper/kit/logger.ts';
import { Registry } from '../../../shipper/kit/metrics.ts';
import { eventually } from '../../helpers/eventually.ts';

const logger = createLogger('silent', 'test');
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logship-checkpoint-'));
});
afterEach(async () => {
  await chmod(dir, 0o755).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

describe('checkpoint interval merging', () => {
  it('moves the committed offset only across a contiguous run of settled ranges', async () => {
    const store = createCheckpointStore({ dir, logger });
    await store.load();
    store.reset('s', 0, '/a.log');
    store.settle('s', 10, 20);
    store.settle('s', 30, 40);
    expect(store.committed('s')).toBe(0);
    store.settle('s', 0, 10);
    expect(store.committed('s')).toBe(20);
    store.settle('s', 20, 30);
    expect(store.committed('s')).toBe(40);
    await store.close();
  });

  it('ignores ranges of unknown sources and ranges already below the committed offset', async () => {
    const store = createCheckpointStore({ dir, logger });
    await store.load();
    store.settle('unknown', 0, 10);
    expect(store.committed('unknown')).toBeUndefined();
    store.reset('s', 100, '/a.log');
    store.settle('s', 0, 50);
    expect(store.committed('s')).toBe(100);
    store.settle('s', 100, 120);
    store.settle('s', 100, 120);
    expect(store.committed('s')).toBe(120);
    await store.close();
  });

  it('reaches the end of any permutation of adjacent ranges, and never passes a gap', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.nat(),
        async (lengths, seed, holeSeed) => {
          const ranges: Array<[number, number]> = [];
          let at = 0;
          for (const length of lengths) {
            ranges.push([at, at + length]);
            at += length;
          }
          const hole = holeSeed % ranges.length;
          const order = fc.sample(fc.shuffledSubarray(ranges, { minLength: ranges.length, maxLength: ranges.length }), { seed, numRuns: 1 })[0]!;
          const store = createCheckpointStore({ dir, logger });
          store.reset('s', 0, '/a');
          for (const range of order) if (range !== ranges[hole]) store.settle('s', range[0], range[1]);
          expect(store.committed('s')).toBe(ranges[hole]![0]);
          store.settle('s', ranges[hole]![0], ranges[hole]![1]);
          expect(store.committed('s')).toBe(at);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('checkpoint file', () => {
  it('survives a restart: what was committed is loaded back, and versioned JSON is written', async () => {
    const store = createCheckpointStore({ dir, logger });
    await store.load();
    store.reset('1:2:abc', 0, '/var/log/nginx/access.log');
    store.settle('1:2:abc', 0, 123);
    await store.close();
    const written = JSON.parse(await readFile(join(dir, CHECKPOINT_FILE), 'utf8')) as { version: number; sources: Record<string, { offset: number; path: string }> };
    expect(written.version).toBe(1);
    expect(written.sources['1:2:abc']).toMatchObject({ offset: 123, path: '/var/log/nginx/access.log' });

    const again = createCheckpointStore({ dir, logger });
    await again.load();
    expect(again.committed('1:2:abc')).toBe(123);
    expect(again.sources()).toEqual(['1:2:abc']);
    await again.close();
  });

  it('writes through a temporary file and rename, leaving no temporary file behind', async () => {
    const store = createCheckpointStore({ dir, logger });
    await store.load();
    store.reset('s', 5, '/a');
    await store.flush();
    expect(await readdir(dir)).toEqual([CHECKPOINT_FILE]);
    await store.close();
  });

  it('writes only when something changed', async () => {
    const registry = new Registry();
    const store = createCheckpointStore({ dir, logger, registry });
    await store.load();
    store.reset('s', 5, '/a');
    await store.flush();
    await store.flush();
    store.settle('s', 0, 5); // nothing new
    await store.flush();
    const flushes = (await registry.getSingleMetric('logship_checkpoint_flushes_total')!.get()).values[0]!.value;
    expect(flushes).toBe(1);
    await store.close();
  });

  it('flushes by itself, periodically, while something changed', async () => {
    const store = createCheckpointStore({ dir, logger, flushIntervalMs: 20 });
    await store.load();
    store.reset('s', 42, '/a');
    await eventually(async () => expect(JSON.parse(await readFile(join(dir, CHECKPOINT_FILE), 'utf8')).sources.s.offset).toBe(42));
    store.settle('s', 42, 50);
    await eventually(async () => expect(JSON.parse(await readFile(join(dir, CHECKPOINT_FILE), 'utf8')).sources.s.offset).toBe(50));
    await store.close();
  });

  it('moves a corrupt file aside and starts empty', async () => {
    await writeFile(join(dir, CHECKPOINT_FILE), '{"version":1,"sources":{"s":{"offset":');
    const store = createCheckpointStore({ dir, logger });
    await store.load();
    expect(store.sources()).toEqual([]);
    const names = await readdir(dir);
    expect(names.some((name) => name.startsWith(`${CHECKPOINT_FILE}.corrupt-`))).toBe(true);
    expect(names).not.toContain(CHECKPOINT_FILE);
    await store.close();
  });

  it('rejects unknown versions and malformed entries as corrupt', () => {
    expect(parseCheckpointFile('{"version":2,"sources":{}}').ok).toBe(false);
    expect(parseCheckpointFile('{"version":1,"sources":{"s":{"offset":-1,"path":"/a"}}}').ok).toBe(false);
    expect(parseCheckpointFile('[]').ok).toBe(false);
    expect(parseCheckpointFile('{"version":1,"sources":{"s":{"offset":7,"path":"/a","updatedAt":"2026-01-01T00:00:00.000Z"}}}')).toEqual({
      ok: true, value: { version: 1, sources: { s: { offset: 7, path: '/a', updatedAt: '2026-01-01T00:00:00.000Z' } } },
    });
  });

  it('keeps running and counts the failure when the directory cannot be written, then succeeds once it can', async () => {
    const registry = new Registry();
    const stateDir = join(dir, 'state');
    const store = createCheckpointStore({ dir: stateDir, logger, registry });
    await store.load();
    store.reset('s', 1, '/a');
    // A regular file where the state directory should be fails even for root (ENOTDIR / EEXIST).
    await rm(stateDir, { recursive: true });
    await writeFile(stateDir, 'not a directory');
    await store.flush();
    const failures = (await registry.getSingleMetric('logship_checkpoint_flush_errors_total')!.get()).values;
    expect(failures.reduce((sum, value) => sum + value.value, 0)).toBeGreaterThan(0);
    await rm(stateDir);
    await store.flush();
    expect(JSON.parse(await readFile(join(stateDir, CHECKPOINT_FILE), 'utf8')).sources.s.offset).toBe(1);
    await store.close();
    await store.close();
  });
});
