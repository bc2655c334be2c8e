/**
 * The histogram's bucket size: the smallest "round" interval that cuts the time range into at most
 * 100 buckets (so 50–100 for most ranges), written as an Elasticsearch `fixed_interval`.
 */

const CANDIDATES: ReadonlyArray<readonly [string, number]> = [
  ['1ms', 1], ['5ms', 5], ['10ms', 10], ['50ms', 50], ['100ms', 100], ['200ms', 200], ['500ms', 500],
  ['1s', 1_000], ['2s', 2_000], ['5s', 5_000], ['10s', 10_000], ['15s', 15_000], ['30s', 30_000],
  ['1m', 60_000], ['2m', 120_000], ['5m', 300_000], ['10m', 600_000], ['15m', 900_000], ['30m', 1_800_000],
  ['1h', 3_600_000], ['2h', 7_200_000], ['3h', 10_800_000], ['6h', 21_600_000], ['12h', 43_200_000],
  ['1d', 86_400_000], ['2d', 172_800_000], ['7d', 604_800_000], ['14d', 1_209_600_000], ['30d', 2_592_000_000],
  ['90d', 7_776_000_000], ['365d', 31_536_000_000],
];

export type Interval = { readonly es: string; readonly ms: number };

export function chooseInterval(spanMs: number, maxBuckets = 100): Interval {
  const wanted = Math.max(1, spanMs) / maxBuckets;
  for (const [es, ms] of CANDIDATES) if (ms >= wanted) return { es, ms };
  const last = CANDIDATES[CANDIDATES.length - 1]!;
  const factor = Math.ceil(wanted / last[1]);
  return { es: `${factor * 365}d`, ms: factor * last[1] };
}

/** Human label for the legend: `30s` → "30 seconds". */
export function describeInterval(interval: Interval): string {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(interval.es);
  if (!m) return interval.es;
  const n = Number(m[1]);
  const unit = ({ ms: 'millisecond', s: 'second', m: 'minute', h: 'hour', d: 'day' } as const)[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return n === 1 ? unit : `${n} ${unit}s`;
}
