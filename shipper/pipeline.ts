/**
 * batch → sink → settle checkpoint.
 *
 * Records pushed here are held until the store has answered for each one. A record is settled (its byte
 * range handed to the checkpoint store) only when it was delivered, already stored (409), or dead-lettered
 * with the store's reason. Everything else is retried, item by item, with backoff, for as long as it takes.
 *
 * Memory is bounded by `maxBufferBytes`: `push` resolves only when there is room again, so the reader
 * awaiting it stops reading while the store is slow or down. Nothing is dropped to make room.
 *
 * Records are held as (chunk, slot) pairs in typed arrays (sink/record-list.ts), not as the objects pushed:
 * those die young, and a full buffer is a few arrays rather than an old object per record.
 */
import type { Registry } from 'prom-client';
import { Counter, Gauge, Histogram } from './kit/metrics.ts';
import type { Logger } from './kit/logger.ts';
import { rateLimited } from './kit/logger.ts';
import type { Component } from './kit/lifecycle.ts';
import type { LogRecord, Outgoing, SendResult, Sink, SourceId } from './record.ts';
import { backoffDelayMs, pause } from './retry-backoff.ts';
import { keepRecordMemoryFor } from './sink/bulk-record.ts';
import { deadLetterOf } from './dead-letter.ts';
import { RecordList } from './sink/record-list.ts';
import { RecordQueue } from './sink/record-queue.ts';

/** What the pipeline needs of the checkpoint store: to be told which byte ranges are done. */
export interface Settler {
  settle(source: SourceId, offset: number, endOffset: number): void;
}

export interface PipelineOptions {
  readonly sink: Sink;
  readonly checkpoints: Settler;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly batchMaxDocs: number;
  readonly batchMaxBytes: number;
  readonly batchMaxWaitMs: number;
  readonly maxInFlight: number;
  readonly maxBufferBytes: number;
  readonly retryMaxBackoffMs: number;
  /** Data stream for records the store rejects for good, e.g. `logs-logship.deadletter-default`. */
  readonly deadLetterIndex: string;
  /** On close: how long to keep delivering what is buffered before giving up (it is re-read next start). */
  readonly closeTimeoutMs?: number;
}

export interface Pipeline extends Component {
  /** Queues records; resolves when the buffer has room again. Await it: that is the back-pressure. */
  push(records: readonly Outgoing[]): Promise<void>;
  /** Sends everything queued and waits until the store has answered for it, or the deadline passes. */
  drain(timeoutMs: number): Promise<boolean>;
  /** Bytes of records pushed and not yet settled. */
  bufferedBytes(): number;
}

export function createPipeline(options: PipelineOptions): Pipeline {
  const { sink, checkpoints, logger, registry } = options;
  const log = logger.child({ component: 'pipeline' });
  const sample = rateLimited(10_000);
  const metrics = createPipelineMetrics(registry);
  keepRecordMemoryFor(options.maxBufferBytes);

  // Records not yet in a batch.
  const pending = new RecordQueue();
  let oldestPendingAt = 0;
  let buffered = 0;
  let inFlight = 0;
  let closing = false;
  let flushTimer: NodeJS.Timeout | undefined;
  const stop = new AbortController();
  const roomWaiters: Array<() => void> = [];
  const idleWaiters: Array<() => void> = [];

  function push(records: readonly Outgoing[]): Promise<void> {
    if (closing) return Promise.reject(new Error('pipeline is closed'));
    if (records.length === 0) return Promise.resolve();
    if (pendingCount() === 0) oldestPendingAt = Date.now();
    for (const record of records) buffered += pending.push(record);
    metrics.buffer.set(buffered);
    dispatch();
    if (buffered < options.maxBufferBytes) return Promise.resolve();
    metrics.backpressure.inc();
    return new Promise((resolve) => roomWaiters.push(resolve));
  }

  /** Starts as many batches as the in-flight limit allows; arms a timer for a batch not yet full. */
  function dispatch(force = false): void {
    while (pendingCount() > 0 && inFlight < options.maxInFlight) {
      const full = pendingCount() >= options.batchMaxDocs || pending.bytes >= options.batchMaxBytes;
      const old = Date.now() - oldestPendingAt >= options.batchMaxWaitMs;
      if (!full && !old && !force && !closing) break;
      void deliver(takeBatch());
    }
    if (pendingCount() > 0 && flushTimer === undefined && inFlight < options.maxInFlight) {
      const wait = Math.max(0, options.batchMaxWaitMs - (Date.now() - oldestPendingAt));
      flushTimer = setTimeout(() => {
        flushTimer = undefined;
        dispatch();
      }, wait);
    }
  }

  function pendingCount(): number {
    return pending.length;
  }

  function takeBatch(): RecordList {
    const batch = pending.take(options.batchMaxDocs, options.batchMaxBytes);
    oldestPendingAt = Date.now();
    return batch;
  }

  /** One in-flight slot per batch, released when every item of it is settled (or we stop). */
  async function deliver(batch: RecordList): Promise<void> {
    inFlight++;
    metrics.inFlight.set(inFlight);
    try {
      await sendUntilSettled(batch);
    } finally {
      inFlight--;
      metrics.inFlight.set(inFlight);
      dispatch();
      wakeIdle();
    }
  }

  /** Sends items until each is settled; only the items that failed are sent again. */
  async function sendUntilSettled(batch: RecordList): Promise<void> {
    let items = batch;
    let attempt = 0;
    {
      while (items.length > 0 && !stop.signal.aborted) {
        const started = performance.now();
        let result: SendResult;
        try {
          result = await sink.send(items);
        } catch (error) {
          // A sink must not throw, but if one does the items are simply not delivered yet.
          result = { delivered: [], retry: Array.from({ length: items.length }, (_, i) => i), rejected: [], requestError: String(error) };
        }
        metrics.requestSeconds.observe((performance.now() - started) / 1000);
        const next = new RecordList(Math.max(result.rejected.length + result.retry.length, 1));
        settleAll(items, result.delivered);
        for (const [i, reason] of result.rejected) {
          const index = items.indexAt(i);
          if (index === options.deadLetterIndex) {
            // The dead-letter stream itself refused the record: nothing safer is left to try.
            metrics.dropped.inc();
            sample('dead-letter-rejected', (suppressed) => log.error({ reason, suppressed }, 'dead-letter stream rejected a record; it is dropped'));
            settleAll(items, [i]);
            continue;
          }
          metrics.rejected.inc({ dataset: datasetOf(index) });
          sample(`rejected:${index}`, (suppressed) => log.warn({ index, reason, suppressed }, 'store rejected a record; sending it to the dead-letter stream'));
          next.addOutgoing(deadLetterOf(items.outgoingAt(i), reason, options.deadLetterIndex));
          items.release(i);
        }
        const retried = items.pick(result.retry);
        if (result.requestStatus === 413 && retried.length > 1) {
          // Too large for the store: halve and go again at once (Filebeat's answer to 413 too).
          const half = Math.ceil(retried.length / 2);
          sample('too-large', () => log.warn({ items: retried.length }, 'store refused the request as too large; splitting the batch'));
          await sendUntilSettled(retried.slice(0, half));
          await sendUntilSettled(retried.slice(half));
        } else if (retried.length > 0) {
          metrics.retried.inc(retried.length);
          const delay = backoffDelayMs(attempt++, { capMs: options.retryMaxBackoffMs, retryAfterSeconds: result.retryAfterSeconds });
          sample(`retry:${result.requestError === undefined ? 'items' : 'request'}`, (suppressed) =>
            log.warn({ items: retried.length, reason: result.requestError ?? 'store asked to retry some items', delayMs: delay, suppressed }, 'delivery failed; retrying'));
          await pause(delay, stop.signal);
          for (let i = 0; i < retried.length; i++) next.addFrom(retried, i);
        } else if (next.length > 0) {
          attempt = 0;
        }
        items = next;
      }
    }
  }

  /**
   * Hands acknowledged byte ranges to the checkpoint store and counts them. Done per answer, not per
   * record: adjacent ranges of a source are merged into one settle, and each counter moves once.
   */
  function settleAll(items: RecordList, settled: readonly number[]): void {
    const shippedByIndex = new Map<string, number>();
    let runSource: SourceId | undefined;
    let runOffset = 0;
    let runEnd = 0;
    let index = '';
    let sameIndex = 0;
    for (const i of settled) {
      // Every field is read before the release: the record's chunk may be reused right after it.
      buffered -= items.bytesAt(i);
      const itemIndex = items.indexAt(i);
      const source = items.sourceAt(i);
      const offset = items.offsetAt(i);
      const endOffset = items.endOffsetAt(i);
      items.release(i);
      if (itemIndex !== index) {
        if (sameIndex > 0) shippedByIndex.set(index, (shippedByIndex.get(index) ?? 0) + sameIndex);
        index = itemIndex;
        sameIndex = 0;
      }
      sameIndex++;
      if (runSource === source && runEnd === offset) {
        runEnd = endOffset;
        continue;
      }
      if (runSource !== undefined) checkpoints.settle(runSource, runOffset, runEnd);
      runSource = source;
      runOffset = offset;
      runEnd = endOffset;
    }
    if (runSource !== undefined) checkpoints.settle(runSource, runOffset, runEnd);
    if (sameIndex > 0) shippedByIndex.set(index, (shippedByIndex.get(index) ?? 0) + sameIndex);
    for (const [name, count] of shippedByIndex) {
      if (name === options.deadLetterIndex) metrics.deadLettered.inc(count);
      else metrics.shipped.inc({ dataset: datasetOf(name) }, count);
    }
    metrics.buffer.set(buffered);
    while (buffered < options.maxBufferBytes && roomWaiters.length > 0) roomWaiters.shift()!();
  }

  function wakeIdle(): void {
    if (pendingCount() === 0 && inFlight === 0) while (idleWaiters.length > 0) idleWaiters.shift()!();
  }

  async function drain(timeoutMs: number): Promise<boolean> {
    dispatch(true);
    if (pendingCount() === 0 && inFlight === 0) return true;
    const idle = new Promise<boolean>((resolve) => idleWaiters.push(() => resolve(true)));
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
    const flushing = setInterval(() => dispatch(true), 50);
    try {
      return await Promise.race([idle, timeout]);
    } finally {
      clearInterval(flushing);
    }
  }

  return {
    name: 'pipeline',
    push,
    drain,
    bufferedBytes: () => buffered,
    async close() {
      if (closing) return;
      closing = true;
      const drained = await drain(options.closeTimeoutMs ?? 8_000);
      if (!drained) log.warn({ unsettledBytes: buffered }, 'shutdown before the store acknowledged everything; the rest is re-read from the checkpoint at next start');
      stop.abort();
      if (flushTimer !== undefined) clearTimeout(flushTimer);
      while (roomWaiters.length > 0) roomWaiters.shift()!();
    },
  };
}

function datasetOf(index: string): string {
  // logs-<dataset>-<namespace>: the dataset may contain dots but not dashes (Elastic's naming rules).
  const match = /^logs-([^-]+)-/.exec(index);
  return match?.[1] ?? 'other';
}

function createPipelineMetrics(registry: Registry) {
  return {
    shipped: new Counter({ name: 'logship_records_shipped_total', help: 'Records the store acknowledged (stored, or already stored).', labelNames: ['dataset'], registers: [registry] }),
    rejected: new Counter({ name: 'logship_records_rejected_total', help: 'Records the store rejected for good (then dead-lettered).', labelNames: ['dataset'], registers: [registry] }),
    deadLettered: new Counter({ name: 'logship_records_dead_lettered_total', help: 'Rejected records stored in the dead-letter data stream.', registers: [registry] }),
    dropped: new Counter({ name: 'logship_records_dropped_total', help: 'Records even the dead-letter stream refused (should stay 0).', registers: [registry] }),
    retried: new Counter({ name: 'logship_records_retried_total', help: 'Record send attempts that failed and were retried.', registers: [registry] }),
    backpressure: new Counter({ name: 'logship_backpressure_pauses_total', help: 'Times reading paused because the buffer was full.', registers: [registry] }),
    buffer: new Gauge({ name: 'logship_buffer_bytes', help: 'Bytes of records read and not yet acknowledged.', registers: [registry] }),
    inFlight: new Gauge({ name: 'logship_bulk_in_flight', help: 'Bulk requests being sent or retried.', registers: [registry] }),
    requestSeconds: new Histogram({ name: 'logship_bulk_request_seconds', help: 'Duration of bulk requests.', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] }),
  };
}

export type { LogRecord };
