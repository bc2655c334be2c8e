/**
 * Kibana's date math (`now-15m`, `now/d`, `2026-11-23T06:00:00Z||+1h/h`), evaluated in the browser's
 * time zone, with the same results as `@elastic/datemath` (the unit tests compare the two).
 *
 * Why not bundle `@elastic/datemath`: it needs moment (≈ 60 KB minified before locales) for about 80
 * lines of arithmetic; this module is those lines on the native `Date`, which keeps the page's
 * bundle small and its first paint fast.
 *
 * Units: `y M w d h m s ms` (no quarters, like `@elastic/datemath`); `/unit` rounds down, or up to
 * the unit's last millisecond when `roundUp` (for the "to" end of a range); `+`/`-` without a number
 * mean 1; days, weeks, months and years are calendar units (a day across a DST change is 23 or 25 h);
 * weeks start on Sunday (moment's default locale).
 */

const UNITS = ['y', 'M', 'w', 'd', 'h', 'm', 's', 'ms'] as const;
export type DateUnit = (typeof UNITS)[number];

export type DateMathOptions = { readonly roundUp?: boolean; readonly now?: number };

/** Epoch milliseconds, or `undefined` when the text is not a date or date-math expression. */
export function parseDateMath(text: string, options: DateMathOptions = {}): number | undefined {
  const input = text.trim();
  if (input === '') return undefined;
  let time: number | undefined;
  let math: string;
  if (input.startsWith('now')) {
    time = options.now ?? Date.now();
    math = input.slice(3);
  } else {
    const index = input.indexOf('||');
    time = parseAbsolute(index === -1 ? input : input.slice(0, index));
    math = index === -1 ? '' : input.slice(index + 2);
  }
  if (time === undefined) return undefined;
  return applyMath(math, new Date(time), options.roundUp ?? false);
}

/** True when the text is a valid date or date-math expression. */
export function isValidDateMath(text: string): boolean {
  return parseDateMath(text, { now: 0 }) !== undefined;
}

const ISO = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** ISO 8601 as moment reads it: without an offset it is local time (a bare date too). Digits alone are epoch millis. */
export function parseAbsolute(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d{10,}$/.test(trimmed)) return Number(trimmed);
  const m = ISO.exec(trimmed);
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', frac = '0', zone] = m;
  const ms = Number(frac.slice(0, 3).padEnd(3, '0'));
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms] as const;
  if (parts[1] > 11 || parts[2] < 1 || parts[2] > 31 || parts[3] > 24 || parts[4] > 59 || parts[5] > 60) return undefined;
  if (zone === undefined) return new Date(...parts).getTime();
  const utc = Date.UTC(...parts);
  if (zone === 'Z') return utc;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
  return utc - offset * 60_000;
}

function applyMath(math: string, date: Date, roundUp: boolean): number | undefined {
  let i = 0;
  while (i < math.length) {
    const op = math[i++];
    if (op !== '/' && op !== '+' && op !== '-') return undefined;
    const digits = /^\d+/.exec(math.slice(i))?.[0] ?? '';
    i += digits.length;
    const num = digits === '' ? 1 : Number(digits);
    if (op === '/' && num !== 1) return undefined;
    const unit = /^[a-z]+/i.exec(math.slice(i))?.[0] ?? '';
    i += unit.length;
    if (!(UNITS as readonly string[]).includes(unit)) return undefined;
    if (op === '/') roundTo(date, unit as DateUnit, roundUp);
    else add(date, unit as DateUnit, op === '+' ? num : -num);
  }
  return date.getTime();
}

function add(date: Date, unit: DateUnit, amount: number): void {
  switch (unit) {
    case 'ms': date.setTime(date.getTime() + amount); break;
    case 's': date.setTime(date.getTime() + amount * 1000); break;
    case 'm': date.setTime(date.getTime() + amount * 60_000); break;
    case 'h': date.setTime(date.getTime() + amount * 3_600_000); break;
    case 'd': date.setDate(date.getDate() + amount); break;
    case 'w': date.setDate(date.getDate() + amount * 7); break;
    case 'M': addMonths(date, amount); break;
    case 'y': addMonths(date, amount * 12); break;
  }
}

/** moment's month arithmetic: the day of month is clamped (Jan 31 + 1M = Feb 28/29). */
function addMonths(date: Date, months: number): void {
  const day = date.getDate();
  date.setDate(1);
  date.setMonth(date.getMonth() + months);
  const last = new Date(date.getFullYear(), date.getMonth() + 1, 0).getDate();
  date.setDate(Math.min(day, last));
}

function roundTo(date: Date, unit: DateUnit, up: boolean): void {
  startOf(date, unit);
  if (!up) return;
  add(date, unit, 1);
  date.setTime(date.getTime() - 1);
}

function startOf(date: Date, unit: DateUnit): void {
  switch (unit) {
    case 'y': date.setMonth(0, 1); date.setHours(0, 0, 0, 0); break;
    case 'M': date.setDate(1); date.setHours(0, 0, 0, 0); break;
    case 'w': date.setDate(date.getDate() - date.getDay()); date.setHours(0, 0, 0, 0); break;
    case 'd': date.setHours(0, 0, 0, 0); break;
    // Hours and smaller are cut in absolute time at the instant's own offset, as moment does: setMinutes()
    // would re-resolve the local time and pick the earlier of the two 02:00s on the night clocks go back.
    case 'h': truncateKeepingOffset(date, 3_600_000); break;
    case 'm': truncateKeepingOffset(date, 60_000); break;
    case 's': truncateKeepingOffset(date, 1000); break;
    case 'ms': break;
  }
}

function truncateKeepingOffset(date: Date, unitMs: number): void {
  const time = date.getTime();
  const local = time - date.getTimezoneOffset() * 60_000;
  date.setTime(time - (((local % unitMs) + unitMs) % unitMs));
}
