/**
 * The Elasticsearch sink: one `_bulk` request of `create` operations per batch (sent by bulk-transport.ts),
 * and a verdict for every item. Works against our aggregator and real Elasticsearch/OpenSearch.
 *
 * Why `create` and not `index`: with a deterministic `_id`, `create` turns a retry of an already stored
 * record into a 409, which we count as delivered. `index` would silently overwrite (and bump versions).
 *
 * The transport does not retry: the pipeline retries exactly the items that failed, with backoff, for as
 * long as it takes, so nothing is retried twice by two layers or given up on silently.
 *
 * What the store is asked to answer (`filter_path`): `errors` alone while its answers are clean. Nearly
 * every bulk is stored whole, and `{"errors":false}` says so in 16 bytes, where the per-item statuses of a
 * 5,000-record batch are ≈ 130 KB to receive and read (Filebeat asks for those on every bulk). When an
 * answer says `errors: true` without them, the same body is sent again asking for each item's status and
 * error: the records already stored answer 409 (their `_id`s are deterministic), which counts as
 * delivered, and the others get their verdicts as always. After such an answer the sink keeps asking for
 * details until a bulk comes back clean, so a store rejecting items for a while (429s under load) gets each
 * batch once, not twice.
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Outgoing, SendResult, Sink } from '../record.ts';
import { bulkBody } from './bulk-record.ts';
import { RecordList } from './record-list.ts';
import { createBodyPool } from './body-pool.ts';
import { BulkRequestError, createBulkTransport } from './bulk-transport.ts';

export interface ElasticsearchSinkOptions {
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly apiKey?: string | undefined;
  readonly caFile?: string | undefined;
  readonly insecureSkipVerify?: boolean;
  readonly gzip?: boolean;
  readonly requestTimeoutMs?: number;
  /** Sent as `User-Agent`, so that the store's logs say who is sending. */
  readonly userAgent?: string;
  /** Requests sent at once (the pipeline's --max-in-flight): that many bodies are kept for reuse. */
  readonly maxInFlight?: number;
  /** Called when a body is sent again to learn its items' verdicts (an `errors: true` answer without them). */
  readonly onDetailRequest?: () => void;
}

/** Item statuses the store may answer differently later: back-pressure and server trouble. */
function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

export function createElasticsearchSink(options: ElasticsearchSinkOptions): Sink {
  const gzip = options.gzip !== false;
  const maxInFlight = options.maxInFlight ?? 2;
  const transport = createBulkTransport({
    url: options.url,
    username: options.username,
    password: options.password,
    apiKey: options.apiKey,
    caFile: options.caFile,
    insecureSkipVerify: options.insecureSkipVerify,
    requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
    // One more than in flight: a connection the store closed between requests is replaced without waiting.
    maxSockets: maxInFlight + 1,
    userAgent: options.userAgent ?? 'logship',
  });

  const bodies = createBodyPool(maxInFlight + 1);
  // Whether the last answer had errors: then the next request asks for every item's verdict at once.
  let detailed = false;

  /**
   * One bulk request of `parts` and every item's verdict: from the answer when it is clean or carries
   * them, else from the same body sent again with the per-item filter (see the header). The parts' memory
   * must stay as it is until this resolves.
   */
  async function bulkVerdicts(parts: readonly Uint8Array[], headers: Record<string, string> | undefined, count: number): Promise<SendResult> {
    const asked = detailed;
    const response = await bulk(parts, asked ? DETAILED_FILTER_PATH : ERRORS_FILTER_PATH, headers);
    if (response.errors === false) {
      detailed = false;
      return allDelivered(count);
    }
    if (asked || Array.isArray(response.items)) {
      // Details asked for, or given anyway (a store that ignores filter_path answers in full).
      if (response.errors === true) detailed = true;
      return verdicts(response, count);
    }
    detailed = true;
    options.onDetailRequest?.();
    return verdicts(await bulk(parts, DETAILED_FILTER_PATH, headers), count);
  }

  async function bulk(parts: readonly Uint8Array[], filterPath: string, headers: Record<string, string> | undefined): Promise<BulkAnswer> {
    return parseBulkAnswer(await transport.post(parts, `filter_path=${filterPath}`, headers));
  }

  /**
   * An uncompressed request straight from the records' chunks: the body is sent from views of their
   * memory instead of copied into one buffer first (a copy of every byte shipped, and a few MiB per
   * request in flight). The records are released only once the store has answered for them, so their
   * memory stays as it is while the socket may still be reading it.
   */
  async function sendSlices(batch: RecordList): Promise<SendResult> {
    return bulkVerdicts(batch.bodySlices().slices, undefined, batch.length);
  }
  return {
    async send(batch: readonly Outgoing[] | RecordList): Promise<SendResult> {
      try {
        if (!gzip && batch instanceof RecordList) return await sendSlices(batch);
        // The NDJSON body as one buffer of the records' bytes, encoded when they were made (no serializing,
        // no UTF-8 encoding of a whole request again).
        const plain = batch instanceof RecordList ? batch.bulkBody(bodies.take) : bulkBody(batch, bodies.take);
        let body = plain;
        let headers: Record<string, string> | undefined;
        if (gzip) {
          // Level 3: zlib's default (6), which the official client used, takes ~2.4× the CPU of level 3 on
          // bulk NDJSON for a body ~23% smaller (16.7× vs 12.9× on nginx records); it was the largest cost
          // of a sidecar with gzip on.
          body = await gzipAsync(plain, { level: GZIP_LEVEL });
          headers = GZIP_HEADERS;
          bodies.give(plain); // fully read by zlib
        }
        const result = await bulkVerdicts([body], headers, batch.length);
        // Answered in full: the store has read the whole body, so its memory may carry the next one.
        if (body === plain) bodies.give(plain);
        return result;
      } catch (error) {
        return wholeBatchFailure(batch.length, error);
      }
    },
    async close() {
      transport.close();
    },
  };
}

/**
 * A bulk answer starting `{"errors":false,` (after `"took":N,` where a store does not put `errors` first)
 * is not parsed further: its items would all say "stored", which is all `errors: false` already means (and
 * all the sink reads of such an answer). Any other answer is parsed in full.
 */
function parseBulkAnswer(text: string): BulkAnswer {
  if (ALL_STORED.test(text.slice(0, 64))) return { errors: false };
  return JSON.parse(text) as BulkAnswer;
}
const ALL_STORED = /^\s*\{\s*(?:"took"\s*:\s*\d+\s*,\s*)?"errors"\s*:\s*false\s*[,}]/;

interface BulkAnswer {
  errors?: boolean;
  items?: unknown;
}

function verdicts(response: BulkAnswer, count: number): SendResult {
  if (response.errors === false) return allDelivered(count);
  return classifyBulkItems((Array.isArray(response.items) ? response.items : []) as Array<Record<string, BulkItem>>, count);
}

interface BulkItem {
  status: number;
  error?: { type?: string; reason?: string; caused_by?: { reason?: string } };
}

/** Clean answers are the rule: `{"errors":false}`, whatever the batch size. */
const ERRORS_FILTER_PATH = 'errors';
/** What a record's verdict needs (Filebeat's filter); the rest of an item (index, id, version…) is not read. */
const DETAILED_FILTER_PATH = 'errors,items.*.status,items.*.error';
const GZIP_HEADERS: Record<string, string> = { 'content-encoding': 'gzip' };
const gzipAsync = promisify(gzipCallback);
const GZIP_LEVEL = 3;

/**
 * Every item of a batch delivered. The result is made before the loop on purpose: the loop runs long
 * enough (thousands of items) to be compiled while it runs, and code compiled then, before the function
 * ever reached a literal after the loop, was thrown away at that literal on every bulk (seen with
 * `--trace-deopt`: a compilation and a deoptimization per request).
 */
function allDelivered(count: number): SendResult {
  const result = { delivered: new Array<number>(count), retry: [], rejected: [] };
  const delivered = result.delivered;
  for (let i = 0; i < count; i++) delivered[i] = i;
  return result;
}

/**
 * Turns `items[]` of a bulk response into per-item verdicts. Pure, so it is tested as a table.
 * An item the store did not answer for (a short `items` array) is retried, never assumed stored.
 */
export function classifyBulkItems(items: ReadonlyArray<Record<string, BulkItem>>, expected = items.length): SendResult {
  const delivered: number[] = [];
  const retry: number[] = [];
  const rejected: Array<[number, string]> = [];
  for (let i = items.length; i < expected; i++) retry.push(i);
  items.forEach((entry, i) => {
    const item = Object.values(entry)[0];
    if (item === undefined) {
      retry.push(i);
      return;
    }
    const { status } = item;
    // 409 on create: a record with this deterministic _id is already stored — the goal is reached.
    if ((status >= 200 && status < 300) || status === 409) delivered.push(i);
    else if (isRetryableStatus(status)) retry.push(i);
    else rejected.push([i, describeItemError(status, item.error)]);
  });
  return { delivered, retry, rejected };
}

function describeItemError(status: number, error: BulkItem['error']): string {
  const cause = error?.caused_by?.reason;
  return `${status} ${error?.type ?? 'error'}: ${error?.reason ?? 'no reason given'}${cause === undefined ? '' : ` (caused by: ${cause})`}`;
}

/**
 * A request that failed as a whole (network, timeout, 429, 5xx, even 401/403 or 400) is retried whole:
 * none of its items was stored for sure, and dropping them for a configuration mistake would lose data.
 */
function wholeBatchFailure(count: number, error: unknown): SendResult {
  const retry = Array.from({ length: count }, (_, i) => i);
  let retryAfterSeconds: number | undefined;
  let requestStatus: number | undefined;
  if (error instanceof BulkRequestError) {
    retryAfterSeconds = error.retryAfterSeconds;
    requestStatus = error.statusCode;
  }
  const reason = error instanceof Error ? error.message : String(error);
  return { delivered: [], retry, rejected: [], retryAfterSeconds, requestError: reason, requestStatus };
}
