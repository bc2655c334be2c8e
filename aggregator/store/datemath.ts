/**
 * Elasticsearch date math: an anchor (`now` or `<date>||`) followed by `+N<unit>`, `-N<unit>` and
 * `/<unit>` rounding, units `y M w d h H m s`. Rounding direction follows the range operator:
 * `gt` and `lte` round up (to the last millisecond of the unit), `gte` and `lt` round down.
 * Calendar arithmetic and rounding happen in the request's `time_zone`.
 */
import { parseDateValue, wallToUtc, zoneOffsetAt } from './dates.ts';

export type Rounding = 'down' | 'up';

type Unit = 'y' | 'M' | 'w' | 'd' | 'h' | 'm' | 's';

function unitOf(c: string): Unit | undefined {
  if (c === 'H') return 'h';
  return (['y', 'M', 'w', 'd', 'h', 'm', 's'] as const).find((u) => u === c);
}

function addUnits(wall: number, n: number, unit: Unit): number {
  const d = new Date(wall);
  switch (unit) {
    case 'y': d.setUTCFullYear(d.getUTCFullYear() + n); return d.getTime();
    case 'M': d.setUTCMonth(d.getUTCMonth() + n); return d.getTime();
    case 'w': return wall + n * 7 * 86_400_000;
    case 'd': return wall + n * 86_400_000;
    case 'h': return wall + n * 3_600_000;
    case 'm': return wall + n * 60_000;
    case 's': return wall + n * 1000;
  }
}

function floorUnit(wall: number, unit: Unit): number {
  const d = new Date(wall);
  switch (unit) {
    case 'y': return Date.UTC(d.getUTCFullYear(), 0, 1);
    case 'M': return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    case 'w': {
      const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
      const weekday = (d.getUTCDay() + 6) % 7; // Monday = 0, as ISO weeks
      return day - weekday * 86_400_000;
    }
    case 'd': return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    case 'h': return wall - (((wall % 3_600_000) + 3_600_000) % 3_600_000);
    case 'm': return wall - (((wall % 60_000) + 60_000) % 60_000);
    case 's': return wall - (((wall % 1000) + 1000) % 1000);
  }
}

/** Evaluates a date-math expression to epoch millis; undefined when it is not a valid date. */
export function evaluateDateMath(
  input: unknown,
  { now = Date.now(), zone = 'UTC', rounding = 'down', format }: { now?: number; zone?: string; rounding?: Rounding; format?: string } = {},
): number | undefined {
  if (typeof input === 'number') return parseDateValue(input, zone, format);
  if (typeof input !== 'string') return undefined;
  let anchor: number | undefined;
  let math: string;
  if (input.startsWith('now')) {
    anchor = now;
    math = input.slice(3);
  } else {
    const at = input.indexOf('||');
    const dateText = at === -1 ? input : input.slice(0, at);
    math = at === -1 ? '' : input.slice(at + 2);
    anchor = parseDateValue(dateText, zone, format, rounding === 'up' && math === '');
  }
  if (anchor === undefined) return undefined;
  if (math === '') return anchor;
  // As Elasticsearch's java.time arithmetic: hours, minutes and seconds move the instant; days and longer
  // move the zone's wall clock (a day across a DST change is 23 or 25 h); rounding truncates the wall clock.
  // A wall time is resolved keeping the offset it had when that is still valid (the repeated hour when
  // clocks go back), else the gap is skipped forward.
  let utc = anchor;
  let i = 0;
  while (i < math.length) {
    const op = math[i];
    if (op === '/') {
      const unit = unitOf(math[i + 1] ?? '');
      if (unit === undefined) return undefined;
      utc = calendarFloor(utc, unit, zone);
      if (rounding === 'up') utc = calendarNext(utc, unit, zone) - 1;
      i += 2;
    } else if (op === '+' || op === '-') {
      const m = /^(\d*)([yMwdhHms])/.exec(math.slice(i + 1));
      if (m === null) return undefined;
      const n = m[1] === '' ? 1 : Number(m[1]);
      const unit = unitOf(m[2] ?? '');
      if (unit === undefined) return undefined;
      utc = plus(utc, op === '+' ? n : -n, unit, zone);
      i += 1 + m[0].length;
    } else {
      return undefined;
    }
  }
  return utc;
}

/** `n` units after `utc` in `zone`: hours and shorter are fixed lengths of time, longer units move the wall clock. */
function plus(utc: number, n: number, unit: Unit, zone: string): number {
  if (unit === 'h' || unit === 'm' || unit === 's') return addUnits(utc, n, unit);
  const offset = zoneOffsetAt(utc, zone);
  return resolveWall(addUnits(utc + offset, n, unit), zone, offset);
}

/** The instant of a wall time in `zone`, keeping `preferredOffset` when the wall time has it (java.time's rule). */
function resolveWall(wall: number, zone: string, preferredOffset: number): number {
  const kept = wall - preferredOffset;
  return zoneOffsetAt(kept, zone) === preferredOffset ? kept : wallToUtc(wall, zone);
}

/** Start of the calendar unit containing `utc`, in `zone` (used by date_histogram calendar intervals). */
export function calendarFloor(utc: number, unit: 'y' | 'q' | 'M' | 'w' | 'd' | 'h' | 'm' | 's', zone: string): number {
  const wall = utc + zoneOffsetAt(utc, zone);
  let floored: number;
  if (unit === 'q') {
    const d = new Date(wall);
    floored = Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / 3) * 3, 1);
  } else {
    floored = floorUnit(wall, unit);
  }
  return resolveWall(floored, zone, wall - utc);
}

/** The next bucket start after `start` for a calendar unit, in `zone`. */
export function calendarNext(start: number, unit: 'y' | 'q' | 'M' | 'w' | 'd' | 'h' | 'm' | 's', zone: string): number {
  // The hour repeated when clocks go back is a bucket of its own: `plus` moves hours on the timeline.
  return unit === 'q' ? plus(start, 3, 'M', zone) : plus(start, 1, unit, zone);
}
