/**
 * The set of documents an aggregation runs over: for each partition, its context and the SQL condition
 * (the query, narrowed by enclosing buckets). Bucket aggregations narrow the scope for their
 * sub-aggregations; metric aggregations read values from it.
 */
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { Leaf } from '../catalog.ts';
import { columnExpr, rowTableFor, type Fragment, type PartitionContext } from '../query/compile.ts';
import type { TimeRange } from '../query/time-range.ts';
import type { FtsDriven } from './fts-histogram.ts';
import { EsError } from '../types.ts';

export interface ScopePart {
  readonly ctx: PartitionContext;
  readonly where: Fragment;
  /** Set when `where` selects by @timestamp alone (the search's query, not narrowed by a bucket). */
  readonly timeRange?: TimeRange;
  /** Set when `where` is one full-text match and a time range (the search's query, not narrowed). */
  readonly ftsDriven?: FtsDriven;
}

export class Scope {
  readonly db: DatabaseSync;
  readonly parts: readonly ScopePart[];
  readonly now: number;
  constructor(db: DatabaseSync, parts: readonly ScopePart[], now: number) {
    this.db = db;
    this.parts = parts;
    this.now = now;
  }

  narrow(extra: (ctx: PartitionContext) => Fragment | undefined): Scope {
    const parts: ScopePart[] = [];
    for (const p of this.parts) {
      const f = extra(p.ctx);
      if (f === undefined || f.sql === '0') continue;
      parts.push({ ctx: p.ctx, where: f.sql === '1' ? p.where : { sql: `(${p.where.sql}) AND (${f.sql})`, params: [...p.where.params, ...f.params] } });
    }
    return new Scope(this.db, parts, this.now);
  }

  count(): number {
    let total = 0;
    for (const p of this.parts) {
      const row = this.db.prepare(`SELECT count(*) AS n FROM ${rowTableFor(p.ctx, p.where.sql)} f WHERE ${p.where.sql}`).get(...p.where.params) as { n: number };
      total += row.n;
    }
    return total;
  }

  /** Runs `select` (over value expression `v` of the field) per partition where the field is mapped. */
  perPartition<T>(field: string, select: (v: string, leaf: Leaf) => string, extraParams: SQLInputValue[] = [], opts: { allowText?: boolean } = {}): Array<{ leaf: Leaf; rows: T[] }> {
    const out: Array<{ leaf: Leaf; rows: T[] }> = [];
    for (const p of this.parts) {
      const leaf = p.ctx.index.fields.get(field);
      if (leaf === undefined) continue;
      if (leaf.kind === 'text' && opts.allowText !== true) throw fielddataError(field);
      const { from, value } = valueSource(p.ctx, leaf, p.where.sql);
      const sql = `SELECT ${select(value, leaf)} FROM ${from} WHERE (${p.where.sql}) AND ${value} IS NOT NULL`;
      out.push({ leaf, rows: this.db.prepare(sql).all(...extraParams, ...p.where.params) as unknown as T[] });
    }
    return out;
  }

  /** The first leaf any partition maps for the field (for types and formats). */
  leafOf(field: string): Leaf | undefined {
    for (const p of this.parts) {
      const leaf = p.ctx.index.fields.get(field);
      if (leaf !== undefined) return leaf;
    }
    return undefined;
  }
}

/** FROM clause and value expression (over rows selected by `where`); multi-valued fields are expanded to one row per value. */
export function valueSource(ctx: PartitionContext, leaf: Leaf, where: string): { from: string; value: string } {
  const col = columnExpr(leaf);
  const table = `${rowTableFor(ctx, where, col)} f`;
  if (!leaf.multi) return { from: table, value: col };
  return { from: `${table}, json_each(CASE WHEN typeof(${col}) = 'blob' THEN CAST(${col} AS TEXT) ELSE json_array(${col}) END) j`, value: 'j.value' };
}

export function fielddataError(field: string): EsError {
  return new EsError(400, 'illegal_argument_exception', `Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [${field}] in order to load field data by uninverting the inverted index. Note that this can use significant memory.`);
}
