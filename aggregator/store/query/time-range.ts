/**
 * Recognises a query that selects documents by @timestamp alone (`match_all`, a `range` on `@timestamp`,
 * or a `bool` of only those as must/filter clauses) and gives the time interval it selects, with the same
 * date math as the SQL compiler (compile.ts, rangeOnLeaf). Such a query lets a terms aggregation read
 * time-bucketed counts (aggregations/rollup-terms.ts) instead of rows.
 */
import type { PartitionContext } from './compile.ts';
import { evaluateDateMath } from '../datemath.ts';
import { normalizeZone } from '../dates.ts';
import type { Query } from './ast.ts';

export interface Bound {
  readonly at: number;
  /** `>` / `<` rather than `>=` / `<=`. */
  readonly strict: boolean;
}

/** The documents a time-only query selects: those whose `ts` is within the bounds (non-NULL when any bound or `exists` applies). */
export interface TimeRange {
  readonly lo?: Bound;
  readonly hi?: Bound;
  /** True when documents without @timestamp are excluded (any range clause does that). */
  readonly requiresTimestamp: boolean;
}

const ALL: TimeRange = { requiresTimestamp: false };

function tighterLow(a: Bound | undefined, b: Bound | undefined): Bound | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (a.at !== b.at) return a.at > b.at ? a : b;
  return a.strict ? a : b;
}

function tighterHigh(a: Bound | undefined, b: Bound | undefined): Bound | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (a.at !== b.at) return a.at < b.at ? a : b;
  return a.strict ? a : b;
}

function intersect(a: TimeRange, b: TimeRange): TimeRange {
  const lo = tighterLow(a.lo, b.lo);
  const hi = tighterHigh(a.hi, b.hi);
  return { ...(lo !== undefined ? { lo } : {}), ...(hi !== undefined ? { hi } : {}), requiresTimestamp: a.requiresTimestamp || b.requiresTimestamp };
}

/** The interval a query selects in a partition, or undefined when it tests anything but @timestamp. */
export function timeOnlyRange(q: Query, ctx: PartitionContext): TimeRange | undefined {
  const leaf = ctx.index.fields.get('@timestamp');
  if (leaf === undefined || leaf.kind !== 'date' || leaf.multi) return undefined;
  const visit = (node: Query): TimeRange | undefined => {
    if (node.t === 'all') return ALL;
    if (node.t === 'bool') {
      if (node.should.length > 0 || node.mustNot.length > 0) return undefined;
      let range = ALL;
      for (const clause of [...node.must, ...node.filter]) {
        const inner = visit(clause);
        if (inner === undefined) return undefined;
        range = intersect(range, inner);
      }
      return range;
    }
    if (node.t !== 'range' || node.field !== '@timestamp') return undefined;
    const zone = normalizeZone(node.zone);
    const format = node.format ?? leaf.format;
    const at = (raw: unknown, rounding: 'up' | 'down'): number | undefined => evaluateDateMath(raw, { now: ctx.now, zone, rounding, format });
    let range: TimeRange = { requiresTimestamp: true };
    for (const [op, strict, rounding, side] of [['gt', true, 'up', 'lo'], ['gte', false, 'down', 'lo'], ['lt', true, 'down', 'hi'], ['lte', false, 'up', 'hi']] as const) {
      const raw = node[op];
      if (raw === undefined) continue;
      const value = at(raw, rounding);
      if (value === undefined || Number.isNaN(value)) return undefined; // the compiler's error or no match: not ours to decide
      range = intersect(range, side === 'lo' ? { lo: { at: value, strict }, requiresTimestamp: true } : { hi: { at: value, strict }, requiresTimestamp: true });
    }
    return range;
  };
  return visit(q);
}

/** Adds the inclusive `ts` bounds search.ts puts in front of the compiled query (they may be stricter for fractional times). */
export function withInclusiveBounds(range: TimeRange, min: number, max: number): TimeRange {
  return intersect(range, {
    ...(Number.isFinite(min) ? { lo: { at: min, strict: false } } : {}),
    ...(Number.isFinite(max) ? { hi: { at: max, strict: false } } : {}),
    requiresTimestamp: range.requiresTimestamp || Number.isFinite(min) || Number.isFinite(max),
  });
}
