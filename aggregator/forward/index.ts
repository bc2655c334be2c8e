/**
 * The forwarding store (`logship aggregator --forward-to <url>`): a real Elasticsearch/OpenSearch cluster
 * is the store, behind a durable queue.
 *
 *   bulk → durable queue (fsynced) → answer the shipper → forwarder loop → cluster `_bulk`
 *   search, count, get, scroll, PIT, mappings, field caps, templates, data streams, … → cluster, as is
 *
 * Writes: `create` and `index` ops are queued and acknowledged (201 `created`) once the queue has fsynced
 * them, so an acknowledged record survives an aggregator SIGKILL and any cluster outage. A `create` of an
 * `_id` that is still queued gets 409 like the cluster would give; an `index` or `create` without `_id`
 * gets a generated one (20 characters, like Elasticsearch's) so that a resend after a lost answer cannot
 * duplicate it. `update` and `delete` are not queued: they go to the cluster at once (the truthful answer
 * needs the stored document), or get a per-item 429 while a write to the same `_id` is still queued.
 * Over `maxQueueBytes`, a bulk is refused whole with 429 before anything is queued (shippers back off;
 * nothing is dropped).
 *
 * Visibility: a queued document is not searchable until the forwarder has delivered it — like
 * Elasticsearch's refresh interval, but bounded by the forward lag (`logship_forward_oldest_seconds`),
 * which grows without bound while the cluster is unreachable. `refresh=true|wait_for` on a bulk waits
 * until its writes are forwarded (passing the refresh on to the cluster), at most `refreshWaitMs`; after
 * that the items are answered anyway — they are durably queued.
 *
 * Reads are proxied through the official client's transport: bodies and query parameters pass through,
 * the cluster's JSON is returned, and its errors keep their status, type and reason.
 *
 * `close()` stops the loop and leaves the queue on disk; the next start resumes it.
 */
import { randomBytes } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { Logger } from '../../shipper/kit/logger.ts';
import { EsError, type BulkItemResponse, type BulkOp, type IndexPattern, type JsonObject, type Refresh, type SearchParams, type Store } from '../store/types.ts';
import { Cluster, pathPart, toEsError } from './cluster.ts';
import { Forwarder } from './forwarder.ts';
import { createForwardMetrics } from './metrics.ts';
import { DurableQueue, entryBytes, type NewEntry } from './queue.ts';

export interface ForwardingStoreOptions {
  /** The cluster's URL (`--forward-to`). */
  readonly url: string;
  /** Directory of the durable queue (`forward-queue.sqlite`). */
  readonly dataDir: string;
  readonly logger: Logger;
  readonly registry?: Registry;
  readonly username?: string;
  readonly password?: string;
  readonly apiKey?: string;
  readonly caFile?: string;
  /** Bulks are refused with 429 while the queue holds more than this (default 1 GiB). */
  readonly maxQueueBytes?: number;
  /** Most records and bytes per bulk request to the cluster (defaults 1000 and 5 MB). */
  readonly maxBatchRecords?: number;
  readonly maxBatchBytes?: number;
  /** Backoff between attempts while the cluster fails: first ceiling and cap (defaults 100 ms and 30 s). */
  readonly backoffBaseMs?: number;
  readonly backoffCapMs?: number;
  /** Longest a `refresh=true|wait_for` bulk waits for its writes to reach the cluster (default 30 s). */
  readonly refreshWaitMs?: number;
  /** Time allowed for one request to the cluster (default 60 s). */
  readonly requestTimeoutMs?: number;
  /** Clock, for tests. */
  readonly now?: () => number;
}

export interface ForwardingStore extends Store {
  /** Records and bytes still waiting for the cluster. */
  queued(): { records: number; bytes: number };
}

const CAT_NUMBERS = new Set(['pri', 'rep', 'docs.count', 'docs.deleted', 'store.size', 'pri.store.size', 'dataset.size']);

/** Elasticsearch's auto-generated ids are 20 URL-safe base64 characters. */
function generatedId(): string {
  return randomBytes(15).toString('base64url');
}

function queuedItem(op: string, index: string, id: string, seq: number): BulkItemResponse {
  return { [op]: { _index: index, _id: id, _version: 1, result: 'created', _shards: { total: 1, successful: 1, failed: 0 }, _seq_no: seq, _primary_term: 1, status: 201 } };
}

function itemError(op: string, index: string, id: string | undefined, status: number, type: string, reason: string): BulkItemResponse {
  return { [op]: { _index: index, ...(id === undefined ? {} : { _id: id }), status, error: { type, reason, index } } };
}

/** A queue that cannot be written (disk full, I/O error) is a 503 for the whole bulk: nothing was acknowledged, the shipper retries. */
function appendOrUnavailable(queue: DurableQueue, entries: readonly NewEntry[], decide: (entry: NewEntry) => boolean, now: number): Array<number | undefined> {
  try {
    return queue.append(entries, decide, now);
  } catch (error) {
    throw new EsError(503, 'exception', `the forward queue could not be written: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export async function openForwardingStore(options: ForwardingStoreOptions): Promise<ForwardingStore> {
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ component: 'forward' });
  const maxQueueBytes = options.maxQueueBytes ?? 1024 ** 3;
  const refreshWaitMs = options.refreshWaitMs ?? 30_000;
  const queue = new DurableQueue(options.dataDir);
  const cluster = new Cluster({
    url: options.url, username: options.username, password: options.password, apiKey: options.apiKey, caFile: options.caFile,
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
  });
  const metrics = createForwardMetrics(options.registry, queue, now);
  const forwarder = new Forwarder({
    queue, cluster, logger, metrics,
    ...(options.maxBatchRecords === undefined ? {} : { maxBatchRecords: options.maxBatchRecords }),
    ...(options.maxBatchBytes === undefined ? {} : { maxBatchBytes: options.maxBatchBytes }),
    ...(options.backoffBaseMs === undefined ? {} : { backoffBaseMs: options.backoffBaseMs }),
    ...(options.backoffCapMs === undefined ? {} : { backoffCapMs: options.backoffCapMs }),
  });
  if (queue.records > 0) logger.info({ records: queue.records, bytes: queue.bytes }, 'resuming the forward queue');
  forwarder.start();
  // Says once, at start, which cluster answers (or that none does yet); writes are queued either way.
  cluster.request('GET', '/').then(
    (info) => logger.info({ cluster: options.url, clusterName: info.cluster_name, version: (info.version as JsonObject | undefined)?.number, distribution: (info.version as JsonObject | undefined)?.distribution }, 'forwarding to cluster'),
    (error: unknown) => logger.warn({ cluster: options.url, err: error }, 'the cluster does not answer yet; writes are queued until it does'),
  );
  let closed = false;
  let lastStats = { indices: 0, documents: 0, diskBytes: 0 };

  const ensureOpen = (): void => {
    if (closed) throw new EsError(503, 'node_closed_exception', 'the store is closed');
  };
  const get = (path: string, querystring?: Record<string, string>): Promise<JsonObject> => cluster.request('GET', path, { querystring });
  const withBody = (method: 'POST' | 'PUT' | 'DELETE', path: string, body: JsonObject | undefined, querystring?: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<JsonObject> =>
    cluster.request(method, path, { body: body !== undefined && Object.keys(body).length > 0 ? body : undefined, querystring, signal });

  /**
   * Queues a bulk's `create`/`index` entries in one durable transaction; by position in the bulk: the
   * queue's `seq`, or `conflict` for a `create` of an `_id` already queued (earlier, or earlier in this
   * bulk: the transaction sees its own rows), as the cluster would answer it.
   */
  const queueWrites = (entries: ReadonlyArray<NewEntry | undefined>): Map<number, number | 'conflict'> => {
    const positions = entries.flatMap((entry, i) => (entry === undefined ? [] : [i]));
    const outcome = new Map<number, number | 'conflict'>();
    if (positions.length === 0) return outcome;
    let k = 0;
    const seqs = appendOrUnavailable(queue, positions.map((i) => entries[i]!), (entry) => {
      const position = positions[k++]!;
      if (entry.op === 'create' && queue.holds(entry.index, entry.id)) {
        outcome.set(position, 'conflict');
        return false;
      }
      return true;
    }, now());
    seqs.forEach((seq, j) => {
      if (seq !== undefined) outcome.set(positions[j]!, seq);
    });
    return outcome;
  };

  /** `update`/`delete` straight to the cluster: their answer depends on the stored document. */
  const direct = async (op: Extract<BulkOp, { op: 'update' | 'delete' }>, refresh: Refresh): Promise<BulkItemResponse> => {
    if (queue.holds(op.index, op.id)) {
      return itemError(op.op, op.index, op.id, 429, 'es_rejected_execution_exception', `a write to [${op.id}] is still queued for the cluster; retry once it is forwarded`);
    }
    const meta = { _index: op.index, _id: op.id };
    const operations: unknown[] = [{ [op.op]: meta }];
    if (op.op === 'update') operations.push({ ...(op.doc === undefined ? {} : { doc: op.doc }), ...(op.docAsUpsert === undefined ? {} : { doc_as_upsert: op.docAsUpsert }), ...(op.upsert === undefined ? {} : { upsert: op.upsert }) });
    try {
      const response = await cluster.client.bulk({ operations, ...(refresh === 'false' ? {} : { refresh }) });
      const [item] = response.items as unknown as BulkItemResponse[];
      if (item !== undefined) return item;
      return itemError(op.op, op.index, op.id, 502, 'exception', 'the cluster answered no item');
    } catch (error) {
      const mapped = toEsError(error, options.url);
      return itemError(op.op, op.index, op.id, mapped.status, mapped.type, mapped.message);
    }
  };

  const store: ForwardingStore = {
    queued: () => ({ records: queue.records, bytes: queue.bytes }),

    async bulk(ops: readonly BulkOp[], refresh: Refresh = 'false'): Promise<BulkItemResponse[]> {
      ensureOpen();
      const entries: Array<NewEntry | undefined> = ops.map((op) => (op.op === 'create' || op.op === 'index'
        ? { op: op.op, index: op.index, id: op.id ?? generatedId(), pipeline: op.pipeline, body: op.sourceJson ?? JSON.stringify(op.doc) }
        : undefined));
      const incoming = entries.reduce((sum, entry) => sum + (entry === undefined ? 0 : entryBytes(entry)), 0);
      if (queue.records > 0 && queue.bytes + incoming > maxQueueBytes) {
        metrics.rejectedFull.inc();
        throw new EsError(429, 'es_rejected_execution_exception', `rejected execution: the forward queue holds ${queue.bytes} bytes (limit ${maxQueueBytes}) while the cluster catches up; retry later`);
      }
      const queued = queueWrites(entries);
      if (queued.size > 0) forwarder.wake();

      const items: BulkItemResponse[] = new Array<BulkItemResponse>(ops.length);
      let highest = 0;
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i]!;
        const outcome = queued.get(i);
        const id = entries[i]?.id ?? '';
        if (op.op === 'update' || op.op === 'delete') {
          items[i] = await direct(op, refresh);
        } else if (outcome === 'conflict' || outcome === undefined) {
          items[i] = itemError(op.op, op.index, id, 409, 'version_conflict_engine_exception', `[${id}]: version conflict, document already exists (current version [1])`);
        } else {
          highest = Math.max(highest, outcome);
          items[i] = queuedItem(op.op, op.index, id, outcome);
        }
      }
      if (refresh !== 'false' && highest > 0) {
        const forwarded = await forwarder.waitForwarded(highest, refresh, refreshWaitMs);
        if (!forwarded) logger.debug({ refreshWaitMs }, 'bulk with refresh answered before its writes reached the cluster');
      }
      return items;
    },

    async getDocument(index: string, id: string): Promise<JsonObject> {
      ensureOpen();
      const body = await cluster.request('GET', `/${pathPart(index)}/_doc/${encodeURIComponent(id)}`, { ignore: [404] });
      const error = body.error;
      if (typeof error === 'object' && error !== null) {
        const { type, reason, ...extra } = error as Record<string, unknown>;
        throw new EsError(typeof body.status === 'number' ? body.status : 404, String(type ?? 'exception'), String(reason ?? ''), extra);
      }
      return body;
    },

    async search(pattern: IndexPattern, body: JsonObject, params?: SearchParams): Promise<JsonObject> {
      ensureOpen();
      // A point in time carries its indices: Elasticsearch refuses an index in the path with `pit`.
      const path = body.pit !== undefined ? '/_search' : `/${pathPart(pattern)}/_search`;
      return withBody('POST', path, body, params?.query, params?.signal);
    },

    async count(pattern: IndexPattern, body: JsonObject, params?: SearchParams): Promise<JsonObject> {
      ensureOpen();
      return withBody('POST', `/${pathPart(pattern)}/_count`, body, params?.query, params?.signal);
    },

    async scroll(scrollId: string, keepAlive: string | undefined) {
      ensureOpen();
      return withBody('POST', '/_search/scroll', { scroll_id: scrollId, ...(keepAlive === undefined ? {} : { scroll: keepAlive }) });
    },
    async clearScroll(scrollIds: readonly string[]) {
      ensureOpen();
      return withBody('DELETE', '/_search/scroll', { scroll_id: [...scrollIds] });
    },
    async openPointInTime(pattern: IndexPattern, keepAlive: string) {
      ensureOpen();
      return withBody('POST', `/${pathPart(pattern)}/_pit`, undefined, { keep_alive: keepAlive });
    },
    async closePointInTime(id: string) {
      ensureOpen();
      return withBody('DELETE', '/_pit', { id });
    },

    async createIndex(name, body) { ensureOpen(); return cluster.request('PUT', `/${pathPart(name)}`, { body }); },
    async deleteIndex(pattern) { ensureOpen(); return cluster.request('DELETE', `/${pathPart(pattern)}`); },
    async resolveIndices(pattern) {
      ensureOpen();
      const body = await get(`/_resolve/index/${pathPart(pattern)}`);
      const names: string[] = [];
      // Data streams by name; their backing indices (listed with a `data_stream` attribute) stay hidden.
      for (const index of Array.isArray(body.indices) ? body.indices : []) {
        const entry = index as { name?: unknown; data_stream?: unknown };
        if (typeof entry.name === 'string' && entry.data_stream === undefined) names.push(entry.name);
      }
      for (const stream of Array.isArray(body.data_streams) ? body.data_streams : []) {
        const name = (stream as { name?: unknown }).name;
        if (typeof name === 'string' && !names.includes(name)) names.push(name);
      }
      return names.sort();
    },
    async getIndex(pattern) { ensureOpen(); return get(`/${pathPart(pattern)}`); },
    async getMapping(pattern) { ensureOpen(); return get(`/${pathPart(pattern)}/_mapping`); },
    async putMapping(pattern, body) { ensureOpen(); return cluster.request('PUT', `/${pathPart(pattern)}/_mapping`, { body }); },
    async fieldCaps(pattern, fields, body = {}) {
      ensureOpen();
      // The HTTP layer passes the query-string options inside the body; they go back to the query string.
      const querystring: Record<string, string> = { fields: fields.join(',') };
      const rest: JsonObject = {};
      for (const [key, value] of Object.entries(body)) {
        if (['ignore_unavailable', 'allow_no_indices', 'expand_wildcards', 'include_unmapped', 'include_empty_fields', 'filters', 'types'].includes(key)) querystring[key] = String(value);
        else rest[key] = value;
      }
      return withBody('POST', `/${pathPart(pattern)}/_field_caps`, rest, querystring);
    },
    async refresh(pattern) { ensureOpen(); return cluster.request('POST', `/${pathPart(pattern)}/_refresh`); },
    async catIndices(pattern) {
      ensureOpen();
      const rows = await cluster.requestArray(`/_cat/indices/${pathPart(pattern)}`, { format: 'json', bytes: 'b' });
      return rows.map((row) => {
        const out: Record<string, string | number> = {};
        for (const [key, value] of Object.entries(row as Record<string, unknown>)) {
          if (value === null || value === undefined) continue;
          out[key] = CAT_NUMBERS.has(key) && value !== '' && Number.isFinite(Number(value)) ? Number(value) : String(value);
        }
        return out;
      });
    },

    async putIndexTemplate(name, body) { ensureOpen(); return cluster.request('PUT', `/_index_template/${pathPart(name)}`, { body }); },
    async getIndexTemplates(namePattern) { ensureOpen(); return get(namePattern === undefined ? '/_index_template' : `/_index_template/${pathPart(namePattern)}`); },
    async deleteIndexTemplate(name) { ensureOpen(); return cluster.request('DELETE', `/_index_template/${pathPart(name)}`); },
    async putLegacyTemplate(name, body) { ensureOpen(); return cluster.request('PUT', `/_template/${pathPart(name)}`, { body }); },
    async getLegacyTemplates(namePattern) { ensureOpen(); return get(namePattern === undefined ? '/_template' : `/_template/${pathPart(namePattern)}`); },
    async deleteLegacyTemplate(name) { ensureOpen(); return cluster.request('DELETE', `/_template/${pathPart(name)}`); },

    async getDataStreams(pattern) { ensureOpen(); return get(pattern === undefined ? '/_data_stream' : `/_data_stream/${pathPart(pattern)}`); },
    async createDataStream(name) { ensureOpen(); return cluster.request('PUT', `/_data_stream/${pathPart(name)}`); },
    async deleteDataStream(pattern) { ensureOpen(); return cluster.request('DELETE', `/_data_stream/${pathPart(pattern)}`); },

    /** The cluster's totals from `_cat/indices`; while it cannot be reached, the last ones it gave (health and /metrics keep answering). */
    async stats() {
      ensureOpen();
      try {
        const rows = await cluster.requestArray('/_cat/indices', { format: 'json', bytes: 'b', h: 'index,docs.count,store.size' });
        let documents = 0;
        let diskBytes = 0;
        for (const row of rows as Array<Record<string, unknown>>) {
          documents += Number(row['docs.count'] ?? 0) || 0;
          diskBytes += Number(row['store.size'] ?? 0) || 0;
        }
        lastStats = { indices: rows.length, documents, diskBytes };
      } catch (error) {
        logger.debug({ err: error }, 'cluster stats unavailable; reporting the last known');
      }
      return lastStats;
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await forwarder.close();
      await cluster.close();
      queue.close();
    },
  };
  return store;
}
