/**
 * Rollups: per partition, for each keyword-like column, the number of live rows per 10-minute bucket of
 * `ts` and value, in `p<N>_v (col, b, v, n)`. A terms aggregation over a plain time range sums the
 * buckets the range covers whole and reads rows only for the two partly covered ends
 * (aggregations/rollup-terms.ts), instead of grouping every row of the range.
 *
 * A (partition, column) pair is listed in the `rollups` table only while its counts are exact: from the
 * partition's creation, or from the moment the column was added (all rows NULL then). Counts move in the
 * same transaction as the rows (insert +1, delete/overwrite −1), aggregated in memory per bulk and written
 * once per distinct (column, bucket, value) before COMMIT.
 *
 * A column whose values are nearly all distinct (offsets, client addresses, full URLs) gains nothing from a
 * rollup and costs a row per document, so a pair whose rollup holds more than a quarter as many rows as it
 * counts documents (checked after 4 000 documents, then each time the count doubles) is dropped from
 * `rollups` for that partition: terms on it read the rows as before.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { rollupTable } from './catalog.ts';

export const ROLLUP_BUCKET_MS = 600_000;
/** The bucket of rows without @timestamp (below every real bucket). */
export const NO_TIMESTAMP_BUCKET = -1e15;

const FIRST_CHECK_DOCS = 4_000;
const MAX_ROWS_PER_DOC = 0.25;
const UPSERT_BATCH = 64;

export function bucketOf(ts: number | null): number {
  return ts === null ? NO_TIMESTAMP_BUCKET : Math.floor(ts / ROLLUP_BUCKET_MS);
}

type Value = string | number;

export interface ColumnCounts {
  /** The bucket most documents of a bulk fall into, kept apart to skip one Map lookup per value. */
  lastBucket: number;
  last: Map<Value, number>;
  readonly buckets: Map<number, Map<Value, number>>;
  /**
   * A run of one value in `lastBucket` not yet added to `last`. Why: most columns repeat their value from one
   * document to the next (a data stream's names, the host, the pod, the method), and comparing with the
   * previous value is cheaper than a Map lookup and update per value.
   */
  runValue: Value | undefined;
  runDelta: number;
  docs: number;
}

interface GuardState {
  sinceCheck: number;
  nextCheck: number;
}

export class RollupWriter {
  readonly #db: DatabaseSync;
  /** Partition → columns with exact rollups (loaded on first use). */
  readonly #enabled = new Map<number, Set<number>>();
  /** Partition → counts of this bulk, indexed by column number. */
  readonly #pending = new Map<number, Array<ColumnCounts | undefined>>();
  readonly #guard = new Map<string, GuardState>();
  readonly #upserts = new Map<string, StatementSync>();
  /** Moves whenever a partition's enabled set changes, so callers can cache what they derived from it. */
  version = 0;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  enabledColumns(part: number): ReadonlySet<number> {
    let cols = this.#enabled.get(part);
    if (cols === undefined) {
      const rows = this.#db.prepare('SELECT col FROM rollups WHERE part = ?').all(part) as unknown as Array<{ col: number }>;
      cols = new Set(rows.map((r) => r.col));
      this.#enabled.set(part, cols);
    }
    return cols;
  }

  /** Starts exact counting of columns whose rows in the partition are all NULL (a new partition or column). */
  enable(part: number, cols: readonly number[]): void {
    if (cols.length === 0) return;
    const insert = this.#db.prepare('INSERT OR IGNORE INTO rollups (part, col) VALUES (?, ?)');
    const set = this.enabledColumns(part) as Set<number>;
    for (const col of cols) {
      insert.run(part, col);
      set.add(col);
    }
    this.version++;
  }

  /** The bulk's counts of a partition, for `countValue` (one lookup per document rather than per value). */
  pendingFor(part: number): Array<ColumnCounts | undefined> {
    let columns = this.#pending.get(part);
    if (columns === undefined) {
      columns = [];
      this.#pending.set(part, columns);
    }
    return columns;
  }

  /** Writes the bulk's counts (inside its transaction), then drops rollups that hold too many rows. */
  flush(): void {
    for (const [part, columns] of this.#pending) {
      const rows: SQLInputValue[] = [];
      columns.forEach((counts, col) => {
        if (counts === undefined) return;
        endRun(counts);
        for (const [bucket, values] of counts.buckets) {
          for (const [value, delta] of values) if (delta !== 0) rows.push(col, bucket, value, delta);
        }
      });
      this.#upsertRows(part, rows);
      columns.forEach((counts, col) => {
        if (counts !== undefined) this.#checkSize(part, col, counts.docs);
      });
    }
    this.#pending.clear();
  }

  /** Forgets unwritten counts and cached state after a rolled-back transaction. */
  discard(): void {
    this.#pending.clear();
    this.#enabled.clear();
    this.#guard.clear();
    this.#upserts.clear();
    this.version++;
  }

  dropPartition(part: number): void {
    this.#pending.delete(part);
    this.#enabled.delete(part);
    this.#upserts.clear();
    this.version++;
  }

  /** `rows` holds 4 values per row; UPSERT_BATCH rows per statement while there are that many (measured: 0.6 → 0.4 µs/doc), then one. */
  #upsertRows(part: number, rows: SQLInputValue[]): void {
    const width = 4;
    for (let at = 0; at < rows.length;) {
      const batch = rows.length - at >= UPSERT_BATCH * width ? UPSERT_BATCH : 1;
      this.#upsert(part, batch).run(...rows.slice(at, at + batch * width));
      at += batch * width;
    }
  }

  #upsert(part: number, rows: number): StatementSync {
    const key = `${part}:${rows}`;
    let stmt = this.#upserts.get(key);
    if (stmt === undefined) {
      const values = new Array<string>(rows).fill('(?, ?, ?, ?)').join(', ');
      stmt = this.#db.prepare(`INSERT INTO ${rollupTable(part)} (col, b, v, n) VALUES ${values} ON CONFLICT (col, v, b) DO UPDATE SET n = n + excluded.n`);
      this.#upserts.set(key, stmt);
    }
    return stmt;
  }

  #checkSize(part: number, col: number, docs: number): void {
    const key = `${part}:${col}`;
    let guard = this.#guard.get(key);
    if (guard === undefined) {
      guard = { sinceCheck: 0, nextCheck: FIRST_CHECK_DOCS };
      this.#guard.set(key, guard);
    }
    guard.sinceCheck += docs;
    if (guard.sinceCheck < guard.nextCheck) return;
    const size = this.#db.prepare(`SELECT count(*) AS rows, total(n) AS docs FROM ${rollupTable(part)} WHERE col = ?`).get(col) as { rows: number; docs: number };
    guard.sinceCheck = 0;
    guard.nextCheck = Math.max(FIRST_CHECK_DOCS, size.docs);
    if (size.docs < FIRST_CHECK_DOCS || size.rows <= size.docs * MAX_ROWS_PER_DOC) return;
    this.#db.prepare('DELETE FROM rollups WHERE part = ? AND col = ?').run(part, col);
    this.#db.prepare(`DELETE FROM ${rollupTable(part)} WHERE col = ?`).run(col);
    (this.enabledColumns(part) as Set<number>).delete(col);
    this.version++;
  }
}

/** Counts one value of a row in a partition's pending counts (delta +1 for an insert, −1 for a removal). */
export function countValue(columns: Array<ColumnCounts | undefined>, col: number, bucket: number, value: Value, delta: number): void {
  let counts = columns[col];
  if (counts === undefined) {
    counts = { lastBucket: bucket, last: new Map(), buckets: new Map(), runValue: undefined, runDelta: 0, docs: 0 };
    counts.buckets.set(bucket, counts.last);
    columns[col] = counts;
  }
  if (delta > 0) counts.docs++;
  if (counts.lastBucket === bucket && counts.runValue === value) {
    counts.runDelta += delta;
    return;
  }
  endRun(counts);
  if (counts.lastBucket !== bucket) {
    let values = counts.buckets.get(bucket);
    if (values === undefined) {
      values = new Map<Value, number>();
      counts.buckets.set(bucket, values);
    }
    counts.lastBucket = bucket;
    counts.last = values;
  }
  counts.runValue = value;
  counts.runDelta = delta;
}

/** Adds the pending run of a column's counts to its bucket's values. */
function endRun(counts: ColumnCounts): void {
  const value = counts.runValue;
  if (value === undefined) return;
  counts.last.set(value, (counts.last.get(value) ?? 0) + counts.runDelta);
  counts.runValue = undefined;
  counts.runDelta = 0;
}
