/**
 * The store's Prometheus metrics (only when a registry is given): documents indexed, bulk items by
 * outcome, search latency, disk bytes and partitions dropped by retention. Labels are bounded.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface StoreMetrics {
  readonly docsIndexed: { inc(n: number): void };
  readonly bulkItems: { inc(labels: { outcome: string }, n: number): void };
  readonly searchSeconds: { observe(labels: { kind: string }, seconds: number): void };
  readonly partitionsDropped: { inc(n: number): void };
}

const noop: StoreMetrics = {
  docsIndexed: { inc: () => undefined },
  bulkItems: { inc: () => undefined },
  searchSeconds: { observe: () => undefined },
  partitionsDropped: { inc: () => undefined },
};

export function createStoreMetrics(registry: Registry | undefined, diskBytes: () => number): StoreMetrics {
  if (registry === undefined) return noop;
  const docsIndexed = new Counter({ name: 'logship_store_documents_indexed_total', help: 'Documents written by the embedded store (created or updated).', registers: [registry] });
  const bulkItems = new Counter({ name: 'logship_store_bulk_items_total', help: 'Bulk items by outcome.', labelNames: ['outcome'], registers: [registry] });
  const searchSeconds = new Histogram({
    name: 'logship_store_search_seconds', help: 'Search and count latency in the embedded store.', labelNames: ['kind'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry],
  });
  const partitionsDropped = new Counter({ name: 'logship_store_partitions_dropped_total', help: 'Day partitions dropped by retention.', registers: [registry] });
  new Gauge({ name: 'logship_store_disk_bytes', help: 'Bytes used by the embedded store database and its WAL.', registers: [registry], collect() { this.set(diskBytes()); } });
  return {
    docsIndexed: { inc: (n) => docsIndexed.inc(n) },
    bulkItems: { inc: (labels, n) => bulkItems.inc(labels, n) },
    searchSeconds: { observe: (labels, s) => searchSeconds.observe(labels, s) },
    partitionsDropped: { inc: (n) => partitionsDropped.inc(n) },
  };
}
