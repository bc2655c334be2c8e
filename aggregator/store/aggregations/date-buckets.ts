/**
 * Bucket arithmetic of `date_histogram`: fixed intervals (`30s`, `5m`, `1h`, `1d`) and calendar intervals
 * (`minute` … `year`), in a time zone, with an `offset`. Fixed intervals in UTC or a fixed offset are
 * computed in SQL; everything else calls `bucketStart` through the `es_date_bucket` SQL function.
 */
import { calendarFloor, calendarNext } from '../datemath.ts';
import { fixedOffset, zoneOffsetAt } from '../dates.ts';
import { EsError } from '../types.ts';

export type CalendarUnit = 'y' | 'q' | 'M' | 'w' | 'd' | 'h' | 'm' | 's';
export type BucketSpec =
  | { readonly kind: 'fixed'; readonly interval: number; readonly zone: string; readonly offset: number }
  | { readonly kind: 'calendar'; readonly unit: CalendarUnit; readonly zone: string; readonly offset: number };

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseFixedInterval(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (m === null || Number(m[1]) <= 0) throw new EsError(400, 'illegal_argument_exception', `failed to parse setting [date_histogram.fixedInterval] with value [${text}] as a time value: unit is missing or unrecognized`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

const CALENDAR: Record<string, CalendarUnit> = {
  second: 's', '1s': 's', minute: 'm', '1m': 'm', hour: 'h', '1h': 'h', day: 'd', '1d': 'd', week: 'w', '1w': 'w',
  month: 'M', '1M': 'M', quarter: 'q', '1q': 'q', year: 'y', '1y': 'y',
};

export function parseCalendarInterval(text: string): CalendarUnit {
  const unit = CALENDAR[text.trim()];
  if (unit === undefined) throw new EsError(400, 'illegal_argument_exception', `The supplied interval [${text}] could not be parsed as a calendar interval.`);
  return unit;
}

export function parseOffset(text: unknown): number {
  if (text === undefined || text === null) return 0;
  if (typeof text === 'number') return text;
  const m = /^([+-])?(\d+)(ms|s|m|h|d)$/.exec(String(text).trim());
  if (m === null) throw new EsError(400, 'illegal_argument_exception', `failed to parse offset [${String(text)}]`);
  return (m[1] === '-' ? -1 : 1) * Number(m[2]) * UNIT_MS[m[3]!]!;
}

const parsedSpecs = new Map<string, BucketSpec>();

export function bucketStart(ts: number, specText: string): number {
  let spec = parsedSpecs.get(specText);
  if (spec === undefined) {
    spec = JSON.parse(specText) as BucketSpec;
    if (parsedSpecs.size > 100) parsedSpecs.clear();
    parsedSpecs.set(specText, spec);
  }
  return startOf(ts, spec);
}

export function startOf(ts: number, spec: BucketSpec): number {
  const t = ts - spec.offset;
  if (spec.kind === 'calendar') return calendarFloor(t, spec.unit, spec.zone) + spec.offset;
  const off = zoneOffsetAt(t, spec.zone);
  const local = t + off;
  const floored = local - (((local % spec.interval) + spec.interval) % spec.interval);
  return floored - zoneOffsetAt(floored - off, spec.zone) + spec.offset;
}

export function nextStart(start: number, spec: BucketSpec): number {
  if (spec.kind === 'calendar') return calendarNext(start - spec.offset, spec.unit, spec.zone) + spec.offset;
  const next = start + spec.interval;
  // Across a DST change the wall-clock aligned start moves by the offset difference.
  return startOf(next + (zoneOffsetAt(start, spec.zone) - zoneOffsetAt(next, spec.zone)), spec);
}

/** SQL for the bucket start of column `expr`, pure arithmetic when the zone has a fixed offset. */
export function bucketSql(expr: string, spec: BucketSpec): { sql: string; params: Array<string | number> } {
  const fixed = fixedOffset(spec.zone);
  if (spec.kind === 'fixed' && fixed !== undefined) {
    const shift = fixed - spec.offset; // local = ts + fixed - offset
    const i = spec.interval;
    return { sql: `(${expr} - (((${expr} + ?) % ?) + ?) % ?)`, params: [shift, i, i, i] };
  }
  if (spec.kind === 'calendar' && fixed !== undefined && (spec.unit === 'd' || spec.unit === 'h' || spec.unit === 'm' || spec.unit === 's')) {
    const i = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 }[spec.unit];
    const shift = fixed - spec.offset;
    return { sql: `(${expr} - (((${expr} + ?) % ?) + ?) % ?)`, params: [shift, i, i, i] };
  }
  return { sql: `es_date_bucket(${expr}, ?)`, params: [JSON.stringify(spec)] };
}
