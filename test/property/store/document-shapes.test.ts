/**
 * Documents typed through a remembered shape (aggregator/store/document-shapes.ts) must land exactly as
 * the general analysis puts them: the same bulk answers, the same rows in every partition table (fields,
 * rows, blocks, value rollups, ids) and the same full-text matches. Two stores take the same random bulks,
 * one with shapes, one without, and their databases are compared table by table.
 *
 * Documents come from a few layouts (so shapes repeat) with values that often change JSON type, go null,
 * become arrays, fail the mapping (a word for a long, a bad date, a bad ip) or are missing @timestamp.
 */
import { DatabaseSync } from 'node:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { openEmbeddedStore, type EmbeddedStore } from '../../../aggregator/store/index.ts';
import type { BulkItemResponse, BulkOp, JsonObject } from '../../../aggregator/store/types.ts';

const DAY = Date.UTC(2026, 10, 20);

const scalar = fc.oneof(
  fc.constantFrom('GET', 'error', 'info', '10.1.2.3', '::1', 'not an ip', '2026-11-20T10:00:00Z', 'yesterday', '42', 'x y z', ''),
  fc.integer({ min: -5, max: 600 }),
  fc.double({ min: -10, max: 10, noNaN: true }),
  fc.boolean(),
  fc.constant(null),
);
const anyValue = fc.oneof({ weight: 6, arbitrary: scalar }, { weight: 1, arbitrary: fc.array(scalar, { maxLength: 2 }) }, { weight: 1, arbitrary: fc.constant({ deep: 'x' }) });
const timestamp = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 2 * 86_400_000 }).map((ms) => new Date(DAY + ms).toISOString()) },
  { weight: 1, arbitrary: fc.constantFrom('not a date', 17, null) },
);

/** Drops the keys (at any depth) whose turn in `rolls` comes up 0, so that some documents are prefixes of others. */
function thin(obj: JsonObject, rolls: number[], at = { i: 0 }): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(obj)) {
    if (rolls[at.i++ % rolls.length] === 0) continue;
    out[key] = typeof value === 'object' && value !== null && !Array.isArray(value) ? thin(value as JsonObject, rolls, at) : value;
  }
  return out;
}

/** One of four layouts, keys in a fixed order, each value usually of its layout's type; now and then keys go missing. */
const doc: fc.Arbitrary<JsonObject> = fc.record({
  layout: fc.integer({ min: 0, max: 3 }),
  ts: timestamp,
  text: fc.constantFrom('GET /a 200', 'POST /b 500 error', 'connection refused', 'hello world'),
  level: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('info', 'warn', 'error') }, { weight: 1, arbitrary: anyValue }),
  status: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(200, 404, 500) }, { weight: 1, arbitrary: anyValue }),
  ip: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('10.0.0.1', '2001:db8::1') }, { weight: 1, arbitrary: anyValue }),
  extra: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(true, false) }, { weight: 1, arbitrary: anyValue }),
  rolls: fc.array(fc.integer({ min: 0, max: 39 }), { minLength: 12, maxLength: 12 }),
}).map(({ layout, ts, text, level, status, ip, extra, rolls }) => {
  const head: JsonObject = { '@timestamp': ts };
  if (layout === 0) return thin({ ...head, message: text, log: { level }, http: { response: { status_code: status } }, source: { ip } }, rolls);
  if (layout === 1) return thin({ ...head, message: text, 'log.level': level, event: { dataset: 'a.b', duration: status }, extra }, rolls);
  if (layout === 2) return thin({ ...head, message: text, source: { ip, address: ip }, user_agent: { original: text }, n: status, flag: extra }, rolls);
  // Layout 0's structure and JSON types under other names: only the keys tell them apart.
  return thin({ ...head, message: text, log: { logger: level }, http: { request: { bytes: status } }, source: { address: ip } }, rolls);
});

const bulks = fc.array(fc.array(doc, { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 6 });

async function openStore(documentShapes: boolean): Promise<{ store: EmbeddedStore; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'logship-shapes-'));
  const store = await openEmbeddedStore({ dataDir: dir, logger: pino({ level: 'silent' }), searchWorkers: 1, documentShapes, now: () => DAY + 86_400_000 });
  return { store, dir };
}

/** Every table of the database except the catalog's bookkeeping, rows in a stable order. */
function dumpTables(dir: string): Record<string, unknown[]> {
  const db = new DatabaseSync(join(dir, 'logship.sqlite'), { readOnly: true });
  try {
    const names = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND (name GLOB 'p[0-9]*' OR name GLOB 'ids_*') AND name NOT GLOB '*_x*' ORDER BY name`).all() as Array<{ name: string }>).map((row) => row.name);
    const out: Record<string, unknown[]> = {};
    for (const name of names) out[name] = db.prepare(`SELECT * FROM ${name}`).all().map((row) => JSON.stringify({ ...row }, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value))).sort();
    out.indices = db.prepare('SELECT name, mappings, cols, multi FROM indices ORDER BY name').all().map((row) => ({ ...row }));
    // Full-text tables are contentless: compare every indexed token instance (a text indexed twice shows).
    const fts = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'p[0-9]*_x[0-9]*' AND name NOT GLOB '*_x*_*' ORDER BY name`).all() as Array<{ name: string }>).map((row) => row.name);
    for (const name of fts) {
      db.exec(`CREATE VIRTUAL TABLE temp.vocab_${name} USING fts5vocab(main, ${name}, instance)`);
      out[`${name} tokens`] = db.prepare(`SELECT term, doc, offset FROM temp.vocab_${name}`).all().map((row) => JSON.stringify({ ...row })).sort();
    }
    return out;
  } finally {
    db.close();
  }
}

/** Full-text matches per word, per index. */
async function matches(store: EmbeddedStore, index: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const word of ['get', 'error', 'refused', 'world', 'a']) {
    for (const field of ['message', 'user_agent.original']) {
      const response = await store.search(index, { size: 100, sort: [{ _id: 'asc' }], query: { match: { [field]: word } } });
      out.push(((response.hits as JsonObject).hits as JsonObject[]).map((hit) => hit._id));
    }
  }
  return out;
}

/** Items as JSON, without the index's random uuid (each store made its own). */
const strip = (items: BulkItemResponse[]): unknown[] => items.map((item) => JSON.parse(JSON.stringify(item, (key, value: unknown) => (key === 'index_uuid' ? 'uuid' : value))) as unknown);

describe('document shapes', () => {
  it('put every document exactly where the general analysis puts it', async () => {
    await fc.assert(
      fc.asyncProperty(bulks, fc.boolean(), async (batches, plain) => {
        const fast = await openStore(true);
        const slow = await openStore(false);
        try {
          const index = plain ? 'plain' : 'logs-shapes-default';
          let n = 0;
          for (const batch of batches) {
            // Ids repeat: creates answer 409, and index operations on the plain index overwrite.
            const ops: BulkOp[] = batch.map((d) => ({ op: plain && n % 3 === 0 ? 'index' : 'create', index, id: `d${n++ % 40}`, doc: d }));
            const fastItems = await fast.store.bulk(ops, 'true');
            const slowItems = await slow.store.bulk(ops, 'true');
            expect(strip(fastItems)).toEqual(strip(slowItems));
          }
          expect(await matches(fast.store, index)).toEqual(await matches(slow.store, index));
          await fast.store.close();
          await slow.store.close();
          expect(dumpTables(fast.dir)).toEqual(dumpTables(slow.dir));
        } finally {
          await fast.store.close().catch(() => undefined);
          await slow.store.close().catch(() => undefined);
          rmSync(fast.dir, { recursive: true, force: true });
          rmSync(slow.dir, { recursive: true, force: true });
        }
      }),
      // No shrinking: each run opens two stores, and a shrink would outlast the timeout; the first counterexample is printed.
      { numRuns: 40, endOnFailure: true },
    );
  }, 120_000);
});
