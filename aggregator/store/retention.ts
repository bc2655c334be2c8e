/**
 * Retention drops whole day partitions: those older than `retentionMs` (a partition goes when its whole
 * day is older), then the oldest ones while the database is larger than `maxDiskBytes` (the newest
 * partition is always kept). Freed pages go back to the file system with `incremental_vacuum`.
 */
import { statSync } from 'node:fs';
import type { PartitionInfo } from './catalog.ts';
import { DAY_MS } from './dates.ts';
import type { Writer } from './writer.ts';

export interface RetentionPolicy {
  readonly retentionMs?: number;
  readonly maxDiskBytes?: number;
}

/** Bytes the database uses: live pages plus the WAL. */
export function diskBytes(writer: Writer, path: string): number {
  const pages = (writer.db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count;
  const free = (writer.db.prepare('PRAGMA freelist_count').get() as { freelist_count: number }).freelist_count;
  const pageSize = (writer.db.prepare('PRAGMA page_size').get() as { page_size: number }).page_size;
  let wal: number;
  try {
    wal = statSync(`${path}-wal`).size;
  } catch {
    wal = 0;
  }
  return (pages - free) * pageSize + wal;
}

function allPartitions(writer: Writer): PartitionInfo[] {
  return [...writer.catalog.partitions.values()].flat().sort((a, b) => a.day - b.day || a.id - b.id);
}

/** Applies the policy once; returns the number of partitions dropped. */
export function applyRetention(writer: Writer, path: string, policy: RetentionPolicy, now: number): number {
  let dropped = 0;
  const drop = (part: PartitionInfo): void => {
    const index = writer.catalog.byId.get(part.indexId);
    if (index === undefined) return;
    writer.transaction(() => writer.dropPartition(index, part));
    dropped++;
  };
  if (policy.retentionMs !== undefined && policy.retentionMs > 0) {
    for (const part of allPartitions(writer)) if ((part.day + 1) * DAY_MS <= now - policy.retentionMs) drop(part);
  }
  if (policy.maxDiskBytes !== undefined && policy.maxDiskBytes > 0) {
    for (;;) {
      const parts = allPartitions(writer);
      if (parts.length <= 1 || diskBytes(writer, path) <= policy.maxDiskBytes) break;
      drop(parts[0]!);
      writer.db.exec('PRAGMA incremental_vacuum');
    }
  }
  if (dropped > 0) {
    writer.db.exec('PRAGMA incremental_vacuum');
    writer.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  }
  return dropped;
}
