/**
 * nginx's time formats, turned into ISO 8601 UTC with millisecond precision (`@timestamp`).
 *
 * - `$time_local`:   `23/Nov/2026:06:16:36 +0000`
 * - `$time_iso8601`: `2026-11-23T06:16:36+00:00`
 * - `$msec`:         `1795414596.123` (seconds with milliseconds since the epoch)
 * - error log:       `2026/11/23 06:16:36`, with no zone at all: read in a configured IANA zone.
 *
 * Consecutive lines nearly always share their second, so each converter remembers its last input:
 * most lines cost one string comparison instead of a date computation.
 */
import { daysInMonthAsDateUtc } from '../kit/calendar.ts';
import { digitsAt } from '../kit/decimal-digits.ts';

const MONTHS: Readonly<Record<string, number>> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

/** Milliseconds since the epoch for a wall-clock time read as UTC, or NaN when a field is out of range. */
function utcMillis(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  if (year < 0 || month < 0 || month > 11 || day < 1 || day > daysInMonthAsDateUtc(year, month + 1)) return NaN;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return NaN;
  return Date.UTC(year, month, day, hour, minute, second);
}

/** `+0100` / `-05:30` / `Z` → offset in minutes east of UTC, or NaN. */
function offsetMinutes(text: string, at: number, withColon: boolean): number {
  const sign = text.charCodeAt(at);
  if (sign === 90 /* Z */ && at + 1 === text.length) return 0;
  if (sign !== 43 && sign !== 45) return NaN;
  const hours = digitsAt(text, at + 1, 2);
  const minutesAt = at + (withColon ? 4 : 3);
  if (withColon && text.charCodeAt(at + 3) !== 58) return NaN;
  const minutes = digitsAt(text, minutesAt, 2);
  if (hours < 0 || minutes < 0 || minutesAt + 2 !== text.length) return NaN;
  const total = hours * 60 + minutes;
  return sign === 45 ? -total : total;
}

const DAY_MILLIS = 86_400_000;
/** 10000-01-01T00:00:00Z: from there on `toISOString` writes six-digit years. */
const YEAR_10000_MILLIS = 253_402_300_800_000;
const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));

/**
 * `new Date(millis).toISOString()`: a Date and its formatting cost about as much as parsing the rest of
 * a line, and times keep to one day for long, so the day's `YYYY-MM-DDT` is kept and the time of day
 * written from digits.
 */
function toIso(millis: number): string | undefined {
  if (!Number.isFinite(millis)) return undefined;
  if (!Number.isInteger(millis) || millis < 0 || millis >= YEAR_10000_MILLIS) return new Date(millis).toISOString();
  const timeOfDay = millis % DAY_MILLIS;
  const dayStart = millis - timeOfDay;
  if (dayStart !== isoDayStart) {
    isoDayStart = dayStart;
    isoDayPrefix = new Date(dayStart).toISOString().slice(0, 11);
  }
  const seconds = Math.floor(timeOfDay / 1000);
  // Joined rather than `+`-ed, so the string is flat: converters hand it to many records, whose documents
  // then copy it as one piece rather than as a tree of eight.
  return [isoDayPrefix, TWO_DIGITS[Math.floor(seconds / 3600)], ':', TWO_DIGITS[Math.floor(seconds / 60) % 60], ':', TWO_DIGITS[seconds % 60], '.', THREE_DIGITS[timeOfDay % 1000], 'Z'].join('');
}
let isoDayStart = NaN;
let isoDayPrefix = '';

/** A converter that remembers its last input and answer. */
function remembering(convert: (text: string) => string | undefined): (text: string) => string | undefined {
  let lastText = '';
  let lastIso: string | undefined;
  return (text) => {
    if (text !== lastText) {
      lastText = text;
      lastIso = convert(text);
    }
    return lastIso;
  };
}

/** `23/Nov/2026:06:16:36 +0000` → `2026-11-23T06:16:36.000Z`, or undefined when malformed. */
export function timeLocalToIso(text: string): string | undefined {
  if (text.length !== 26 || text[2] !== '/' || text[6] !== '/' || text[11] !== ':' || text[14] !== ':' || text[17] !== ':' || text[20] !== ' ') {
    return undefined;
  }
  const month = MONTHS[text.slice(3, 6)];
  if (month === undefined) return undefined;
  const wall = utcMillis(digitsAt(text, 7, 4), month, digitsAt(text, 0, 2), digitsAt(text, 12, 2), digitsAt(text, 15, 2), digitsAt(text, 18, 2));
  return toIso(wall - offsetMinutes(text, 21, false) * 60_000);
}

/** `2026-11-23T06:16:36+00:00` (also with `Z` or fractional seconds) → ISO UTC, or undefined. */
export function timeIso8601ToIso(text: string): string | undefined {
  if (text.length < 20 || text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':') return undefined;
  let zoneAt = 19;
  let millis = 0;
  if (text[19] === '.') {
    zoneAt = 20;
    while (zoneAt < text.length && text.charCodeAt(zoneAt) >= 48 && text.charCodeAt(zoneAt) <= 57) zoneAt++;
    const fraction = text.slice(20, zoneAt);
    if (fraction.length === 0) return undefined;
    millis = Number(fraction.slice(0, 3).padEnd(3, '0'));
  }
  const wall = utcMillis(digitsAt(text, 0, 4), digitsAt(text, 5, 2) - 1, digitsAt(text, 8, 2), digitsAt(text, 11, 2), digitsAt(text, 14, 2), digitsAt(text, 17, 2));
  return toIso(wall + millis - offsetMinutes(text, zoneAt, true) * 60_000);
}

/** `1795414596.123` → ISO UTC keeping the milliseconds, or undefined. */
export function msecToIso(text: string): string | undefined {
  if (!/^\d{1,13}(\.\d{1,3})?$/.test(text)) return undefined;
  const dot = text.indexOf('.');
  const seconds = Number(dot < 0 ? text : text.slice(0, dot));
  const millis = dot < 0 ? 0 : Number(text.slice(dot + 1).padEnd(3, '0'));
  return toIso(seconds * 1000 + millis);
}

export const createTimeLocalConverter = (): ((text: string) => string | undefined) => remembering(timeLocalToIso);
export const createTimeIso8601Converter = (): ((text: string) => string | undefined) => remembering(timeIso8601ToIso);

/** The process's own zone (honours `TZ`), or UTC when the runtime cannot tell. */
export function processTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Names of UTC itself, whose offset is always 0 (no zone data needed). */
export function isUtcZoneName(timeZone: string): boolean {
  return timeZone === 'UTC' || timeZone === 'Etc/UTC' || timeZone === 'Etc/GMT';
}

/** Throws on an unknown zone name; meant for validating configuration at start. */
export function assertTimeZone(timeZone: string): void {
  new Intl.DateTimeFormat('en-US', { timeZone });
}

/**
 * Offsets of an IANA zone, computed with Intl: for an instant, format it in the zone and read the
 * wall clock back as if it were UTC; the difference is the offset in effect.
 */
function zoneOffsetReader(timeZone: string): (utc: number) => number {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  });
  return (utc) => {
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(utc)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
    const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
    return wall - Math.floor(utc / 1000) * 1000;
  };
}

/**
 * Converts a zone-less wall-clock time to a UTC instant in `timeZone`, the way Temporal's
 * `compatible` disambiguation does: a time that occurs twice (clocks going back) is the earlier
 * instant; a time that never occurs (clocks going forward) is moved forward by the gap.
 * Any transition near `wall` is within a day, so the offsets a day either side are the only candidates.
 */
export function wallClockToUtc(wall: number, offsetAt: (utc: number) => number): number {
  const before = offsetAt(wall - 86_400_000);
  const after = offsetAt(wall + 86_400_000);
  const candidates = before === after ? [before] : [before, after];
  const valid = candidates.filter((offset) => offsetAt(wall - offset) === offset);
  if (valid.length > 0) return Math.min(...valid.map((offset) => wall - offset));
  return wall - before;
}

/**
 * Converter for the error log's `2026/11/23 06:16:36`, read in `timeZone`.
 * Returns undefined when the text is not such a time.
 */
export function createErrorTimeConverter(timeZone: string): (text: string) => string | undefined {
  const offsetAt = isUtcZoneName(timeZone) ? () => 0 : zoneOffsetReader(timeZone);
  return remembering((text) => {
    if (text.length !== 19 || text[4] !== '/' || text[7] !== '/' || text[10] !== ' ' || text[13] !== ':' || text[16] !== ':') return undefined;
    const wall = utcMillis(digitsAt(text, 0, 4), digitsAt(text, 5, 2) - 1, digitsAt(text, 8, 2), digitsAt(text, 11, 2), digitsAt(text, 14, 2), digitsAt(text, 17, 2));
    return Number.isFinite(wall) ? toIso(wallClockToUtc(wall, offsetAt)) : undefined;
  });
}
