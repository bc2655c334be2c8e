/**
 * Value counts of one field in one partition read off its rollup (rollup.ts) when the search selects by
 * @timestamp alone: the 10-minute buckets the time range covers whole are summed from `p<N>_v`; only the
 * rows before the first and after the last whole bucket are grouped from the fields table, with the
 * search's own condition. The result is exactly what grouping every selected row gives.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { Leaf } from '../catalog.ts';
import { rollupTable } from '../catalog.ts';
import { NO_TIMESTAMP_BUCKET, ROLLUP_BUCKET_MS } from '../rollup.ts';
import { valueSource, type ScopePart } from './scope.ts';

export interface ValueCount {
  readonly k: string | number;
  readonly n: number;
}

const LAST_BUCKET = Number.MAX_SAFE_INTEGER;

/** Counts per value, or undefined when the rollup cannot answer (then the caller groups the rows). */
export function rollupCounts(db: DatabaseSync, part: ScopePart, leaf: Leaf): ValueCount[] | undefined {
  const range = part.timeRange;
  if (range === undefined || leaf.kind === 'text' || leaf.multi || leaf.path === '@timestamp') return undefined;
  const partId = part.ctx.part.id;
  if (db.prepare('SELECT 1 FROM rollups WHERE part = ? AND col = ?').get(partId, leaf.col) === undefined) return undefined;
  const { lo, hi } = range;
  // Whole buckets: every time in [b * B, (b + 1) * B) satisfies the bounds.
  let first: number;
  if (lo === undefined) first = range.requiresTimestamp ? NO_TIMESTAMP_BUCKET + 1 : NO_TIMESTAMP_BUCKET;
  else first = lo.strict ? Math.floor(lo.at / ROLLUP_BUCKET_MS) + 1 : Math.ceil(lo.at / ROLLUP_BUCKET_MS);
  const last = hi === undefined ? LAST_BUCKET : Math.floor(hi.at / ROLLUP_BUCKET_MS) - 1;
  if (first > last) return undefined;
  const out = db.prepare(`SELECT v AS k, sum(n) AS n FROM ${rollupTable(partId)} WHERE col = ? AND b BETWEEN ? AND ? GROUP BY v HAVING sum(n) > 0`)
    .all(leaf.col, first, last) as unknown as ValueCount[];
  const { from, value } = valueSource(part.ctx, leaf, part.where.sql);
  const edge = (condition: string, at: number): void => {
    const sql = `SELECT ${value} AS k, count(*) AS n FROM ${from} WHERE (${part.where.sql}) AND ${condition} AND ${value} IS NOT NULL GROUP BY k`;
    out.push(...(db.prepare(sql).all(...part.where.params, at) as unknown as ValueCount[]));
  };
  if (lo !== undefined) edge('f.ts < ?', first * ROLLUP_BUCKET_MS);
  if (hi !== undefined) edge('f.ts >= ?', (last + 1) * ROLLUP_BUCKET_MS);
  return out;
}
