/**
 * A date histogram on @timestamp over "full-text match + time range" without visiting every match's row.
 * Rows are numbered in arrival order and each bulk's rows form a block whose lowest and highest
 * @timestamp are kept (writer.ts#writeBlock). A block whose times all fall into one bucket and inside the
 * range contributes the number of full-text matches among its row numbers, which FTS5 counts off its
 * index (a rowid range of the match, no row read); only the blocks that straddle a bucket boundary or the
 * range's ends have their matches' times looked up.
 *
 * Exact only while every full-text entry of the partition belongs to a live row: full-text entries of
 * deleted rows stay (partitions.ts), so a partition with any removed row takes the ordinary path.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { Query } from '../query/ast.ts';
import { blocksTable, rowsTable } from '../catalog.ts';
import { compileQuery, type Fragment, type PartitionContext } from '../query/compile.ts';
import { timeOnlyRange, type Bound, type TimeRange } from '../query/time-range.ts';
import type { ScopePart } from './scope.ts';

export interface FtsDriven {
  /** The partition's full-text table and the MATCH expression. */
  readonly table: string;
  readonly match: string;
  /** The rest of the search's condition: a time range. */
  readonly range: TimeRange;
}

const FTS_ONLY = /^f\.r IN \(SELECT rowid FROM (p\d+_x\d*) WHERE \1 MATCH \?\)$/;

/**
 * Recognises a search whose condition is one full-text match and @timestamp ranges. `extra` are the
 * inclusive `ts` bounds search.ts put in front of the compiled query, if it did.
 */
export function ftsDriven(q: Query, ctx: PartitionContext, extra: { min?: number; max?: number }): FtsDriven | undefined {
  let clauses: Query[];
  if (q.t === 'bool') {
    if (q.should.length > 0 || q.mustNot.length > 0) return undefined;
    clauses = [...q.must, ...q.filter];
  } else clauses = [q];
  const text = clauses.filter((c) => !(c.t === 'range' && c.field === '@timestamp'));
  if (text.length !== 1) return undefined;
  const compiled = compileQuery(text[0]!, ctx);
  const m = FTS_ONLY.exec(compiled.sql);
  if (m === null || compiled.params.length !== 1 || typeof compiled.params[0] !== 'string') return undefined;
  const timeClauses = clauses.filter((c) => c !== text[0]);
  let range = timeOnlyRange({ t: 'bool', must: [], filter: timeClauses, should: [], mustNot: [], msm: undefined }, ctx);
  if (range === undefined) return undefined;
  const lo = extra.min === undefined ? range.lo : tighter(range.lo, { at: extra.min, strict: false }, 1);
  const hi = extra.max === undefined ? range.hi : tighter(range.hi, { at: extra.max, strict: false }, -1);
  range = { ...(lo !== undefined ? { lo } : {}), ...(hi !== undefined ? { hi } : {}), requiresTimestamp: true };
  return { table: m[1]!, match: compiled.params[0], range };
}

function tighter(a: Bound | undefined, b: Bound, sign: 1 | -1): Bound {
  if (a === undefined) return b;
  if (a.at !== b.at) return (a.at - b.at) * sign > 0 ? a : b;
  return a.strict ? a : b;
}

function satisfies(ts: number, range: TimeRange): boolean {
  const { lo, hi } = range;
  if (lo !== undefined && (lo.strict ? ts <= lo.at : ts < lo.at)) return false;
  if (hi !== undefined && (hi.strict ? ts >= hi.at : ts > hi.at)) return false;
  return true;
}

function rangeSql(range: TimeRange): Fragment {
  const conds = ['f.ts IS NOT NULL'];
  const params: number[] = [];
  if (range.lo !== undefined) { conds.push(`f.ts ${range.lo.strict ? '>' : '>='} ?`); params.push(range.lo.at); }
  if (range.hi !== undefined) { conds.push(`f.ts ${range.hi.strict ? '<' : '<='} ?`); params.push(range.hi.at); }
  return { sql: conds.join(' AND '), params };
}

interface Block { lo: number; hi: number; min_ts: number | null; max_ts: number | null; irregular: number; kmin: number | null; kmax: number | null }

/** Bucket key → matches, or undefined when this partition must take the ordinary path. */
export function ftsHistogramCounts(db: DatabaseSync, part: ScopePart, bucket: (expr: string) => Fragment): Map<number, number> | undefined {
  const driven = part.ftsDriven;
  if (driven === undefined) return undefined;
  const partId = part.ctx.part.id;
  const removed = db.prepare('SELECT removed FROM partitions WHERE id = ?').get(partId) as { removed: number } | undefined;
  if (removed === undefined || removed.removed !== 0) return undefined;
  const kmin = bucket('min_ts');
  const kmax = bucket('max_ts');
  const blocks = db.prepare(`SELECT lo, hi, min_ts, max_ts, irregular, ${kmin.sql} AS kmin, ${kmax.sql} AS kmax FROM ${blocksTable(partId)} ORDER BY lo`)
    .all(...kmin.params, ...kmax.params) as unknown as Block[];
  // Runs of consecutive blocks: whole ones with their bucket, or ones whose matches are looked up.
  const runs: Array<{ lo: number; hi: number; key: number | undefined }> = [];
  for (const b of blocks) {
    if (b.min_ts === null || b.max_ts === null) continue; // no row with a time: nothing to count
    // A block is whole when every row has a whole-millisecond time in one bucket (bucket starts grow with time).
    const outside = (range: TimeRange): boolean => {
      const { lo, hi } = range;
      return (lo !== undefined && (lo.strict ? b.max_ts! <= lo.at : b.max_ts! < lo.at)) || (hi !== undefined && (hi.strict ? b.min_ts! >= hi.at : b.min_ts! > hi.at));
    };
    if (outside(driven.range)) continue;
    const whole = b.irregular === 0 && b.kmin !== null && b.kmin === b.kmax && satisfies(b.min_ts, driven.range) && satisfies(b.max_ts, driven.range);
    const key = whole ? b.kmin! : undefined;
    const previous = runs[runs.length - 1];
    if (previous !== undefined && previous.key === key && previous.hi < b.lo) previous.hi = b.hi;
    else runs.push({ lo: b.lo, hi: b.hi, key });
  }
  const counts = new Map<number, number>();
  const add = (key: number, n: number): void => {
    if (n > 0) counts.set(key, (counts.get(key) ?? 0) + n);
  };
  // Row bounds as BigInt: node:sqlite binds numbers as REAL, and FTS5 ignores a rowid bound that is not an INTEGER.
  const countMatches = db.prepare(`SELECT count(*) AS n FROM ${driven.table} WHERE ${driven.table} MATCH ? AND rowid BETWEEN ? AND ?`);
  const k = bucket('f.ts');
  const time = rangeSql(driven.range);
  const lookUp = db.prepare(`SELECT ${k.sql} AS k, count(*) AS n FROM (SELECT rowid AS r FROM ${driven.table} WHERE ${driven.table} MATCH ? AND rowid BETWEEN ? AND ?) x JOIN ${rowsTable(partId)} f ON f.r = x.r WHERE ${time.sql} GROUP BY 1`);
  for (const run of runs) {
    if (run.key !== undefined) {
      add(run.key, (countMatches.get(driven.match, BigInt(run.lo), BigInt(run.hi)) as { n: number }).n);
      continue;
    }
    for (const row of lookUp.all(...k.params, driven.match, BigInt(run.lo), BigInt(run.hi), ...time.params) as unknown as Array<{ k: number; n: number }>) add(Number(row.k), row.n);
  }
  return counts;
}
