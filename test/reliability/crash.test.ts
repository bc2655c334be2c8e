/**
 * Issue 8's crash test: a million nginx lines while the sidecar is SIGKILLed 20 times and the aggregator
 * 5 times at random moments. Afterwards the store must hold exactly one document per line: no loss (the
 * checkpoint only moves after the store acknowledged) and no duplicate (deterministic `_id` + `create`).
 * LOGSHIP_CRASH_LINES scales it down for a quick local run; CI runs the full million.
 */
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { startAggregator, type AggregatorProcess } from '../helpers/aggregator-process.ts';
import { freePort, startLogship, type LogshipProcess } from '../helpers/logship-process.ts';
import { seededRandom } from '../../shipper/demo/nginx-lines.ts';

const TOTAL = Number(process.env.LOGSHIP_CRASH_LINES ?? 1_000_000);
const SIDECAR_KILLS = 20;
const AGGREGATOR_KILLS = 5;
const seed = Number(process.env.LOGSHIP_CRASH_SEED ?? Date.now() % 100_000);
const line = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255} - - [23/Nov/2026:06:16:36 +0000] "GET /item/${n} HTTP/1.1" 200 ${n % 5000} "-" "crash-test"`;

describe(`crash safety (seed ${seed})`, () => {
  let dir = '';
  let aggregator: AggregatorProcess | undefined;
  let sidecar: LogshipProcess | undefined;
  afterAll(async () => {
    await sidecar?.kill();
    await aggregator?.cleanup();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it(`stores exactly ${TOTAL.toLocaleString('en-US')} documents after ${SIDECAR_KILLS} sidecar and ${AGGREGATOR_KILLS} aggregator SIGKILLs`, async () => {
    const random = seededRandom(seed);
    dir = await mkdtemp(join(tmpdir(), 'logship-crash-'));
    aggregator = await startAggregator({ dataDir: join(dir, 'store') });
    const startSidecar = async () => {
      sidecar = startLogship('sidecar', ['--path', join(dir, 'access.log'), '--to', aggregator!.url, '--state-dir', join(dir, 'state'),
        '--metrics-listen', `127.0.0.1:${await freePort()}`, '--labels-file', '/nonexistent', '--annotations-file', '/nonexistent',
        '--batch-max-docs', '2000', '--retry-max-backoff', '500ms', '--log-level', 'error']);
    };
    const count = async (): Promise<number> => {
      try {
        const response = await fetch(`${aggregator!.url}/logs-nginx.access-default/_count`, { signal: AbortSignal.timeout(5_000) });
        return response.ok ? ((await response.json()) as { count: number }).count : -1;
      } catch {
        return -1;
      }
    };

    // The writer appends in chunks, like a busy nginx, while the chaos runs.
    let written = 0;
    const writer = (async () => {
      while (written < TOTAL) {
        const n = Math.min(10_000, TOTAL - written);
        let text = '';
        for (let i = 0; i < n; i++) text += `${line(written + i)}\n`;
        await appendFile(join(dir, 'access.log'), text);
        written += n;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();

    // 25 crashes, in random order, each after a random share of the input has been stored.
    const kills = [...Array(SIDECAR_KILLS).fill('sidecar'), ...Array(AGGREGATOR_KILLS).fill('aggregator')] as Array<'sidecar' | 'aggregator'>;
    for (let i = kills.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [kills[i], kills[j]] = [kills[j]!, kills[i]!];
    }
    await startSidecar();
    for (const [k, victim] of kills.entries()) {
      const target = Math.floor(((k + random()) / (kills.length + 1)) * TOTAL);
      await eventually(async () => expect(await count()).toBeGreaterThanOrEqual(target), { timeoutMs: 240_000, intervalMs: 50 });
      if (victim === 'sidecar') {
        await sidecar!.kill();
        await startSidecar();
      } else {
        await aggregator.kill();
        await aggregator.restart();
      }
    }
    await writer;
    await eventually(async () => expect(await count()).toBe(TOTAL), { timeoutMs: 300_000, intervalMs: 250 });

    const response = await fetch(`${aggregator.url}/logs-nginx.access-default/_search`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ size: 0, track_total_hits: true, aggs: { lines: { cardinality: { field: 'url.original', precision_threshold: 40_000 } } } }),
    });
    const body = (await response.json()) as { hits: { total: { value: number } }; aggregations: { lines: { value: number } } };
    expect(body.hits.total.value).toBe(TOTAL);
    expect(body.aggregations.lines.value).toBe(TOTAL);
  }, 900_000);
});
