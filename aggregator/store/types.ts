/**
 * The contract between the Elasticsearch-compatible HTTP layer (aggregator/routes) and whatever keeps
 * the documents: the embedded store (aggregator/store) or, later, a forwarder to a real cluster.
 *
 * The HTTP layer owns HTTP: routing, NDJSON and gzip bodies, auth, headers, `_cat` text rendering,
 * control-plane stubs. The store owns data and answers in Elasticsearch's own response shapes
 * (the `hits`, `aggregations`, `items` objects), so the HTTP layer mostly passes them through.
 *
 * Errors: a store method throws `EsError` for anything Elasticsearch would answer with an error body;
 * the HTTP layer renders it as `{ error: { root_cause: [...], type, reason, ... }, status }`.
 */

export class EsError extends Error {
  readonly status: number;
  readonly type: string;
  readonly extra: Record<string, unknown>;
  constructor(status: number, type: string, reason: string, extra: Record<string, unknown> = {}) {
    super(reason);
    this.status = status;
    this.type = type;
    this.extra = extra;
  }
}

export type JsonObject = { [key: string]: unknown };

/** One `_bulk` action, already split from its NDJSON line pair by the HTTP layer. */
export type BulkOp =
  | {
    readonly op: 'create' | 'index'; readonly index: string; readonly id?: string; readonly doc: JsonObject; readonly pipeline?: string;
    /**
     * The document's JSON text exactly as the client sent it, when the HTTP layer has it: kept as `_source`
     * verbatim (what Elasticsearch returns), which also spares re-serialising `doc`. Must parse to `doc`.
     */
    readonly sourceJson?: string;
  }
  | {
    readonly op: 'create' | 'index'; readonly index: string; readonly id: string; readonly doc?: undefined; readonly pipeline?: undefined;
    /**
     * The document as the client sent it, not parsed yet, for a store that declares `readsSourceText`: it
     * parses the line where it makes the document's row, so the parsed object dies young instead of living
     * (and being copied by the GC) until the whole bulk is done; a line that is not a JSON object becomes the
     * item error `parseSourceLine` words, naming `line`, the text's line in the request.
     */
    readonly sourceJson: string;
    readonly line: number;
  }
  | { readonly op: 'delete'; readonly index: string; readonly id: string }
  | { readonly op: 'update'; readonly index: string; readonly id: string; readonly doc?: JsonObject; readonly docAsUpsert?: boolean; readonly upsert?: JsonObject };

/** Exactly one `items[]` entry of Elasticsearch's bulk response, e.g. `{ create: { _index, _id, status, result | error } }`. */
export type BulkItemResponse = { [op: string]: JsonObject };

/**
 * The `_shards` of every item the embedded store's writer answers with Elasticsearch's usual eight keys
 * (`_index`, `_id`, `_version`, `result`, `_shards`, `_seq_no`, `_primary_term`, `status`, in that order):
 * one shared object, so that `_bulk`'s serializer (http/bulk-response.ts) can recognise such an item by it.
 */
export const WRITTEN_SHARDS: JsonObject = Object.freeze({ total: 1, successful: 1, failed: 0 });

/** The body under an item's one key (`{ create: body }` → body), read without an array per item: bulks hold thousands. */
export function itemBody(item: BulkItemResponse): JsonObject | undefined {
  for (const op in item) return item[op];
  return undefined;
}

export type Refresh = 'true' | 'false' | 'wait_for';

/** Index patterns are Elasticsearch's: comma lists, `*` wildcards, `-excluded`, `_all`. */
export type IndexPattern = string;

export interface SearchParams {
  /** Query-string parameters that change a search (`size`, `from`, `q`, `sort`, `track_total_hits`, `_source`, `ignore_unavailable`, `allow_no_indices`, `scroll`, …) as strings. */
  readonly query?: Readonly<Record<string, string>>;
  /** Aborted when the client goes away or the request time limit passes. */
  readonly signal?: AbortSignal;
}

export interface Store {
  /** True when `bulk` takes create/index ops whose document is only its text (see BulkOp); others get parsed documents. */
  readonly readsSourceText?: boolean;
  /** Applies the ops in order; one result per op. Honors `refresh` before resolving. */
  bulk(ops: readonly BulkOp[], refresh?: Refresh): Promise<BulkItemResponse[]>;

  /** `GET /<index>/_doc/<id>`: the ES document response (`found: false` when absent; 404 handled by the HTTP layer from `found`). */
  getDocument(index: string, id: string): Promise<JsonObject>;

  /** `_search` over a pattern: the complete ES response body (`took`, `timed_out`, `_shards`, `hits`, `aggregations`, `pit_id`, `_scroll_id`). */
  search(pattern: IndexPattern, body: JsonObject, params?: SearchParams): Promise<JsonObject>;
  /** `_count`: `{ count, _shards }`. */
  count(pattern: IndexPattern, body: JsonObject, params?: SearchParams): Promise<JsonObject>;
  /** `POST /_search/scroll` and `DELETE /_search/scroll`. */
  scroll(scrollId: string, keepAlive: string | undefined): Promise<JsonObject>;
  clearScroll(scrollIds: readonly string[]): Promise<JsonObject>;
  /** `POST /<pattern>/_pit?keep_alive=` → `{ id }`; `DELETE /_pit`. A PIT is used through `search` with `body.pit`. */
  openPointInTime(pattern: IndexPattern, keepAlive: string): Promise<JsonObject>;
  closePointInTime(id: string): Promise<JsonObject>;

  /** Index management; each returns the ES response body. */
  createIndex(name: string, body: JsonObject): Promise<JsonObject>;
  deleteIndex(pattern: IndexPattern): Promise<JsonObject>;
  /** Names of concrete indices (and data streams' backing indices are hidden) matching the pattern. */
  resolveIndices(pattern: IndexPattern): Promise<string[]>;
  getIndex(pattern: IndexPattern): Promise<JsonObject>;
  getMapping(pattern: IndexPattern): Promise<JsonObject>;
  putMapping(pattern: IndexPattern, body: JsonObject): Promise<JsonObject>;
  fieldCaps(pattern: IndexPattern, fields: readonly string[], body?: JsonObject): Promise<JsonObject>;
  refresh(pattern: IndexPattern): Promise<JsonObject>;
  /** Rows for `_cat/indices` (health, status, index, uuid, pri, rep, docs.count, docs.deleted, store.size, pri.store.size, dataset.size). */
  catIndices(pattern: IndexPattern): Promise<Array<Record<string, string | number>>>;

  putIndexTemplate(name: string, body: JsonObject): Promise<JsonObject>;
  getIndexTemplates(namePattern?: string): Promise<JsonObject>;
  deleteIndexTemplate(name: string): Promise<JsonObject>;
  putLegacyTemplate(name: string, body: JsonObject): Promise<JsonObject>;
  getLegacyTemplates(namePattern?: string): Promise<JsonObject>;
  deleteLegacyTemplate(name: string): Promise<JsonObject>;

  getDataStreams(pattern?: IndexPattern): Promise<JsonObject>;
  createDataStream(name: string): Promise<JsonObject>;
  deleteDataStream(pattern: IndexPattern): Promise<JsonObject>;

  /** Totals for `_cluster/health`, `_nodes` and `/metrics`. */
  stats(): Promise<{ indices: number; documents: number; diskBytes: number }>;

  close(): Promise<void>;
}
