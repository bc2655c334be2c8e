/**
 * The embedded Elasticsearch-compatible store: `openEmbeddedStore` wires the writer (main thread, one
 * SQLite connection, one transaction per bulk), the search worker pool (read connections), point-in-time
 * and scroll contexts, retention, and metrics, behind the `Store` contract of types.ts.
 */
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { Logger } from '../../shipper/kit/logger.ts';
import { fieldsTable } from './catalog.ts';
import * as admin from './admin.ts';
import { resolvePattern } from './names.ts';
import { openWriter } from './open.ts';
import { applyRetention, diskBytes } from './retention.ts';
import type { SearchInput, Snapshot } from './search.ts';
import { createStoreMetrics } from './store-metrics.ts';
import { WorkerPool } from './worker-pool.ts';
import { Writer, type BulkOutcomeCounts } from './writer.ts';
import { EsError, type BulkItemResponse, type BulkOp, type IndexPattern, type JsonObject, type Refresh, type SearchParams, type Store } from './types.ts';

export interface EmbeddedStoreOptions {
  readonly dataDir: string;
  readonly logger: Logger;
  readonly registry?: Registry;
  /** Drop day partitions older than this. */
  readonly retentionMs?: number;
  /** Drop the oldest partitions while the database is larger than this. */
  readonly maxDiskBytes?: number;
  /** Search worker threads (default 2). */
  readonly searchWorkers?: number;
  /** How often retention runs (default 5 minutes); it also runs at open. */
  readonly retentionIntervalMs?: number;
  /** Clock, for tests. */
  readonly now?: () => number;
  /**
   * Type documents shaped like earlier ones straight into their rows (document-shapes.ts); default true.
   * False sends every document through the general analysis: a test compares the two.
   */
  readonly documentShapes?: boolean;
}

export interface EmbeddedStore extends Store {
  /** Runs retention now; returns the number of partitions dropped. */
  applyRetention(): number;
  /** Path of the SQLite database file. */
  readonly databasePath: string;
}

interface Context {
  readonly snapshot: Snapshot;
  expiresAt: number;
}

interface ScrollContext extends Context {
  readonly body: JsonObject;
  readonly query: Readonly<Record<string, string>>;
  last: unknown[] | undefined;
  done: boolean;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function keepAliveMs(text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (m === null) throw new EsError(400, 'illegal_argument_exception', `failed to parse setting [keep_alive] with value [${text}] as a time value: unit is missing or unrecognized`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** ES's `search.max_open_scroll_context`: contexts are memory, so they are bounded. */
const MAX_OPEN_CONTEXTS = 500;

function tooManyContexts(kind: string): EsError {
  return new EsError(429, 'exception', `Trying to create too many ${kind} contexts. Must be less than or equal to: [${MAX_OPEN_CONTEXTS}]. This limit can be set by changing the [search.max_open_scroll_context] setting.`);
}

function contextMissing(id: string): EsError {
  return new EsError(404, 'search_context_missing_exception', `No search context found for id [${id}]`);
}

export async function openEmbeddedStore(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  const now = options.now ?? Date.now;
  mkdirSync(options.dataDir, { recursive: true });
  const path = join(options.dataDir, 'logship.sqlite');
  const db = openWriter(path);
  const writer = new Writer(db, now, options.documentShapes ?? true);
  const logger = options.logger.child({ component: 'store' });
  const pool = new WorkerPool(path, Math.max(1, options.searchWorkers ?? 2), logger);
  const metrics = createStoreMetrics(options.registry, () => diskBytes(writer, path));
  const pits = new Map<string, Context>();
  const scrolls = new Map<string, ScrollContext>();
  let closed = false;

  const retention = (): number => {
    const dropped = applyRetention(writer, path, { ...(options.retentionMs !== undefined ? { retentionMs: options.retentionMs } : {}), ...(options.maxDiskBytes !== undefined ? { maxDiskBytes: options.maxDiskBytes } : {}) }, now());
    if (dropped > 0) {
      metrics.partitionsDropped.inc(dropped);
      logger.info({ dropped }, 'retention dropped partitions');
    }
    return dropped;
  };
  retention();
  const timer = options.retentionMs !== undefined || options.maxDiskBytes !== undefined
    ? setInterval(() => {
      try {
        retention();
      } catch (error) {
        logger.error({ err: error }, 'retention failed');
      }
    }, options.retentionIntervalMs ?? 300_000)
    : undefined;
  timer?.unref();

  const expire = (): void => {
    const t = now();
    for (const [id, c] of pits) if (c.expiresAt < t) pits.delete(id);
    for (const [id, c] of scrolls) if (c.expiresAt < t) scrolls.delete(id);
  };

  const takeSnapshot = (pattern: string, query: Readonly<Record<string, string>>): Snapshot => {
    const indices = resolvePattern(writer.catalog, pattern, {
      ignoreUnavailable: query.ignore_unavailable === 'true', allowNoIndices: query.allow_no_indices !== 'false',
      expandHidden: query.expand_wildcards === 'all' || query.expand_wildcards === 'hidden',
    }).indices;
    const parts: Record<number, number> = {};
    for (const index of indices) {
      for (const part of writer.catalog.partitions.get(index.id) ?? []) {
        const row = db.prepare(`SELECT max(r) AS m FROM ${fieldsTable(part.id)}`).get() as { m: number | null };
        parts[part.id] = row.m ?? 0;
      }
    }
    return { parts, indices: indices.map((i) => i.name) };
  };

  const timed = async <T>(kind: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      metrics.searchSeconds.observe({ kind }, (performance.now() - started) / 1000);
    }
  };

  const ensureOpen = (): void => {
    if (closed) throw new EsError(503, 'node_closed_exception', 'the store is closed');
  };

  const store: EmbeddedStore = {
    readsSourceText: true,
    databasePath: path,
    applyRetention: retention,

    async bulk(ops: readonly BulkOp[], _refresh?: Refresh): Promise<BulkItemResponse[]> {
      ensureOpen();
      // Committed is visible: every refresh mode is honoured once the transaction commits.
      const counts: BulkOutcomeCounts = { created: 0, updated: 0, deleted: 0, conflict: 0, rejected: 0, notFound: 0 };
      const items = writer.bulk(ops, counts);
      metrics.docsIndexed.inc(counts.created + counts.updated);
      for (const [outcome, n] of Object.entries(counts)) if (n > 0) metrics.bulkItems.inc({ outcome: outcome === 'notFound' ? 'not_found' : outcome }, n);
      return items;
    },

    async getDocument(index: string, id: string): Promise<JsonObject> {
      ensureOpen();
      return writer.getDocument(index, id);
    },

    async search(pattern: IndexPattern, body: JsonObject, params?: SearchParams): Promise<JsonObject> {
      ensureOpen();
      expire();
      const query = params?.query ?? {};
      const input: { -readonly [K in keyof SearchInput]: SearchInput[K] } = { pattern, body, query, now: now() };
      let pitId: string | undefined;
      const pit = body.pit as JsonObject | undefined;
      if (pit !== undefined) {
        if (typeof pit.id !== 'string') throw new EsError(400, 'parsing_exception', '[pit] requires [id]');
        const ctx = pits.get(pit.id);
        if (ctx === undefined) throw contextMissing(pit.id);
        ctx.expiresAt = now() + keepAliveMs(typeof pit.keep_alive === 'string' ? pit.keep_alive : undefined, 60_000);
        input.snapshot = ctx.snapshot;
        input.body = Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'pit'));
        pitId = pit.id;
      }
      const scroll = query.scroll;
      if (scroll !== undefined && scrolls.size >= MAX_OPEN_CONTEXTS) throw tooManyContexts('scroll');
      if (scroll !== undefined && input.snapshot === undefined) input.snapshot = takeSnapshot(pattern, query);
      const { result, last } = await timed('search', () => pool.run('search', input));
      const response = result as JsonObject;
      if (pitId !== undefined) response.pit_id = pitId;
      if (scroll !== undefined) {
        const id = randomBytes(24).toString('base64url');
        const hits = (response.hits as { hits: unknown[] }).hits;
        scrolls.set(id, {
          snapshot: input.snapshot!, expiresAt: now() + keepAliveMs(scroll, 60_000),
          body: Object.fromEntries(Object.entries(input.body).filter(([k]) => k !== 'aggs' && k !== 'aggregations' && k !== 'from' && k !== 'search_after')),
          query: Object.fromEntries(Object.entries(query).filter(([k]) => k !== 'scroll' && k !== 'from')), last, done: hits.length === 0,
        });
        return { _scroll_id: id, ...response };
      }
      return response;
    },

    async count(pattern: IndexPattern, body: JsonObject, params?: SearchParams): Promise<JsonObject> {
      ensureOpen();
      const { result } = await timed('count', () => pool.run('count', { pattern, body, query: params?.query ?? {}, now: now() }));
      return result as JsonObject;
    },

    async scroll(scrollId: string, keepAlive: string | undefined): Promise<JsonObject> {
      ensureOpen();
      expire();
      const ctx = scrolls.get(scrollId);
      if (ctx === undefined) throw contextMissing(scrollId);
      ctx.expiresAt = now() + keepAliveMs(keepAlive, 60_000);
      if (ctx.done || ctx.last === undefined) {
        return { _scroll_id: scrollId, took: 0, timed_out: false, _shards: { total: ctx.snapshot.indices.length, successful: ctx.snapshot.indices.length, skipped: 0, failed: 0 }, hits: { total: { value: 0, relation: 'eq' }, max_score: null, hits: [] } };
      }
      const { result, last } = await timed('scroll', () => pool.run('search', {
        pattern: '', body: ctx.body, query: ctx.query, now: now(), snapshot: ctx.snapshot, after: ctx.last, skipAggs: true,
      }));
      const response = result as JsonObject;
      const hits = (response.hits as { hits: unknown[] }).hits;
      if (hits.length === 0 || last === undefined) ctx.done = true;
      else ctx.last = last;
      return { _scroll_id: scrollId, ...response };
    },

    async clearScroll(scrollIds: readonly string[]): Promise<JsonObject> {
      let freed = 0;
      if (scrollIds.includes('_all')) {
        freed = scrolls.size;
        scrolls.clear();
      } else {
        for (const id of scrollIds) if (scrolls.delete(id)) freed++;
      }
      return { succeeded: true, num_freed: freed };
    },

    async openPointInTime(pattern: IndexPattern, keepAlive: string): Promise<JsonObject> {
      ensureOpen();
      expire();
      const ms = keepAliveMs(keepAlive, 60_000);
      if (pits.size >= MAX_OPEN_CONTEXTS) throw tooManyContexts('point-in-time');
      const id = randomBytes(24).toString('base64url');
      pits.set(id, { snapshot: takeSnapshot(pattern, {}), expiresAt: now() + ms });
      return { id };
    },

    async closePointInTime(id: string): Promise<JsonObject> {
      return { succeeded: true, num_freed: pits.delete(id) ? 1 : 0 };
    },

    async createIndex(name, body) { ensureOpen(); return admin.createIndex(writer, name, body); },
    async deleteIndex(pattern) { ensureOpen(); return admin.deleteIndex(writer, pattern); },
    async resolveIndices(pattern) { ensureOpen(); return admin.resolveIndices(writer, pattern); },
    async getIndex(pattern) { ensureOpen(); return admin.getIndex(writer, pattern); },
    async getMapping(pattern) { ensureOpen(); return admin.getMapping(writer, pattern); },
    async putMapping(pattern, body) { ensureOpen(); return admin.putMapping(writer, pattern, body); },
    async fieldCaps(pattern, fields, _body) { ensureOpen(); return admin.fieldCaps(writer, pattern, fields); },

    async refresh(pattern: IndexPattern): Promise<JsonObject> {
      ensureOpen();
      const n = resolvePattern(writer.catalog, pattern, { ignoreUnavailable: true }).indices.length;
      return { _shards: { total: n, successful: n, failed: 0 } };
    },

    async catIndices(pattern: IndexPattern) {
      ensureOpen();
      // Sizes are the database's bytes shared out by document count: exact per-index sizes would need
      // a scan of every page (dbstat), too slow to answer a `_cat` call on a large store.
      const total = diskBytes(writer, path);
      const rows = db.prepare('SELECT index_id, sum(docs) AS n FROM partitions GROUP BY index_id').all() as unknown as Array<{ index_id: number; n: number }>;
      const allDocs = rows.reduce((s, r) => s + r.n, 0);
      const sizes = new Map(rows.map((r) => [r.index_id, allDocs === 0 ? 0 : Math.round((total * r.n) / allDocs)]));
      return admin.catIndices(writer, pattern, sizes);
    },

    async putIndexTemplate(name, body) { ensureOpen(); return admin.putTemplate(writer, 'composable', name, body); },
    async getIndexTemplates(namePattern) { ensureOpen(); return admin.getTemplates(writer, 'composable', namePattern); },
    async deleteIndexTemplate(name) { ensureOpen(); return admin.deleteTemplate(writer, 'composable', name); },
    async putLegacyTemplate(name, body) { ensureOpen(); return admin.putTemplate(writer, 'legacy', name, body); },
    async getLegacyTemplates(namePattern) { ensureOpen(); return admin.getTemplates(writer, 'legacy', namePattern); },
    async deleteLegacyTemplate(name) { ensureOpen(); return admin.deleteTemplate(writer, 'legacy', name); },

    async getDataStreams(pattern) { ensureOpen(); return admin.getDataStreams(writer, pattern); },
    async createDataStream(name) { ensureOpen(); return admin.createDataStream(writer, name); },
    async deleteDataStream(pattern) { ensureOpen(); return admin.deleteDataStream(writer, pattern); },

    async stats() {
      ensureOpen();
      const row = db.prepare('SELECT coalesce(sum(docs), 0) AS n FROM partitions').get() as { n: number };
      return { indices: writer.catalog.indices.size, documents: row.n, diskBytes: diskBytes(writer, path) };
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearInterval(timer);
      await pool.close();
      try {
        db.exec('PRAGMA wal_checkpoint(PASSIVE)');
      } finally {
        db.close();
      }
    },
  };
  return store;
}
