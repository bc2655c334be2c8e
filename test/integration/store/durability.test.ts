import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { openEmbeddedStore } from '../../../aggregator/store/index.ts';
import type { BulkOp, JsonObject } from '../../../aggregator/store/types.ts';

const NODE = fileURLToPath(new URL('../../../node_modules/.bin/node', import.meta.url));
const WRITER = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));
const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('embedded store durability and concurrency', () => {
  it('keeps every acknowledged bulk when the process is SIGKILLed right after the acknowledgement', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logship-crash-'));
    dirs.push(dir);
    const child = spawn(NODE, [WRITER, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let lastAcked = -1;
    let acks = 0;
    await new Promise<void>((resolve, reject) => {
      let buffer = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          const m = /^acked (\d+)$/.exec(line);
          if (m === null) continue;
          lastAcked = Number(m[1]);
          acks++;
          if (acks === 8) {
            child.kill('SIGKILL');
            resolve();
          }
        }
      });
      child.on('exit', (code, signal) => { if (signal !== 'SIGKILL') reject(new Error(`writer exited early: ${code}`)); });
    });
    await new Promise((resolve) => child.on('close', resolve));
    expect(lastAcked).toBeGreaterThanOrEqual(1599);

    const store = await openEmbeddedStore({ dataDir: dir, logger: pino({ level: 'silent' }), searchWorkers: 1 });
    try {
      const count = await store.count('logs-crash-default', { query: { range: { n: { lte: lastAcked } } } });
      expect(count.count).toBe(lastAcked + 1);
      for (const n of [0, Math.floor(lastAcked / 2), lastAcked]) {
        expect((await store.getDocument('logs-crash-default', `doc-${n}`)).found).toBe(true);
      }
      const retry = await store.bulk([{ op: 'create', index: 'logs-crash-default', id: `doc-${lastAcked}`, doc: { '@timestamp': '2026-11-20T00:00:00Z' } }]);
      expect(Object.values(retry[0]!)[0]!.status).toBe(409);
    } finally {
      await store.close();
    }
  });

  it('answers a bulk while a long search is still running in a worker', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logship-concurrency-'));
    dirs.push(dir);
    const store = await openEmbeddedStore({ dataDir: dir, logger: pino({ level: 'silent' }), searchWorkers: 1 });
    try {
      const ops: BulkOp[] = [];
      for (let i = 0; i < 20_000; i++) {
        ops.push({ op: 'index', index: 'busy', id: String(i), doc: { '@timestamp': new Date(Date.UTC(2026, 10, 23) + i * 1000).toISOString(), message: `alpha beta gamma ${i} delta epsilon`, n: i } });
      }
      await store.bulk(ops);
      const order: string[] = [];
      // Token-by-token wildcard over every _source, plus 60 000 one-second buckets: slow on purpose.
      const slow = store.search('busy', {
        size: 0, query: { wildcard: { message: '*l*a*' } },
        aggs: { h: { date_histogram: { field: '@timestamp', fixed_interval: '1s', extended_bounds: { min: '2026-11-23T00:00:00Z', max: '2026-11-23T16:39:00Z' } } } },
      }).then((r: JsonObject) => { order.push('search'); return r; });
      const started = performance.now();
      const items = await store.bulk([{ op: 'index', index: 'busy', id: 'during', doc: { '@timestamp': '2026-11-23T00:00:00Z', message: 'written during the search', n: -1 } }]);
      const bulkMs = performance.now() - started;
      order.push('bulk');
      expect(Object.values(items[0]!)[0]!.status).toBe(201);
      const result = await slow;
      expect(order).toEqual(['bulk', 'search']);
      expect(((result.hits as JsonObject).total as JsonObject).value).toBe(10_000);
      expect(bulkMs).toBeLessThan(1000);
    } finally {
      await store.close();
    }
  });
});
