/**
 * The Elasticsearch requests the page sends, built as plain data from the view's state. They have the
 * shapes Kibana Discover sends (es-compat.md §3), so the page works the same over the embedded store
 * and a real cluster:
 * - query: `bool{must, filter:[<KQL>, <filter pills>, <time range>], should, must_not:[<negated pills>]}`;
 * - documents: `size`, `sort [{<time>: desc}, {_doc: desc}]`, `track_total_hits: false`, `search_after` to page;
 * - count + histogram: `size: 0`, `track_total_hits: true`, `date_histogram{fixed_interval, time_zone, min_doc_count: 1}`;
 * - field top values and the Kubernetes drill-down: `terms` aggregations over the same query.
 */
import { kqlToDsl, type Dsl, type FieldSpec } from '../kql/to-dsl.ts';
import { parseDateMath } from '../datemath.ts';
import type { Interval } from './interval.ts';

export type Language = 'kuery' | 'lucene';
export type FilterValue = string | number | boolean;
export type Filter = { readonly field: string; readonly value: FilterValue; readonly negate: boolean };

export type ViewState = {
  readonly index: string;
  readonly timeField: string;
  /** Date math or ISO: `now-15m`, `now/d`, `2026-11-23T06:00:00.000Z`. */
  readonly from: string;
  readonly to: string;
  readonly query: string;
  readonly language: Language;
  readonly filters: readonly Filter[];
  readonly columns: readonly string[];
};

export type TimeBounds = { readonly min: number; readonly max: number };

export class TimeRangeError extends Error {
  readonly which: 'from' | 'to';
  constructor(which: 'from' | 'to', message: string) {
    super(message);
    this.which = which;
  }
}

/** Resolves the view's range against `now`; "to" rounds up (`now/d` ends at 23:59:59.999). */
export function timeBounds(view: Pick<ViewState, 'from' | 'to'>, now: number): TimeBounds {
  const min = parseDateMath(view.from, { now });
  if (min === undefined) throw new TimeRangeError('from', `Invalid start of range: ${view.from}`);
  const max = parseDateMath(view.to, { now, roundUp: true });
  if (max === undefined) throw new TimeRangeError('to', `Invalid end of range: ${view.to}`);
  if (max < min) throw new TimeRangeError('to', 'The end of the range is before its start');
  return { min, max };
}

/** Kibana's phrase filter (`match_phrase`), the query a "filter for" pill adds. */
export function filterQuery(filter: Filter): Dsl {
  return { match_phrase: { [filter.field]: filter.value } };
}

export function rangeQuery(timeField: string, bounds: TimeBounds, gtInstead = false): Dsl {
  const lower = gtInstead ? { gt: new Date(bounds.min).toISOString() } : { gte: new Date(bounds.min).toISOString() };
  return { range: { [timeField]: { format: 'strict_date_optional_time', ...lower, lte: new Date(bounds.max).toISOString() } } };
}

export type QueryContext = { readonly fields?: readonly FieldSpec[]; readonly timeZone?: string };

/** The user's query alone (KQL or Lucene): throws `KqlSyntaxError` for bad KQL. */
export function userQuery(view: Pick<ViewState, 'query' | 'language'>, context: QueryContext = {}): { clause: 'filter' | 'must'; dsl: Dsl } | null {
  if (view.query.trim() === '') return null;
  if (view.language === 'lucene') {
    return { clause: 'must', dsl: { query_string: { query: view.query, analyze_wildcard: true, ...(context.timeZone ? { time_zone: context.timeZone } : {}) } } };
  }
  const options = { ...(context.fields ? { fields: context.fields } : {}), ...(context.timeZone ? { dateFormatTZ: context.timeZone } : {}) };
  return { clause: 'filter', dsl: kqlToDsl(view.query, options) };
}

/** The whole query for a view: user query, pills, and the time range as filters. */
export function buildQuery(view: ViewState, bounds: TimeBounds, context: QueryContext = {}, extraFilters: readonly Filter[] = []): Dsl {
  const must: Dsl[] = [];
  const filter: Dsl[] = [];
  const mustNot: Dsl[] = [];
  const user = userQuery(view, context);
  if (user) (user.clause === 'must' ? must : filter).push(user.dsl);
  for (const f of [...view.filters, ...extraFilters]) (f.negate ? mustNot : filter).push(filterQuery(f));
  filter.push(rangeQuery(view.timeField, bounds));
  return { bool: { must, filter, should: [], must_not: mustNot } };
}

export function sortClause(timeField: string): Dsl[] {
  return [
    { [timeField]: { order: 'desc', format: 'strict_date_optional_time', unmapped_type: 'boolean' } },
    { _doc: { order: 'desc', unmapped_type: 'boolean' } },
  ];
}

export function documentsRequest(query: Dsl, timeField: string, size: number, searchAfter?: readonly unknown[]): Dsl {
  return {
    size,
    sort: sortClause(timeField),
    query,
    track_total_hits: false,
    ...(searchAfter ? { search_after: searchAfter } : {}),
  };
}

export function histogramRequest(query: Dsl, timeField: string, interval: Interval, timeZone: string): Dsl {
  return {
    size: 0,
    track_total_hits: true,
    query,
    aggs: { histogram: { date_histogram: { field: timeField, fixed_interval: interval.es, time_zone: timeZone, min_doc_count: 1 } } },
  };
}

/** Lines newer than what is on screen, for live tail: same query, range from the newest shown time. */
export function liveRequest(query: Dsl, timeField: string, size: number): Dsl {
  return { size, sort: sortClause(timeField), query, track_total_hits: true };
}

export function termsRequest(query: Dsl, fields: readonly string[], size: number): Dsl {
  const aggs: Dsl = {};
  fields.forEach((field, i) => { aggs[String(i)] = { terms: { field, size } }; });
  return { size: 0, track_total_hits: true, query, aggs };
}

export type Bucket = { readonly key: number; readonly count: number };
export type TermBucket = { readonly key: FilterValue; readonly label: string; readonly count: number };

export function totalOf(response: unknown): { value: number; relation: string } | null {
  const total = (response as { hits?: { total?: number | { value: number; relation: string } } }).hits?.total;
  if (total === undefined) return null;
  return typeof total === 'number' ? { value: total, relation: 'eq' } : total;
}

export function histogramBuckets(response: unknown): Bucket[] {
  const agg = (response as { aggregations?: { histogram?: { buckets?: Array<{ key: number; doc_count: number }> } } }).aggregations?.histogram;
  return (agg?.buckets ?? []).map((b) => ({ key: b.key, count: b.doc_count }));
}

export function termBuckets(response: unknown, name: string): TermBucket[] {
  const aggs = (response as { aggregations?: Record<string, { buckets?: Array<{ key: FilterValue; key_as_string?: string; doc_count: number }> }> }).aggregations;
  return (aggs?.[name]?.buckets ?? []).map((b) => ({
    key: b.key_as_string === 'true' || b.key_as_string === 'false' ? b.key_as_string === 'true' : b.key,
    label: b.key_as_string ?? String(b.key),
    count: b.doc_count,
  }));
}

export type Hit = { readonly _index: string; readonly _id: string; readonly _source?: Record<string, unknown>; readonly sort?: readonly unknown[] };

export function hitsOf(response: unknown): Hit[] {
  return (response as { hits?: { hits?: Hit[] } }).hits?.hits ?? [];
}

export const hitKey = (hit: Hit): string => `${hit._index}\u0000${hit._id}`;

/** Buckets from the store (only non-empty ones) spread over the whole range, empty ones as 0. */
export function fillBuckets(buckets: readonly Bucket[], bounds: TimeBounds, interval: Interval): Bucket[] {
  const byKey = new Map(buckets.map((b) => [b.key, b.count]));
  // The grid follows the store's bucket keys (a time zone can shift day buckets off UTC midnight).
  const anchor = buckets[0]?.key ?? Math.floor(bounds.min / interval.ms) * interval.ms;
  const start = anchor - Math.ceil((anchor - bounds.min) / interval.ms) * interval.ms;
  const out: Bucket[] = [];
  const limit = 2000;
  for (let key = start; key <= bounds.max && out.length < limit; key += interval.ms) {
    out.push({ key, count: byKey.get(key) ?? 0 });
    byKey.delete(key);
  }
  // Keys the grid missed (a time zone offset that is not a multiple of the interval): keep them.
  for (const [key, count] of byKey) out.push({ key, count });
  return out.sort((a, b) => a.key - b.key);
}

/** Live tail: counts a new line into the histogram, adding buckets when time has moved past the last one. */
export function addToBuckets(buckets: readonly Bucket[], time: number, interval: Interval): Bucket[] {
  const out = buckets.slice();
  if (out.length === 0) {
    out.push({ key: Math.floor(time / interval.ms) * interval.ms, count: 1 });
    return out;
  }
  let last = out[out.length - 1]!;
  while (time >= last.key + interval.ms && out.length < 5000) {
    last = { key: last.key + interval.ms, count: 0 };
    out.push(last);
  }
  for (let i = out.length - 1; i >= 0; i--) {
    const b = out[i]!;
    if (time >= b.key && time < b.key + interval.ms) {
      out[i] = { key: b.key, count: b.count + 1 };
      return out;
    }
    if (time >= b.key + interval.ms) break;
  }
  return out; // older than the first bucket: outside the histogram
}
