/**
 * The forwarder's metrics. The queue gauges are read when Prometheus scrapes, so they are never stale;
 * `logship_forward_oldest_seconds` is the forward lag: how long the oldest acknowledged write has been
 * waiting to reach the cluster (searches through the aggregator do not see it yet).
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { DurableQueue } from './queue.ts';

export interface ForwardMetrics {
  readonly forwarded: Counter;
  readonly retried: Counter;
  readonly deadLettered: Counter;
  readonly dropped: Counter;
  readonly requests: Counter<'outcome'>;
  readonly rejectedFull: Counter;
}

export function createForwardMetrics(registry: Registry | undefined, queue: DurableQueue, now: () => number): ForwardMetrics {
  const registers = [registry ?? new Registry()];
  new Gauge({ name: 'logship_forward_queue_bytes', help: 'Bytes of acknowledged writes waiting in the forward queue.', registers, collect() { this.set(queue.bytes); } });
  new Gauge({ name: 'logship_forward_queue_records', help: 'Acknowledged writes waiting in the forward queue.', registers, collect() { this.set(queue.records); } });
  new Gauge({
    name: 'logship_forward_oldest_seconds', help: 'Age of the oldest write still waiting to reach the cluster (the forward lag; 0 when the queue is empty).', registers,
    collect() {
      const oldest = queue.oldestEnqueuedAt();
      this.set(oldest === undefined ? 0 : Math.max(0, (now() - oldest) / 1000));
    },
  });
  return {
    forwarded: new Counter({ name: 'logship_forward_records_forwarded_total', help: 'Queued writes the cluster acknowledged (stored, or already stored: 409 on create).', registers }),
    retried: new Counter({ name: 'logship_forward_records_retried_total', help: 'Queued writes sent again after a 429, 5xx or connection failure.', registers }),
    deadLettered: new Counter({ name: 'logship_forward_records_dead_lettered_total', help: 'Queued writes the cluster rejected for good, rewritten for the dead-letter data stream.', registers }),
    dropped: new Counter({ name: 'logship_forward_records_dropped_total', help: 'Dead-letter documents the cluster rejected too (should stay 0).', registers }),
    requests: new Counter({ name: 'logship_forward_bulk_requests_total', help: 'Bulk requests to the cluster by outcome.', labelNames: ['outcome'] as const, registers }),
    rejectedFull: new Counter({ name: 'logship_forward_queue_full_rejections_total', help: 'Bulk requests answered 429 because the forward queue was full.', registers }),
  };
}
