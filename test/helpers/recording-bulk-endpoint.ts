/**
 * A small, real HTTP server that speaks just enough Elasticsearch for a shipper: it records every
 * `_bulk` item by `_id` (first write wins, a second `create` of the same `_id` gets 409 like a real
 * cluster) and can fail on demand, so delivery tests can assert exact document counts through
 * outages, retries and restarts.
 *
 *   const es = await startRecordingBulkEndpoint();
 *   // point the shipper at es.url …
 *   es.fail({ kind: 'status', status: 429, retryAfterSeconds: 1 });   // store outage: nothing applied
 *   es.recover();
 *   await eventually(() => expect(es.count('logs-kubernetes.container_logs-default')).toBe(28));
 *   await es.close();
 *
 * What it answers:
 * - `POST|PUT /_bulk` and `/{index}/_bulk`: NDJSON (gzip accepted), `create` and `index` actions.
 *   The response has Elasticsearch's shape and key order: `{"took":…,"errors":…,"items":[…]}`, filtered
 *   by `filter_path` as Elasticsearch filters it (the shippers ask for `errors` alone, then for
 *   `errors,items.*.status,items.*.error` when an answer had errors).
 * - `GET /` (an 8.x cluster), `HEAD /`, and `{}` with 200 for every other control-plane call
 *   (`_license`, `_index_template`, `_ilm/policy`, …), so a client's start-up probes succeed.
 * - Every response carries `X-Elastic-Product: Elasticsearch`.
 *
 * Failure modes (whole request, decided before any item is applied, as `fail()` documents), plus
 * `rejectItem` for permanent per-item rejections (mapping errors) and `failItem` for per-item 429/5xx.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { applyFilterPath, parseFilterPath } from '../../aggregator/http/filter-path.ts';

export interface RecordedDoc {
  readonly index: string;
  readonly id: string;
  /** The document as sent (absent when the endpoint was started with `keepSources: false`). */
  readonly source: Record<string, unknown> | undefined;
}

/** What a failing `_bulk` request gets. Nothing of a failed request is applied. */
export type BulkFault =
  /** An HTTP error for the whole request (429 and 5xx are retryable for a shipper), optionally with Retry-After. */
  | { readonly kind: 'status'; readonly status: number; readonly retryAfterSeconds?: number }
  /** The connection is destroyed without an answer (a crashed or unreachable store). */
  | { readonly kind: 'reset' }
  /** The items ARE applied, then the connection is destroyed: the shipper must retry and get 409s. */
  | { readonly kind: 'reset-after-apply' }
  /** The answer is delayed by `ms` (a slow store); items are applied after the delay. */
  | { readonly kind: 'delay'; readonly ms: number };

/** A per-item outcome forced by the test: status and error type as Elasticsearch writes them. */
export interface ItemError {
  readonly status: number;
  readonly type: string;
  readonly reason: string;
}

export interface RequestLog {
  /** HTTP status answered for the whole request (0 when the connection was reset). */
  readonly status: number;
  /** Number of actions in the request. */
  readonly items: number;
  readonly gzip: boolean;
  /** The request's `filter_path`, if it had one. */
  readonly filterPath?: string | undefined;
}

export interface RecordingBulkEndpoint {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Stored documents by `_id`. */
  readonly docs: ReadonlyMap<string, RecordedDoc>;
  /** Every `_bulk` request in arrival order. */
  readonly requests: readonly RequestLog[];
  /** Items answered 409 because their `_id` was already stored (re-sent records). */
  readonly conflicts: number;
  /** Items answered with a forced per-item error (`rejectItem` / `failItem`). */
  readonly itemErrors: number;
  /** Stored documents of one index (data stream), or of all when omitted. */
  list(index?: string): RecordedDoc[];
  /** Number of stored documents of one index, or of all when omitted. */
  count(index?: string): number;
  /**
   * Fails the next `times` `_bulk` requests (default: every request until `recover()`).
   * Control-plane calls keep answering, as a real overloaded cluster's do.
   */
  fail(fault: BulkFault, times?: number): void;
  /** Ends `fail()`: requests are applied again. */
  recover(): void;
  /**
   * Per-item outcome hook: return an error to answer that item with it instead of storing it
   * (e.g. 400 `document_parsing_exception` for a permanent rejection, 429 for a retryable one).
   * Return undefined to store the item normally. Pass undefined to remove the hook.
   */
  setItemHook(hook: ((doc: RecordedDoc) => ItemError | undefined) | undefined): void;
  /** Forgets every stored document and request (keeps faults and hooks). */
  clear(): void;
  close(): Promise<void>;
}

export interface RecordingBulkEndpointOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  readonly port?: number;
  readonly host?: string;
  /**
   * Keep each document's `_source` (default true). Benchmarks pass false: source lines are then not
   * even parsed, only counted, so the endpoint is never the bottleneck.
   */
  readonly keepSources?: boolean;
  /** Version reported by `GET /` (default 8.19.0). */
  readonly version?: string;
  /** Answer bulks in full whatever their `filter_path` asks (a proxy or store that ignores it). */
  readonly ignoreFilterPath?: boolean;
}

const PRODUCT_HEADERS = { 'x-elastic-product': 'Elasticsearch', 'content-type': 'application/json; charset=UTF-8' };

export async function startRecordingBulkEndpoint(options: RecordingBulkEndpointOptions = {}): Promise<RecordingBulkEndpoint> {
  const keepSources = options.keepSources ?? true;
  const docs = new Map<string, RecordedDoc>();
  const countsByIndex = new Map<string, number>();
  const requests: RequestLog[] = [];
  const sockets = new Set<Socket>();
  let conflicts = 0;
  let itemErrors = 0;
  let fault: BulkFault | undefined;
  let faultsLeft = 0;
  let itemHook: ((doc: RecordedDoc) => ItemError | undefined) | undefined;

  const takeFault = (): BulkFault | undefined => {
    if (fault === undefined || faultsLeft <= 0) return undefined;
    faultsLeft--;
    const current = fault;
    if (faultsLeft <= 0) fault = undefined;
    return current;
  };

  const applyBulk = (body: string): { errors: boolean; items: string[] } => {
    const items: string[] = [];
    let errors = false;
    let start = 0;
    for (;;) {
      const actionLine = nextLine(body, start);
      if (actionLine === undefined) break;
      start = actionLine.next;
      if (actionLine.text.trim() === '') continue;
      const action = JSON.parse(actionLine.text) as Record<string, { _index?: string; _id?: string } | undefined>;
      const op = Object.keys(action)[0] ?? 'index';
      const meta = action[op] ?? {};
      const sourceLine = op === 'delete' ? undefined : nextLine(body, start);
      if (sourceLine !== undefined) start = sourceLine.next;
      const index = meta._index ?? '';
      const id = meta._id ?? `auto-${docs.size}-${items.length}`;
      const doc: RecordedDoc = {
        index,
        id,
        source: keepSources && sourceLine !== undefined ? (JSON.parse(sourceLine.text) as Record<string, unknown>) : undefined,
      };
      const forced = itemHook?.(doc);
      if (forced !== undefined) {
        itemErrors++;
        errors = true;
        items.push(itemJson(op, index, id, forced.status, { type: forced.type, reason: forced.reason }));
      } else if (docs.has(id) && op === 'create') {
        conflicts++;
        errors = true;
        items.push(itemJson(op, index, id, 409, {
          type: 'version_conflict_engine_exception',
          reason: `[${id}]: version conflict, document already exists (current version [1])`,
        }));
      } else {
        if (!docs.has(id)) countsByIndex.set(index, (countsByIndex.get(index) ?? 0) + 1);
        docs.set(id, doc);
        items.push(itemJson(op, index, id, 201, undefined));
      }
    }
    return { errors, items };
  };

  const handleBulk = async (req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> => {
    const gzip = /gzip/i.test(String(req.headers['content-encoding'] ?? ''));
    const current = takeFault();
    if (current?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, current.ms));
    if (current?.kind === 'reset') {
      requests.push({ status: 0, items: -1, gzip });
      req.socket.destroy();
      return;
    }
    if (current?.kind === 'status') {
      requests.push({ status: current.status, items: -1, gzip });
      const type = current.status === 429 ? 'es_rejected_execution_exception' : 'internal_server_error';
      const reason = `recording endpoint: injected ${current.status}`;
      const headers: Record<string, string> = { ...PRODUCT_HEADERS };
      if (current.retryAfterSeconds !== undefined) headers['retry-after'] = String(current.retryAfterSeconds);
      res.writeHead(current.status, headers);
      res.end(JSON.stringify({ error: { root_cause: [{ type, reason }], type, reason }, status: current.status }));
      return;
    }
    let body: string;
    try {
      body = (gzip ? gunzipSync(raw) : raw).toString('utf8');
    } catch {
      requests.push({ status: 400, items: -1, gzip });
      res.writeHead(400, PRODUCT_HEADERS);
      res.end(JSON.stringify({ error: { type: 'parse_exception', reason: 'bad gzip body' }, status: 400 }));
      return;
    }
    const started = Date.now();
    let result: { errors: boolean; items: string[] };
    try {
      result = applyBulk(body);
    } catch (error) {
      requests.push({ status: 400, items: -1, gzip });
      res.writeHead(400, PRODUCT_HEADERS);
      const reason = `Malformed bulk body: ${(error as Error).message}`;
      res.end(JSON.stringify({ error: { root_cause: [{ type: 'x_content_parse_exception', reason }], type: 'x_content_parse_exception', reason }, status: 400 }));
      return;
    }
    const filterPath = new URL(req.url ?? '/', 'http://x').searchParams.get('filter_path') ?? undefined;
    requests.push({ status: 200, items: result.items.length, gzip, filterPath });
    if (current?.kind === 'reset-after-apply') {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, PRODUCT_HEADERS);
    const answer = `{"took":${Date.now() - started},"errors":${result.errors},"items":[${result.items.join(',')}]}`;
    res.end(filterPath === undefined || options.ignoreFilterPath === true ? answer : JSON.stringify(applyFilterPath(JSON.parse(answer), parseFilterPath(filterPath))));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (/(^|\/)_bulk$/.test(path) && (req.method === 'POST' || req.method === 'PUT')) {
      await handleBulk(req, res, raw);
      return;
    }
    res.writeHead(200, PRODUCT_HEADERS);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (path === '/') {
      res.end(JSON.stringify({
        name: 'recording-bulk-endpoint',
        cluster_name: 'logship-test',
        cluster_uuid: 'recording-bulk-endpoint-0000',
        version: { number: options.version ?? '8.19.0', build_flavor: 'default', build_type: 'tar', lucene_version: '9.12.0', minimum_wire_compatibility_version: '7.17.0', minimum_index_compatibility_version: '7.0.0' },
        tagline: 'You Know, for Search',
      }));
      return;
    }
    res.end('{}');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, PRODUCT_HEADERS);
      res.end(JSON.stringify({ error: { type: 'internal_server_error', reason: String(error) }, status: 500 }));
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;

  return {
    url: `http://${address.address}:${address.port}`,
    docs,
    requests,
    get conflicts() {
      return conflicts;
    },
    get itemErrors() {
      return itemErrors;
    },
    list(index) {
      const all = [...docs.values()];
      return index === undefined ? all : all.filter((doc) => doc.index === index);
    },
    count(index) {
      return index === undefined ? docs.size : (countsByIndex.get(index) ?? 0);
    },
    fail(next, times = Number.POSITIVE_INFINITY) {
      fault = next;
      faultsLeft = times;
    },
    recover() {
      fault = undefined;
      faultsLeft = 0;
    },
    setItemHook(hook) {
      itemHook = hook;
    },
    clear() {
      docs.clear();
      countsByIndex.clear();
      requests.length = 0;
      conflicts = 0;
      itemErrors = 0;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function nextLine(body: string, start: number): { text: string; next: number } | undefined {
  if (start >= body.length) return undefined;
  const end = body.indexOf('\n', start);
  if (end === -1) return { text: body.slice(start), next: body.length };
  return { text: body.slice(start, end), next: end + 1 };
}

function itemJson(op: string, index: string, id: string, status: number, error: { type: string; reason: string } | undefined): string {
  const head = `{"${op}":{"_index":${JSON.stringify(index)},"_id":${JSON.stringify(id)}`;
  if (error !== undefined) {
    return `${head},"status":${status},"error":{"type":${JSON.stringify(error.type)},"reason":${JSON.stringify(error.reason)},"index":${JSON.stringify(index)}}}}`;
  }
  return `${head},"_version":1,"result":"created","_shards":{"total":1,"successful":1,"failed":0},"_seq_no":0,"_primary_term":1,"status":${status}}}`;
}
