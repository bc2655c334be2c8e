/**
 * The forwarder loop: queue head → one `_bulk` to the cluster → a verdict per item → settle the queue.
 *
 * - Delivered (2xx) and 409 on create (already stored: deterministic ids make a resend harmless) are
 *   removed from the queue. Nothing is removed before the cluster acknowledged it: at-least-once.
 * - 429, 5xx, connection errors, timeouts, and any whole-request failure: the items stay at the head of
 *   the queue and are sent again after exponential backoff with full jitter (`Retry-After` is a floor),
 *   forever. A 413 halves the batch first (the request was too large, not the cluster unwell).
 * - Permanent rejection (mapping error, invalid document): the entry is rewritten in place, keeping its
 *   position and `_id`, as its dead-letter document (`logs-logship.deadletter-<ns>`, the shipper's shape)
 *   and forwarded with the next request. A dead-letter document the cluster refuses too is dropped and
 *   counted (`logship_forward_records_dropped_total`), as the shipper's pipeline does: nothing safer is left.
 */
import { errors } from '@elastic/elasticsearch';
import type { Logger } from '../../shipper/kit/logger.ts';
import { rateLimited } from '../../shipper/kit/logger.ts';
import { backoffDelayMs, pause, retryAfterSecondsOf } from '../../shipper/retry-backoff.ts';
import { classifyBulkItems } from '../../shipper/sink/elasticsearch.ts';
import { deadLetterIndexName, deadLetterOf } from '../../shipper/dead-letter.ts';
import type { Refresh } from '../store/types.ts';
import type { Cluster } from './cluster.ts';
import type { ForwardMetrics } from './metrics.ts';
import type { DurableQueue, QueueEntry } from './queue.ts';

export interface ForwarderOptions {
  readonly queue: DurableQueue;
  readonly cluster: Cluster;
  readonly logger: Logger;
  readonly metrics: ForwardMetrics;
  /** Most records per bulk request (default 1000). */
  readonly maxBatchRecords?: number;
  /** Most bytes per bulk request (default 5 MB, the JS bulk helper's flush size). */
  readonly maxBatchBytes?: number;
  /** Backoff after a failed attempt: first ceiling and cap (defaults 100 ms and 30 s). */
  readonly backoffBaseMs?: number;
  readonly backoffCapMs?: number;
}

interface Waiter {
  readonly seq: number;
  readonly refresh: Refresh;
  readonly resolve: (forwarded: boolean) => void;
}

/** Namespace of a data stream named `<type>-<dataset>-<namespace>`; `default` for any other index name. */
export function namespaceOf(index: string): string {
  const parts = index.split('-');
  if (parts.length >= 3 && /^(logs|metrics|traces|synthetics)$/.test(parts[0]!)) return parts[parts.length - 1]!;
  return 'default';
}

type BulkItem = { status: number; error?: { type?: string; reason?: string; caused_by?: { reason?: string } } };

export class Forwarder {
  readonly #queue: DurableQueue;
  readonly #cluster: Cluster;
  readonly #log: Logger;
  readonly #metrics: ForwardMetrics;
  readonly #maxBatchBytes: number;
  readonly #backoffBaseMs: number;
  readonly #backoffCapMs: number;
  readonly #stop = new AbortController();
  readonly #sample = rateLimited(30_000);
  #batchRecords: number;
  #wakeup: (() => void) | undefined;
  #waiters: Waiter[] = [];
  #running: Promise<void> | undefined;
  #healthy = true;

  constructor(options: ForwarderOptions) {
    this.#queue = options.queue;
    this.#cluster = options.cluster;
    this.#log = options.logger;
    this.#metrics = options.metrics;
    this.#batchRecords = options.maxBatchRecords ?? 1000;
    this.#maxBatchBytes = options.maxBatchBytes ?? 5_000_000;
    this.#backoffBaseMs = options.backoffBaseMs ?? 100;
    this.#backoffCapMs = options.backoffCapMs ?? 30_000;
  }

  start(): void {
    this.#running ??= this.#run().catch((error: unknown) => {
      this.#log.fatal({ err: error }, 'forwarder loop failed; queued writes stay on disk until the next start');
    });
  }

  /** New entries were queued. */
  wake(): void {
    const wakeup = this.#wakeup;
    this.#wakeup = undefined;
    wakeup?.();
  }

  /** False while the last attempt to reach the cluster failed (it is down, refusing, or overloaded). */
  get healthy(): boolean {
    return this.#healthy;
  }

  /**
   * Resolves true once every entry up to `seq` has been acknowledged by the cluster (with `refresh`
   * passed on to the bulk request that carries it), or false after `timeoutMs` or at close. While the
   * cluster is failing it does not wait at all: bulks waiting for a refresh would otherwise hold the
   * API's bulk slots for the whole outage.
   */
  waitForwarded(seq: number, refresh: Refresh, timeoutMs: number): Promise<boolean> {
    if (this.#queue.headSeq() > seq) return Promise.resolve(true);
    if (this.#stop.signal.aborted || !this.#healthy) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(false), timeoutMs);
      const waiter: Waiter = { seq, refresh, resolve: (ok) => finish(ok) };
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve(ok);
      };
      this.#waiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    this.#stop.abort();
    this.wake();
    await this.#running;
    for (const waiter of [...this.#waiters]) waiter.resolve(false);
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    let attempt = 0;
    while (!signal.aborted) {
      let result: { ok: boolean; retried: number; retryAfterSeconds?: number | undefined };
      try {
        const batch = this.#nextBatch();
        if (batch.length === 0) {
          await new Promise<void>((resolve) => {
            this.#wakeup = resolve;
          });
          continue;
        }
        result = await this.#send(batch, signal);
        if (signal.aborted) return;
        this.#notifyWaiters();
      } catch (error) {
        // The queue itself failed (disk full, I/O error): nothing was removed; try again after a pause.
        this.#sample('queue-error', (suppressed) => this.#log.error({ err: error, suppressed }, 'forward queue failed; retrying'));
        result = { ok: false, retried: 0 };
      }
      this.#healthy = result.ok;
      if (!result.ok) for (const waiter of [...this.#waiters]) waiter.resolve(false);
      if (result.ok) {
        attempt = 0;
        continue;
      }
      this.#metrics.retried.inc(result.retried);
      await pause(backoffDelayMs(attempt++, { baseMs: this.#backoffBaseMs, capMs: this.#backoffCapMs, retryAfterSeconds: result.retryAfterSeconds }), signal);
    }
  }

  /**
   * The head of the queue, cut before the second write to the same document: two writes of one `_id`
   * never travel in the same request, so a retried older `index` can never land after a newer one.
   */
  #nextBatch(): QueueEntry[] {
    const head = this.#queue.head(this.#batchRecords, this.#maxBatchBytes);
    const seen = new Set<string>();
    for (let i = 0; i < head.length; i++) {
      const key = `${head[i]!.index}\u0000${head[i]!.id}`;
      if (seen.has(key)) return head.slice(0, i);
      seen.add(key);
    }
    return head;
  }

  /** One bulk request for `batch`; settles what the cluster answered for. `ok` false means: back off, then retry the rest. */
  async #send(batch: readonly QueueEntry[], signal: AbortSignal): Promise<{ ok: boolean; retried: number; retryAfterSeconds?: number | undefined }> {
    const operations: string[] = [];
    for (const entry of batch) {
      const meta: Record<string, string> = { _index: entry.index, _id: entry.id };
      if (entry.pipeline !== undefined) meta.pipeline = entry.pipeline;
      operations.push(JSON.stringify({ [entry.op]: meta }), entry.body);
    }
    const refresh = this.#refreshFor(batch);
    let items: Array<Record<string, BulkItem>>;
    try {
      const response = await this.#cluster.client.bulk({ operations, ...(refresh === undefined ? {} : { refresh }) }, { signal });
      items = response.items as unknown as Array<Record<string, BulkItem>>;
    } catch (error) {
      if (signal.aborted) return { ok: false, retried: 0 };
      return this.#wholeRequestFailed(batch, error);
    }
    this.#metrics.requests.inc({ outcome: 'answered' });
    if (items.length !== batch.length) {
      this.#sample('misaligned', (suppressed) => this.#log.error({ sent: batch.length, answered: items.length, suppressed }, 'the cluster answered a different number of bulk items; sending the batch again'));
      return { ok: false, retried: batch.length };
    }

    const verdicts = classifyBulkItems(items);
    const removed: QueueEntry[] = verdicts.delivered.map((i) => batch[i]!);
    const rewritten: Array<{ entry: QueueEntry; index: string; body: string }> = [];
    let dropped = 0;
    for (const [i, reason] of verdicts.rejected) {
      const entry = batch[i]!;
      if (entry.deadLettered) {
        removed.push(entry);
        dropped++;
        this.#sample('dead-letter-rejected', (suppressed) => this.#log.error({ reason, suppressed }, 'the cluster rejected a dead-letter document too; it is dropped'));
        continue;
      }
      const letter = deadLetterOf(
        { index: entry.index, id: entry.id, body: entry.body, source: '', offset: 0, endOffset: 0, bytes: entry.bytes },
        reason,
        deadLetterIndexName(namespaceOf(entry.index)),
      );
      rewritten.push({ entry, index: letter.index, body: letter.body });
      this.#sample(`rejected:${entry.index}`, (suppressed) => this.#log.warn({ index: entry.index, reason, suppressed }, 'the cluster rejected a queued write; forwarding it to the dead-letter stream'));
    }
    this.#queue.settle(removed, rewritten);
    this.#metrics.forwarded.inc(verdicts.delivered.length);
    this.#metrics.deadLettered.inc(batch.filter((entry, i) => entry.deadLettered && verdicts.delivered.includes(i)).length);
    if (dropped > 0) this.#metrics.dropped.inc(dropped);
    if (verdicts.retry.length > 0) {
      this.#sample('item-retry', (suppressed) => this.#log.warn({ retry: verdicts.retry.length, of: batch.length, suppressed }, 'the cluster asked to retry some bulk items'));
      return { ok: false, retried: verdicts.retry.length };
    }
    return { ok: true, retried: 0 };
  }

  #wholeRequestFailed(batch: readonly QueueEntry[], error: unknown): { ok: false; retried: number; retryAfterSeconds?: number | undefined } {
    let retryAfterSeconds: number | undefined;
    let status: number | undefined;
    if (error instanceof errors.ResponseError) {
      status = error.statusCode;
      retryAfterSeconds = retryAfterSecondsOf(error.meta.headers?.['retry-after']);
    }
    this.#metrics.requests.inc({ outcome: status === undefined ? 'network' : String(Math.floor(status / 100)) + 'xx' });
    if (status === 413 && batch.length > 1) this.#batchRecords = Math.max(1, Math.floor(batch.length / 2));
    const reason = error instanceof Error ? error.message : String(error);
    this.#sample(`request:${status ?? 'network'}`, (suppressed) => this.#log.warn({ status, reason, records: batch.length, queued: this.#queue.records, suppressed }, 'bulk request to the cluster failed; retrying with backoff'));
    return { ok: false, retried: batch.length, retryAfterSeconds };
  }

  /** The strongest refresh a waiter asked for among the entries of this batch. */
  #refreshFor(batch: readonly QueueEntry[]): Refresh | undefined {
    const last = batch[batch.length - 1]!.seq;
    let refresh: Refresh | undefined;
    for (const waiter of this.#waiters) {
      if (waiter.seq > last || waiter.refresh === 'false') continue;
      if (waiter.refresh === 'true') return 'true';
      refresh = 'wait_for';
    }
    return refresh;
  }

  #notifyWaiters(): void {
    if (this.#waiters.length === 0) return;
    const head = this.#queue.headSeq();
    for (const waiter of [...this.#waiters]) if (waiter.seq < head) waiter.resolve(true);
  }
}
