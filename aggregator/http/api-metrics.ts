/**
 * The API's own metrics, with bounded labels: the route *pattern* (never the concrete path), the method
 * and the status code; bulk items by outcome.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { itemBody, type BulkItemResponse } from '../store/types.ts';

export interface ApiMetrics {
  readonly requests: Counter<'route' | 'method' | 'status'>;
  readonly duration: Histogram<'route'>;
  readonly bulkItems: Counter<'outcome'>;
  readonly bulkRejected: Counter;
  countBulkItems(items: readonly BulkItemResponse[]): void;
  /** Exposes the bulk gate's occupancy as a gauge, read at scrape time. */
  observeBulksInFlight(inFlight: () => number): void;
}

export function createApiMetrics(registry: Registry): ApiMetrics {
  const requests = new Counter({
    name: 'logship_aggregator_http_requests_total',
    help: 'Elasticsearch API requests by route pattern, method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'logship_aggregator_http_request_duration_seconds',
    help: 'Time to answer an Elasticsearch API request, by route pattern.',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [registry],
  });
  const bulkItems = new Counter({
    name: 'logship_aggregator_bulk_items_total',
    help: 'Bulk items by outcome: created, updated, deleted, noop, not_found, conflict, rejected (other 4xx), throttled (429), failed (5xx).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const bulkRejected = new Counter({
    name: 'logship_aggregator_bulk_requests_rejected_total',
    help: 'Whole bulk requests refused with 429 because --max-concurrent-bulks were already in progress.',
    registers: [registry],
  });
  return {
    requests, duration, bulkItems, bulkRejected,
    observeBulksInFlight(inFlight) {
      new Gauge({
        name: 'logship_aggregator_bulk_requests_in_flight',
        help: 'Bulk requests holding a slot of --max-concurrent-bulks (receiving their body or being applied).',
        registers: [registry],
        collect() {
          this.set(inFlight());
        },
      });
    },
    countBulkItems(items) {
      const counts = new Map<string, number>();
      for (const item of items) {
        const outcome = bulkOutcome(item);
        counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
      }
      for (const [outcome, n] of counts) bulkItems.inc({ outcome }, n);
    },
  };
}

function bulkOutcome(item: BulkItemResponse): string {
  const inner = itemBody(item) ?? {};
  const status = typeof inner.status === 'number' ? inner.status : 0;
  if (status === 409) return 'conflict';
  if (status === 429) return 'throttled';
  if (status >= 500 || status === 0) return 'failed';
  if (status === 404 && inner.result === 'not_found') return 'not_found';
  if (status >= 400) return 'rejected';
  const result = inner.result;
  return result === 'created' || result === 'updated' || result === 'deleted' || result === 'noop' ? result : 'created';
}
