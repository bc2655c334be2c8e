/**
 * Runtime timestamps to one canonical form: ISO 8601 UTC with exactly 9 fraction digits.
 *
 * docker and containerd write UTC with trailing fraction zeros trimmed (`…27.84254693Z`); conmon
 * writes local time with an offset and 9 digits (`…27.499033813-03:30`). Going through `Date` would
 * keep milliseconds only, so the fraction is carried as a string and only the whole seconds are
 * shifted, with integer calendar arithmetic.
 */
import { daysInMonth } from '../kit/calendar.ts';
import { digitAt, digitsAt } from '../kit/decimal-digits.ts';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9})\d*)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;
const NINE_ZEROS = '000000000';
/** Canonical and valid on its face: any month has a 28th (later days need the calendar), no leap second. */
const CANONICAL_BEFORE_29TH = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{9}Z$/;

/**
 * `text` (RFC 3339, any offset, 0 to 9+ fraction digits; digits past the 9th are dropped) as
 * canonical UTC, or `undefined` when it is not a valid date-time.
 */
export function toCanonicalUtc(text: string): string | undefined {
  // docker's and containerd's usual time is already canonical; one regex pass is cheaper than reading its fields.
  if (CANONICAL_BEFORE_29TH.test(text)) return text;
  const fast = fromRuntimeShape(text);
  if (fast !== null) return fast;
  const match = RFC3339.exec(text);
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s, fraction = '', zulu, sign, offH, offM] = match;
  const offsetMinutes = zulu === undefined ? (sign === '-' ? -1 : 1) * (Number(offH) * 60 + Number(offM)) : 0;
  if (Number(offM) > 59 || Number(offH) > 23) return undefined;
  return build(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), (fraction + NINE_ZEROS).slice(0, 9), offsetMinutes);
}

/**
 * The shapes runtimes write, read by character codes because this runs once per line:
 * `YYYY-MM-DDThh:mm:ss[.f{1,9}](Z|±hh:mm)`. Returns `null` for any other shape (the regex decides),
 * `undefined` for this shape with an impossible date or time.
 */
function fromRuntimeShape(text: string): string | undefined | null {
  const length = text.length;
  if (length < 20 || text.charCodeAt(4) !== 0x2d || text.charCodeAt(7) !== 0x2d || text.charCodeAt(10) !== 0x54 ||
      text.charCodeAt(13) !== 0x3a || text.charCodeAt(16) !== 0x3a) return null;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return null;
  let zoneAt = 19;
  if (text.charCodeAt(19) === 0x2e /* . */) {
    zoneAt = 20;
    while (zoneAt < length && digitAt(text, zoneAt) >= 0) zoneAt++;
    if (zoneAt === 20 || zoneAt > 29) return null;
  }
  const zone = text.charCodeAt(zoneAt);
  let offsetMinutes = 0;
  if (zone === 0x5a /* Z */) {
    if (zoneAt !== length - 1) return null;
  } else if ((zone === 0x2b || zone === 0x2d) && length === zoneAt + 6 && text.charCodeAt(zoneAt + 3) === 0x3a) {
    const offsetHours = digitsAt(text, zoneAt + 1, 2);
    const offsetMins = digitsAt(text, zoneAt + 4, 2);
    if (offsetHours < 0 || offsetMins < 0) return null;
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (zone === 0x2d ? -1 : 1) * (offsetHours * 60 + offsetMins);
  } else {
    return null;
  }
  const nanos = zoneAt === 19 ? NINE_ZEROS : zoneAt === 29 ? text.slice(20, 29) : (text.slice(20, zoneAt) + NINE_ZEROS).slice(0, 9);
  if (offsetMinutes === 0) {
    if (!valid(year, month, day, hour, minute, second)) return undefined;
    // docker and containerd, nothing trimmed: the text is already the answer. Else its first 19
    // characters are (validated digits in this very layout), and only the fraction needs its zeros.
    return zoneAt === 29 && zone === 0x5a ? text : `${text.slice(0, 19)}.${nanos}Z`;
  }
  return build(year, month, day, hour, minute, second, nanos, offsetMinutes);
}

function valid(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  // A leap second (:60) has no place in a UTC string Elasticsearch accepts; refuse rather than guess.
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 59;
}

/** Canonical UTC of a valid local date-time `offsetMinutes` east of UTC; the fraction is carried as text. */
function build(year: number, month: number, day: number, hour: number, minute: number, second: number, nanos: string, offsetMinutes: number): string | undefined {
  if (!valid(year, month, day, hour, minute, second)) return undefined;
  if (offsetMinutes === 0) {
    return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}.${nanos}Z`;
  }
  // Local time minus its offset is UTC. Whole seconds fit a double exactly for any 4-digit year.
  const localSeconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
  const utcSeconds = localSeconds - offsetMinutes * 60;
  const utcDays = Math.floor(utcSeconds / 86_400);
  const secondOfDay = utcSeconds - utcDays * 86_400;
  const [uy, um, ud] = civilFromDays(utcDays);
  if (uy < 0 || uy > 9999) return undefined;
  return (
    `${pad(uy, 4)}-${pad(um, 2)}-${pad(ud, 2)}T` +
    `${pad(Math.floor(secondOfDay / 3600), 2)}:${pad(Math.floor((secondOfDay % 3600) / 60), 2)}:${pad(secondOfDay % 60, 2)}` +
    `.${nanos}Z`
  );
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const monthIndex = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * monthIndex + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return [year, month, day];
}
