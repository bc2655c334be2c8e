/**
 * Aggregations: parsing the request's `aggs` and computing each one over a Scope, in Elasticsearch's
 * response shapes. Metrics run as SQL aggregates per partition and are merged here; bucket aggregations
 * group per partition, merge, then compute their sub-aggregations over the narrowed scope of each
 * bucket. Anything not implemented is refused by name with a 400.
 */
import type { SQLInputValue } from 'node:sqlite';
import type { Leaf } from '../catalog.ts';
import { formatDateAs, normalizeZone, parseDateValue } from '../dates.ts';
import { evaluateDateMath } from '../datemath.ts';
import { parseQuery } from '../query/ast.ts';
import { compileQuery, negate, onValues, userRegExp, type Fragment } from '../query/compile.ts';
import { EsError, type JsonObject } from '../types.ts';
import { bucketSql, nextStart, parseCalendarInterval, parseFixedInterval, parseOffset, startOf, type BucketSpec } from './date-buckets.ts';
import { fielddataError, valueSource, type Scope } from './scope.ts';
import { rollupCounts, type ValueCount } from './rollup-terms.ts';
import { ftsHistogramCounts } from './fts-histogram.ts';

export interface AggNode {
  readonly name: string;
  readonly type: string;
  readonly spec: JsonObject;
  readonly subs: AggNode[];
}

const METRICS = ['min', 'max', 'avg', 'sum', 'value_count', 'stats', 'extended_stats', 'cardinality', 'percentiles'];
const BUCKETS = ['terms', 'date_histogram', 'histogram', 'filter', 'filters', 'missing', 'range', 'date_range'];
const MAX_BUCKETS = 65_536;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseAggs(input: unknown): AggNode[] {
  if (input === undefined || input === null) return [];
  if (!isObject(input)) throw new EsError(400, 'parsing_exception', 'Aggregation definition must be an object');
  return Object.entries(input).map(([name, def]) => {
    if (!isObject(def)) throw new EsError(400, 'parsing_exception', `Expected [START_OBJECT] under [${name}], but got a [VALUE_STRING] in [${name}]`);
    const subsDef = def.aggs ?? def.aggregations;
    const types = Object.keys(def).filter((k) => k !== 'aggs' && k !== 'aggregations' && k !== 'meta');
    if (types.length !== 1) throw new EsError(400, 'parsing_exception', `Expected exactly one aggregation type in [${name}], found [${types.join(', ')}]`);
    const type = types[0]!;
    if (!METRICS.includes(type) && !BUCKETS.includes(type)) {
      throw new EsError(400, 'illegal_argument_exception', `logship does not support aggregation [${type}]`);
    }
    const spec = def[type];
    if (!isObject(spec)) throw new EsError(400, 'parsing_exception', `[${type}] aggregation [${name}] must be an object`);
    if (spec.script !== undefined) throw new EsError(400, 'illegal_argument_exception', `logship does not support scripts in aggregation [${name}]`);
    const subs = parseAggs(subsDef);
    if (subs.length > 0 && METRICS.includes(type)) throw new EsError(400, 'aggregation_initialization_exception', `Aggregator [${name}] of type [${type}] cannot accept sub-aggregations`);
    return { name, type, spec, subs };
  });
}

export function runAggs(nodes: readonly AggNode[], scope: Scope): JsonObject {
  const out: JsonObject = {};
  for (const node of nodes) out[node.name] = runAgg(node, scope);
  return out;
}

function fieldOf(node: AggNode): string {
  const field = node.spec.field;
  if (typeof field !== 'string') throw new EsError(400, 'illegal_argument_exception', `Required [field] is missing for aggregation [${node.name}]`);
  return field;
}

function runAgg(node: AggNode, scope: Scope): JsonObject {
  switch (node.type) {
    case 'min': case 'max': case 'avg': case 'sum': case 'value_count': case 'stats': case 'extended_stats':
      return numericMetric(node, scope);
    case 'cardinality': return cardinality(node, scope);
    case 'percentiles': return percentiles(node, scope);
    case 'terms': return terms(node, scope);
    case 'date_histogram': return dateHistogram(node, scope);
    case 'histogram': return histogram(node, scope);
    case 'filter': {
      const q = parseQuery(node.spec);
      const narrowed = scope.narrow((ctx) => compileQuery(q, ctx));
      return { doc_count: narrowed.count(), ...runAggs(node.subs, narrowed) };
    }
    case 'filters': return filters(node, scope);
    case 'missing': {
      const field = fieldOf(node);
      const narrowed = scope.narrow((ctx) => {
        const leaf = ctx.index.fields.get(field);
        return leaf === undefined ? { sql: '1', params: [] } : { sql: `NOT ${onValues(leaf, (x) => ({ sql: `${x} IS NOT NULL`, params: [] })).sql}`, params: [] };
      });
      return { doc_count: narrowed.count(), ...runAggs(node.subs, narrowed) };
    }
    case 'range': case 'date_range': return ranges(node, scope);
    default: throw new EsError(400, 'illegal_argument_exception', `logship does not support aggregation [${node.type}]`);
  }
}

function valueAsString(leaf: Leaf | undefined, value: number, format?: string): JsonObject {
  if (leaf?.kind === 'date') return { value_as_string: formatDateAs(value, format) };
  return {};
}

function numericMetric(node: AggNode, scope: Scope): JsonObject {
  const field = fieldOf(node);
  let count = 0; let sum = 0; let sumSq = 0; let min = Infinity; let max = -Infinity;
  const parts = scope.perPartition<{ n: number; s: number | null; q: number | null; lo: number | null; hi: number | null }>(
    field, (v) => `count(${v}) AS n, sum(${v}) AS s, sum(${v} * ${v}) AS q, min(${v}) AS lo, max(${v}) AS hi`,
  );
  let leaf: Leaf | undefined;
  for (const { leaf: l, rows } of parts) {
    leaf = l;
    if ((l.kind === 'keyword' || l.kind === 'ip') && node.type !== 'value_count') {
      throw new EsError(400, 'illegal_argument_exception', `Field [${field}] of type [${l.esType}] is not supported for aggregation [${node.type}]`);
    }
    const row = rows[0];
    if (row === undefined || row.n === 0) continue;
    count += row.n; sum += row.s ?? 0; sumSq += row.q ?? 0;
    min = Math.min(min, Number(row.lo)); max = Math.max(max, Number(row.hi));
  }
  if (node.spec.missing !== undefined && typeof node.spec.missing === 'number') {
    const missingDocs = scope.count() - countDocsWithValue(scope, field);
    for (let i = 0; i < missingDocs; i++) {
      count++; sum += node.spec.missing; sumSq += node.spec.missing ** 2;
      min = Math.min(min, node.spec.missing); max = Math.max(max, node.spec.missing);
    }
  }
  const format = typeof node.spec.format === 'string' ? node.spec.format : undefined;
  const single = (value: number | null): JsonObject => (value === null ? { value: null } : { value, ...valueAsString(leaf, value, format) });
  switch (node.type) {
    case 'min': return single(count === 0 ? null : min);
    case 'max': return single(count === 0 ? null : max);
    case 'avg': return { value: count === 0 ? null : sum / count };
    case 'sum': return { value: sum };
    case 'value_count': return { value: count };
    default: {
      const stats: JsonObject = { count, min: count === 0 ? null : min, max: count === 0 ? null : max, avg: count === 0 ? null : sum / count, sum };
      if (leaf?.kind === 'date' && count > 0) Object.assign(stats, { min_as_string: formatDateAs(min, format), max_as_string: formatDateAs(max, format) });
      if (node.type === 'extended_stats') {
        const variance = count === 0 ? null : Math.max(0, sumSq / count - (sum / count) ** 2);
        Object.assign(stats, {
          sum_of_squares: count === 0 ? null : sumSq, variance, variance_population: variance, variance_sampling: count > 1 && variance !== null ? (variance * count) / (count - 1) : null,
          std_deviation: variance === null ? null : Math.sqrt(variance), std_deviation_population: variance === null ? null : Math.sqrt(variance),
        });
      }
      return stats;
    }
  }
}

function countDocsWithValue(scope: Scope, field: string): number {
  return scope.narrow((ctx) => {
    const leaf = ctx.index.fields.get(field);
    return leaf === undefined ? { sql: '0', params: [] } : onValues(leaf, (x) => ({ sql: `${x} IS NOT NULL`, params: [] }));
  }).count();
}

function groupedDistribution(scope: Scope, field: string): { leaf: Leaf | undefined; counts: Map<string | number, number> } {
  const counts = new Map<string | number, number>();
  let leaf: Leaf | undefined;
  for (const p of scope.parts) {
    const l = p.ctx.index.fields.get(field);
    if (l === undefined) continue;
    if (l.kind === 'text') throw fielddataError(field);
    leaf = l;
    let rows = rollupCounts(scope.db, p, l);
    if (rows === undefined) {
      const { from, value } = valueSource(p.ctx, l, p.where.sql);
      rows = scope.db.prepare(`SELECT ${value} AS k, count(*) AS n FROM ${from} WHERE (${p.where.sql}) AND ${value} IS NOT NULL GROUP BY k`).all(...p.where.params) as unknown as ValueCount[];
    }
    for (const row of rows) counts.set(row.k, (counts.get(row.k) ?? 0) + row.n);
  }
  return { leaf, counts };
}

function cardinality(node: AggNode, scope: Scope): JsonObject {
  return { value: groupedDistribution(scope, fieldOf(node)).counts.size };
}

function percentiles(node: AggNode, scope: Scope): JsonObject {
  const { leaf, counts } = groupedDistribution(scope, fieldOf(node));
  const percents = Array.isArray(node.spec.percents) ? node.spec.percents.map(Number) : [1, 5, 25, 50, 75, 95, 99];
  const sorted = [...counts.entries()].map(([k, n]) => [Number(k), n] as const).sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((s, [, n]) => s + n, 0);
  const valueAt = (rank: number): number => {
    let seen = 0;
    for (const [v, n] of sorted) {
      seen += n;
      if (rank < seen) return v;
    }
    return sorted[sorted.length - 1]![0];
  };
  const estimate = (p: number): number | null => {
    if (total === 0) return null;
    // Like ES's t-digest on small sets: each value a centroid at i + 0.5, interpolated linearly.
    const pos = Math.min(Math.max((p / 100) * total - 0.5, 0), total - 1);
    const lo = Math.floor(pos);
    const a = valueAt(lo);
    const b = valueAt(Math.min(lo + 1, total - 1));
    return a + (b - a) * (pos - lo);
  };
  const keyOf = (p: number): string => (Number.isInteger(p) ? p.toFixed(1) : String(p));
  if (node.spec.keyed === false) {
    return { values: percents.map((p) => { const v = estimate(p); return { key: p, value: v, ...(v !== null && leaf?.kind === 'date' ? { value_as_string: formatDateAs(v, undefined) } : {}) }; }) };
  }
  const values: JsonObject = {};
  for (const p of percents) {
    const v = estimate(p);
    values[keyOf(p)] = v;
    if (v !== null && leaf?.kind === 'date') values[`${keyOf(p)}_as_string`] = formatDateAs(v, undefined);
  }
  return { values };
}

type Key = string | number;

function renderKey(leaf: Leaf | undefined, key: Key, format?: string, zone = 'UTC'): JsonObject {
  if (leaf?.kind === 'boolean') return { key: Number(key), key_as_string: Number(key) === 1 ? 'true' : 'false' };
  if (leaf?.kind === 'date') return { key: Number(key), key_as_string: formatDateAs(Number(key), format, zone) };
  return { key };
}

function termsKeyCondition(field: string, key: Key | null): (ctx: Parameters<Parameters<Scope['narrow']>[0]>[0]) => Fragment | undefined {
  return (ctx) => {
    const leaf = ctx.index.fields.get(field);
    if (leaf === undefined) return key === null ? { sql: '1', params: [] } : undefined;
    if (key === null) return { sql: `NOT ${onValues(leaf, (x) => ({ sql: `${x} IS NOT NULL`, params: [] })).sql}`, params: [] };
    return onValues(leaf, (x) => ({ sql: `${x} = ?`, params: [key as SQLInputValue] }));
  };
}

function keyFilter(spec: JsonObject): (key: Key) => boolean {
  const test = (rule: unknown): ((key: Key) => boolean) | undefined => {
    if (typeof rule === 'string') {
      const re = userRegExp(rule);
      return (k) => re.test(String(k));
    }
    if (Array.isArray(rule)) {
      const set = new Set(rule.map(String));
      return (k) => set.has(String(k));
    }
    return undefined;
  };
  const include = test(spec.include);
  const exclude = test(spec.exclude);
  return (k) => (include === undefined || include(k)) && (exclude === undefined || !exclude(k));
}

function orderOf(spec: JsonObject, defaultOrder: Array<[string, 'asc' | 'desc']>): Array<[string, 'asc' | 'desc']> {
  const raw = spec.order;
  if (raw === undefined) return defaultOrder;
  const list = Array.isArray(raw) ? raw : [raw];
  const out: Array<[string, 'asc' | 'desc']> = [];
  for (const entry of list) {
    if (!isObject(entry)) continue;
    for (const [k, v] of Object.entries(entry)) out.push([k === '_term' ? '_key' : k === '_time' ? '_key' : k, String(v).toLowerCase() === 'desc' ? 'desc' : 'asc']);
  }
  return out;
}

interface Bucket {
  key: Key | null;
  count: number;
  rendered: JsonObject;
  subs?: JsonObject;
  /** The bucket of documents without a value (`missing`), keyed by the missing value. */
  missingOnly?: boolean;
}

function sortBuckets(buckets: Bucket[], order: Array<[string, 'asc' | 'desc']>, node: AggNode, scope: Scope, narrowFor: (b: Bucket) => Scope): void {
  const needsSubs = order.some(([k]) => k !== '_key' && k !== '_count');
  if (needsSubs) for (const b of buckets) b.subs = runAggs(node.subs, narrowFor(b));
  const valueOf = (b: Bucket, k: string): number | string | null => {
    if (k === '_count') return b.count;
    if (k === '_key') return b.key;
    const [agg, metric] = k.split(/[.[]/);
    const sub = b.subs?.[agg ?? ''] as JsonObject | undefined;
    if (sub === undefined) throw new EsError(400, 'aggregation_execution_exception', `Invalid aggregator order path [${k}]. Unknown aggregation [${agg}]`);
    const v = metric !== undefined ? sub[metric.replace(/]$/, '')] : sub.value ?? sub.doc_count;
    return typeof v === 'number' ? v : null;
  };
  const cmp = (a: number | string | null, b: number | string | null): number => {
    if (a === b) return 0;
    if (a === null) return 1;
    if (b === null) return -1;
    return a < b ? -1 : 1;
  };
  const withTiebreak: Array<[string, 'asc' | 'desc']> = order.some(([k]) => k === '_key') ? order : [...order, ['_key', 'asc']];
  buckets.sort((x, y) => {
    for (const [k, dir] of withTiebreak) {
      const c = cmp(valueOf(x, k), valueOf(y, k));
      if (c !== 0) return dir === 'asc' ? c : -c;
    }
    return 0;
  });
  void scope;
}

function terms(node: AggNode, scope: Scope): JsonObject {
  const field = fieldOf(node);
  const size = node.spec.size === undefined ? 10 : Number(node.spec.size);
  const minDocCount = node.spec.min_doc_count === undefined ? 1 : Number(node.spec.min_doc_count);
  const { leaf, counts } = groupedDistribution(scope, field);
  const accept = keyFilter(node.spec);
  const buckets: Bucket[] = [];
  let totalValues = 0;
  for (const [key, count] of counts) {
    totalValues += count;
    if (!accept(key) || count < minDocCount) continue;
    buckets.push({ key, count, rendered: renderKey(leaf, key, undefined) });
  }
  if (minDocCount === 0) {
    // ES lists the field's other terms with 0 documents.
    const all = groupedDistribution(new (scope.constructor as typeof Scope)(scope.db, scope.parts.map((p) => ({ ctx: p.ctx, where: { sql: '1', params: [] } })), scope.now), field);
    for (const key of all.counts.keys()) if (!counts.has(key) && accept(key)) buckets.push({ key, count: 0, rendered: renderKey(all.leaf, key) });
  }
  if (node.spec.missing !== undefined) {
    const missingCount = scope.count() - countDocsWithValue(scope, field);
    if (missingCount >= Math.max(minDocCount, 1)) {
      const missingKey = node.spec.missing as Key;
      const existing = buckets.find((b) => b.key === missingKey);
      totalValues += missingCount;
      if (existing !== undefined) existing.count += missingCount;
      else buckets.push({ key: missingKey, count: missingCount, rendered: { key: missingKey }, missingOnly: true });
    }
  }
  const narrowFor = (b: Bucket): Scope => {
    if (b.missingOnly === true) return scope.narrow(termsKeyCondition(field, null));
    const base = scope.narrow(termsKeyCondition(field, b.key));
    if (node.spec.missing !== undefined && b.key === node.spec.missing) {
      return mergeScopes(base, scope.narrow(termsKeyCondition(field, null)));
    }
    return base;
  };
  sortBuckets(buckets, orderOf(node.spec, [['_count', 'desc']]), node, scope, narrowFor);
  const top = buckets.slice(0, size);
  const shown = top.reduce((s, b) => s + b.count, 0);
  return {
    doc_count_error_upper_bound: 0,
    sum_other_doc_count: Math.max(0, totalValues - shown),
    buckets: top.map((b) => ({ ...b.rendered, doc_count: b.count, ...(b.subs ?? runAggs(node.subs, narrowFor(b))) })),
  };
}

function mergeScopes(a: Scope, b: Scope): Scope {
  const byPart = new Map<number, { ctx: Scope['parts'][number]['ctx']; wheres: Fragment[] }>();
  for (const s of [a, b]) for (const p of s.parts) {
    const e = byPart.get(p.ctx.part.id) ?? { ctx: p.ctx, wheres: [] };
    e.wheres.push(p.where);
    byPart.set(p.ctx.part.id, e);
  }
  const parts = [...byPart.values()].map((e) => ({ ctx: e.ctx, where: { sql: `((${e.wheres.map((w) => w.sql).join(') OR (')}))`, params: e.wheres.flatMap((w) => w.params) } }));
  return new (a.constructor as typeof Scope)(a.db, parts, a.now);
}

function histogramBuckets(
  node: AggNode, scope: Scope, field: string, keyExpr: (v: string) => Fragment,
  next: (key: number) => number, render: (key: number) => JsonObject, bounds: { min?: number; max?: number }, hard: { min?: number; max?: number },
): JsonObject {
  const counts = new Map<number, number>();
  for (const p of scope.parts) {
    const leaf = p.ctx.index.fields.get(field);
    if (leaf === undefined) continue;
    if (leaf.kind === 'text' || leaf.kind === 'keyword' || leaf.kind === 'ip') throw new EsError(400, 'illegal_argument_exception', `Field [${field}] of type [${leaf.esType}] is not supported for aggregation [${node.type}]`);
    if (leaf.path === '@timestamp' && leaf.kind === 'date' && !leaf.multi) {
      const matches = ftsHistogramCounts(scope.db, p, (v) => keyExpr(v));
      if (matches !== undefined) {
        for (const [key, n] of matches) counts.set(key, (counts.get(key) ?? 0) + n);
        continue;
      }
    }
    const { from, value } = valueSource(p.ctx, leaf, p.where.sql);
    const k = keyExpr(value);
    const rows = scope.db.prepare(`SELECT ${k.sql} AS k, count(*) AS n FROM ${from} WHERE (${p.where.sql}) AND ${value} IS NOT NULL GROUP BY 1`).all(...k.params, ...p.where.params) as unknown as Array<{ k: number; n: number }>;
    for (const row of rows) counts.set(Number(row.k), (counts.get(Number(row.k)) ?? 0) + row.n);
  }
  const minDocCount = node.spec.min_doc_count === undefined ? 0 : Number(node.spec.min_doc_count);
  let keys = [...counts.keys()].sort((a, b) => a - b);
  if (hard.min !== undefined) keys = keys.filter((k) => k >= hard.min!);
  if (hard.max !== undefined) keys = keys.filter((k) => k <= hard.max!);
  if (minDocCount === 0 && (keys.length > 0 || bounds.min !== undefined)) {
    let lo = keys[0];
    let hi = keys[keys.length - 1];
    if (bounds.min !== undefined && (lo === undefined || bounds.min < lo)) lo = bounds.min;
    if (bounds.max !== undefined && (hi === undefined || bounds.max > hi)) hi = bounds.max;
    if (lo !== undefined && hi !== undefined) {
      const filled: number[] = [];
      for (let k = lo; k <= hi; k = next(k)) {
        filled.push(k);
        if (filled.length > MAX_BUCKETS) {
          throw new EsError(400, 'too_many_buckets_exception', `Trying to create too many buckets. Must be less than or equal to: [${MAX_BUCKETS}] but this number of buckets was exceeded. This limit can be set by changing the [search.max_buckets] cluster level setting.`, { max_buckets: MAX_BUCKETS });
        }
      }
      keys = filled;
    }
  }
  if (keys.length > MAX_BUCKETS) throw new EsError(400, 'too_many_buckets_exception', `Trying to create too many buckets. Must be less than or equal to: [${MAX_BUCKETS}] but was [${keys.length}].`, { max_buckets: MAX_BUCKETS });
  const buckets: Bucket[] = keys.map((k) => ({ key: k, count: counts.get(k) ?? 0, rendered: render(k) })).filter((b) => b.count >= minDocCount);
  const narrowFor = (b: Bucket): Scope => scope.narrow((ctx) => {
    const leaf = ctx.index.fields.get(field);
    if (leaf === undefined) return undefined;
    return onValues(leaf, (x) => ({ sql: `(${x} >= ? AND ${x} < ?)`, params: [b.key as number, next(b.key as number)] }));
  });
  const order = orderOf(node.spec, [['_key', 'asc']]);
  if (node.spec.order !== undefined) sortBuckets(buckets, order, node, scope, narrowFor);
  const rendered: JsonObject[] = buckets.map((b) => ({ ...b.rendered, doc_count: b.count, ...(b.subs ?? runAggs(node.subs, narrowFor(b))) }));
  if (node.spec.keyed === true) {
    const keyed: JsonObject = {};
    for (const b of rendered) keyed[String(b.key_as_string ?? b.key)] = b;
    return { buckets: keyed };
  }
  return { buckets: rendered };
}

function dateHistogram(node: AggNode, scope: Scope): JsonObject {
  const field = fieldOf(node);
  let zone: string;
  try {
    zone = normalizeZone(typeof node.spec.time_zone === 'string' ? node.spec.time_zone : undefined);
  } catch {
    throw new EsError(400, 'illegal_argument_exception', `Unknown time-zone ID: ${String(node.spec.time_zone)}`);
  }
  const offset = parseOffset(node.spec.offset);
  let spec: BucketSpec;
  if (typeof node.spec.fixed_interval === 'string') spec = { kind: 'fixed', interval: parseFixedInterval(node.spec.fixed_interval), zone, offset };
  else if (typeof node.spec.calendar_interval === 'string') spec = { kind: 'calendar', unit: parseCalendarInterval(node.spec.calendar_interval), zone, offset };
  else if (typeof node.spec.interval === 'string') {
    // Deprecated `interval`: calendar units stay calendar, other values are fixed.
    try {
      spec = { kind: 'calendar', unit: parseCalendarInterval(node.spec.interval), zone, offset };
    } catch {
      spec = { kind: 'fixed', interval: parseFixedInterval(node.spec.interval), zone, offset };
    }
  } else throw new EsError(400, 'illegal_argument_exception', `Required one of fields [fixed_interval, calendar_interval], but none were specified in [${node.name}]`);
  const format = typeof node.spec.format === 'string' ? node.spec.format : undefined;
  const parseBound = (v: unknown, rounding: 'up' | 'down'): number | undefined =>
    v === undefined || v === null ? undefined : (typeof v === 'number' ? v : evaluateDateMath(v, { now: scope.now, zone, rounding }) ?? parseDateValue(v, zone));
  const extended = isObject(node.spec.extended_bounds) ? node.spec.extended_bounds : {};
  const hardSpec = isObject(node.spec.hard_bounds) ? node.spec.hard_bounds : {};
  const emin = parseBound(extended.min, 'down');
  const emax = parseBound(extended.max, 'up');
  const hmin = parseBound(hardSpec.min, 'down');
  const hmax = parseBound(hardSpec.max, 'up');
  return histogramBuckets(
    node, scope, field, (v) => bucketSql(v, spec), (k) => nextStart(k, spec),
    (k) => ({ key_as_string: formatDateAs(k, format, zone), key: k }),
    { ...(emin !== undefined ? { min: startOf(emin, spec) } : {}), ...(emax !== undefined ? { max: startOf(emax, spec) } : {}) },
    { ...(hmin !== undefined ? { min: startOf(hmin, spec) } : {}), ...(hmax !== undefined ? { max: hmax } : {}) },
  );
}

function histogram(node: AggNode, scope: Scope): JsonObject {
  const field = fieldOf(node);
  const interval = Number(node.spec.interval);
  if (!(interval > 0)) throw new EsError(400, 'illegal_argument_exception', `[interval] must be >0 for histogram aggregation [${node.name}]`);
  const offset = Number(node.spec.offset ?? 0);
  const extended = isObject(node.spec.extended_bounds) ? node.spec.extended_bounds : {};
  const floorKey = (v: number): number => Math.floor((v - offset) / interval) * interval + offset;
  const hard = isObject(node.spec.hard_bounds) ? node.spec.hard_bounds : {};
  return histogramBuckets(
    node, scope, field, (v) => ({ sql: `(floor((${v} - ?) / ?) * ? + ?)`, params: [offset, interval, interval, offset] }),
    (k) => k + interval, (k) => ({ key: k }),
    { ...(typeof extended.min === 'number' ? { min: floorKey(extended.min) } : {}), ...(typeof extended.max === 'number' ? { max: floorKey(extended.max) } : {}) },
    { ...(typeof hard.min === 'number' ? { min: floorKey(hard.min) } : {}), ...(typeof hard.max === 'number' ? { max: hard.max } : {}) },
  );
}

function filters(node: AggNode, scope: Scope): JsonObject {
  const defs = node.spec.filters;
  const run = (q: unknown): JsonObject => {
    const parsed = parseQuery(q);
    const narrowed = scope.narrow((ctx) => compileQuery(parsed, ctx));
    return { doc_count: narrowed.count(), ...runAggs(node.subs, narrowed) };
  };
  if (Array.isArray(defs)) return { buckets: defs.map(run) };
  if (!isObject(defs)) throw new EsError(400, 'parsing_exception', `[filters] aggregation [${node.name}] requires [filters]`);
  const buckets: JsonObject = {};
  for (const [key, q] of Object.entries(defs)) buckets[key] = run(q);
  if (node.spec.other_bucket === true || typeof node.spec.other_bucket_key === 'string') {
    const parsed = Object.values(defs).map((q) => parseQuery(q));
    const narrowed = scope.narrow((ctx) => {
      const negated = parsed.map((q) => negate(compileQuery(q, ctx)));
      return { sql: negated.map((n) => n.sql).join(' AND ') || '1', params: negated.flatMap((n) => n.params) };
    });
    buckets[typeof node.spec.other_bucket_key === 'string' ? node.spec.other_bucket_key : '_other_'] = { doc_count: narrowed.count(), ...runAggs(node.subs, narrowed) };
  }
  return { buckets };
}

function ranges(node: AggNode, scope: Scope): JsonObject {
  const field = fieldOf(node);
  const defs = Array.isArray(node.spec.ranges) ? node.spec.ranges.filter(isObject) : [];
  const leaf = scope.leafOf(field);
  const isDate = node.type === 'date_range' || leaf?.kind === 'date';
  const zone = normalizeZone(typeof node.spec.time_zone === 'string' ? node.spec.time_zone : undefined);
  const format = typeof node.spec.format === 'string' ? node.spec.format : undefined;
  const toNumber = (v: unknown): number | undefined => {
    if (v === undefined || v === null) return undefined;
    if (isDate) return evaluateDateMath(v, { now: scope.now, zone });
    return Number(v);
  };
  const buckets = defs.map((d) => {
    const from = toNumber(d.from);
    const to = toNumber(d.to);
    const narrowed = scope.narrow((ctx) => {
      const l = ctx.index.fields.get(field);
      if (l === undefined) return undefined;
      return onValues(l, (x) => ({ sql: `(${from === undefined ? '1' : `${x} >= ?`} AND ${to === undefined ? '1' : `${x} < ?`})`, params: [...(from === undefined ? [] : [from]), ...(to === undefined ? [] : [to])] }));
    });
    const show = (n: number): string => (isDate ? formatDateAs(n, format, zone) : String(n));
    const key = typeof d.key === 'string' ? d.key : `${from === undefined ? '*' : show(from)}-${to === undefined ? '*' : show(to)}`;
    return {
      key, ...(from !== undefined ? { from, ...(isDate ? { from_as_string: show(from) } : {}) } : {}), ...(to !== undefined ? { to, ...(isDate ? { to_as_string: show(to) } : {}) } : {}),
      doc_count: narrowed.count(), ...runAggs(node.subs, narrowed),
    };
  });
  if (node.spec.keyed === true) return { buckets: Object.fromEntries(buckets.map((b) => [b.key, b])) };
  return { buckets };
}

