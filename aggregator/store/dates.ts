/**
 * Dates the way Elasticsearch reads them: ISO 8601 (`strict_date_optional_time`) with an optional zone
 * (no zone means UTC, or the request's `time_zone`), epoch millis / seconds, and time zones given as
 * offsets (`+01:00`) or IANA names (`Europe/Paris`). Everything is epoch milliseconds internally.
 */
import { daysInMonthAsDateUtc } from '../../shipper/kit/calendar.ts';
import { digitsAt } from '../../shipper/kit/decimal-digits.ts';

const ISO = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?)?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const SLASHED = /^(\d{4})\/(\d{2})\/(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?(?: (Z|[+-]\d{2}:?\d{2}))?$/;

/** True when a dynamically mapped string should become a `date` (ES `dynamic_date_formats`). */
export function looksLikeDate(value: string): boolean {
  if (value.length < 10 || value.length > 40) return false;
  const m = ISO.exec(value) ?? SLASHED.exec(value);
  return m !== null && m[2] !== undefined && m[3] !== undefined && !Number.isNaN(parseDateString(value, 'UTC') ?? NaN);
}

function offsetFromText(text: string): number {
  if (text === 'Z' || text === 'z') return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  return sign * (hours * 60 + minutes) * 60_000;
}

/**
 * Parses an ISO-ish date string; wall times without a zone are read in `zone`. Undefined when not a date.
 * With `roundUp` (range `lte` / `gt`), fields the string leaves out are filled with their maximum, as ES
 * does: `lte: 2026-11-22` means up to 2026-11-22T23:59:59.999.
 */
export function parseDateString(value: string, zone: string, roundUp = false): number | undefined {
  return parseCanonicalUtc(value) ?? parseDatePattern(value, zone, roundUp);
}

/** parseDateString without the shortcut for the canonical shape (exported for the test that compares them). */
export function parseDatePattern(value: string, zone: string, roundUp = false): number | undefined {
  const m = ISO.exec(value) ?? SLASHED.exec(value);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, z] = m;
  const month = Number(mo ?? '1');
  const day = Number(d ?? '1');
  const hour = Number(h ?? '0');
  const minute = Number(mi ?? '0');
  const second = Number(s ?? '0');
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return undefined;
  const millis = frac === undefined ? 0 : Math.floor(Number(frac.padEnd(3, '0').slice(0, 3)));
  const wall = Date.UTC(Number(y), month - 1, day, hour, minute, second, millis);
  if (Number.isNaN(wall)) return undefined;
  if (new Date(wall).getUTCDate() !== day && hour !== 24) return undefined; // 2026-02-30
  let end = wall;
  if (roundUp) {
    if (mo === undefined) end = Date.UTC(Number(y) + 1, 0, 1) - 1;
    else if (d === undefined) end = Date.UTC(Number(y), month, 1) - 1;
    else if (h === undefined) end = wall + 86_400_000 - 1;
    else if (mi === undefined) end = wall + 3_600_000 - 1;
    else if (s === undefined) end = wall + 60_000 - 1;
    else if (frac === undefined) end = wall + 999;
  }
  if (z !== undefined) return end - offsetFromText(z);
  return wallToUtc(end, zone);
}

/**
 * `YYYY-MM-DDTHH:MM:SS.sssZ` (what `Date#toISOString` and most shippers write) without the regex: the same
 * checks and result as the general path below, for the one shape nearly every log document has. Undefined
 * for anything else, which then takes the general path.
 */
function parseCanonicalUtc(value: string): number | undefined {
  if (value.length !== 24 || value.charCodeAt(23) !== 90 /* Z */ || value[4] !== '-' || value[7] !== '-' || value[10] !== 'T'
    || value[13] !== ':' || value[16] !== ':' || value[19] !== '.') return undefined;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  const hour = digitsAt(value, 11, 2);
  const minute = digitsAt(value, 14, 2);
  const second = digitsAt(value, 17, 2);
  const millis = digitsAt(value, 20, 3);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || millis < 0) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return undefined;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (Number.isNaN(wall)) return undefined;
  // A day past the month's end, or a leap second at 23:59, would roll over into the next day (what the
  // general path refuses).
  if ((day > daysInMonthAsDateUtc(year, month) || (second === 60 && minute === 59 && hour === 23)) && hour !== 24) return undefined;
  return wall;
}

const formatLists = new Map<string, string[]>();

/**
 * A date value from a document or a query: strings are ISO dates (or digits = epoch millis),
 * numbers are epoch millis. `format` may say `epoch_second` or `epoch_millis`.
 */
export function parseDateValue(value: unknown, zone = 'UTC', format?: string, roundUp = false): number | undefined {
  const spec = format ?? 'strict_date_optional_time||epoch_millis';
  let formats = formatLists.get(spec);
  if (formats === undefined) {
    formats = spec.split('||');
    if (formatLists.size < 1000) formatLists.set(spec, formats);
  }
  for (const f of formats) {
    if (f === 'epoch_millis' || f === 'epoch_second') {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
      if (Number.isFinite(n)) return Math.floor(f === 'epoch_second' ? n * 1000 : n);
    } else if (typeof value === 'string') {
      const parsed = parseDateString(value, zone, roundUp);
      if (parsed !== undefined) return parsed;
    } else if (typeof value === 'number' && Number.isFinite(value) && format === undefined) {
      return Math.floor(value);
    }
  }
  return undefined;
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, Map<number, number>>();

/** Checks a `time_zone` parameter; throws a RangeError for unknown zones. */
export function normalizeZone(zone: string | undefined): string {
  if (zone === undefined || zone === '' || zone === 'Z' || zone === 'UTC' || zone === 'Etc/UTC' || zone === 'GMT') return 'UTC';
  if (/^[+-]\d{2}(:?\d{2})?$/.test(zone)) return offsetFromText(zone) === 0 ? 'UTC' : zone;
  new Intl.DateTimeFormat('en-US', { timeZone: zone });
  return zone;
}

/** Fixed offset in ms when the zone has one (UTC or `+hh:mm`), else undefined (an IANA zone with rules). */
export function fixedOffset(zone: string): number | undefined {
  if (zone === 'UTC') return 0;
  if (/^[+-]\d{2}(:?\d{2})?$/.test(zone)) return offsetFromText(zone);
  return undefined;
}

/** Offset of `zone` from UTC at instant `utc`, in ms (cached per zone and hour). */
export function zoneOffsetAt(utc: number, zone: string): number {
  const fixed = fixedOffset(zone);
  if (fixed !== undefined) return fixed;
  const hour = Math.floor(utc / 3_600_000);
  let cache = offsetCache.get(zone);
  if (cache === undefined) {
    cache = new Map();
    offsetCache.set(zone, cache);
  }
  if (cache.size > 100_000) cache.clear();
  const cached = cache.get(hour);
  if (cached !== undefined) return cached;
  let formatter = zoneFormatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    zoneFormatters.set(zone, formatter);
  }
  const at = hour * 3_600_000;
  const parts: Record<string, number> = {};
  for (const p of formatter.formatToParts(new Date(at))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
  const offset = wall - at;
  cache.set(hour, offset);
  return offset;
}

/** Converts a wall-clock time (expressed as if UTC) in `zone` to the UTC instant. */
export function wallToUtc(wall: number, zone: string): number {
  const first = wall - zoneOffsetAt(wall, zone);
  return wall - zoneOffsetAt(first, zone);
}

/** ISO string of `utc` in `zone`, like ES: `2026-11-23T07:00:00.000Z` or `…000+01:00`. */
export function formatDate(utc: number, zone = 'UTC'): string {
  const offset = zoneOffsetAt(utc, zone);
  const iso = new Date(utc + offset).toISOString();
  if (offset === 0 && zone === 'UTC') return iso;
  if (offset === 0) return iso.replace('Z', 'Z');
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset) / 60_000;
  return `${iso.slice(0, -1)}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Renders a date per an ES `format` (only the common ones; anything else falls back to ISO). */
export function formatDateAs(utc: number, format: string | undefined, zone = 'UTC'): string {
  const first = format?.split('||')[0];
  if (first === 'epoch_millis') return String(utc);
  if (first === 'epoch_second') return String(Math.floor(utc / 1000));
  if (first === 'yyyy-MM-dd' || first === 'date' || first === 'strict_date') return formatDate(utc, zone).slice(0, 10);
  return formatDate(utc, zone);
}

export const DAY_MS = 86_400_000;
