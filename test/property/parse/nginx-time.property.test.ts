/**
 * The time converters write ISO strings from digits, keeping the day's `YYYY-MM-DDT`, instead of going
 * through a Date per time. They must answer exactly what the Date-based version answered; that version
 * is kept here as the reference and both are run on the same texts, valid or not.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createErrorTimeConverter, msecToIso, timeIso8601ToIso, timeLocalToIso } from '../../../shipper/parse/nginx-time.ts';

/** The Date-based converters as they were, the reference. */
const reference = (() => {
  const MONTHS: Readonly<Record<string, number>> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
  const digits = (text: string, at: number, length: number): number => {
    let value = 0;
    for (let i = at; i < at + length; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return -1;
      value = value * 10 + d;
    }
    return value;
  };
  const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const utcMillis = (year: number, month: number, day: number, hour: number, minute: number, second: number): number => {
    if (year < 0 || month < 0 || month > 11 || day < 1 || day > daysInMonth(year, month)) return NaN;
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return NaN;
    return Date.UTC(year, month, day, hour, minute, second);
  };
  const offsetMinutes = (text: string, at: number, withColon: boolean): number => {
    const sign = text.charCodeAt(at);
    if (sign === 90 && at + 1 === text.length) return 0;
    if (sign !== 43 && sign !== 45) return NaN;
    const hours = digits(text, at + 1, 2);
    const minutesAt = at + (withColon ? 4 : 3);
    if (withColon && text.charCodeAt(at + 3) !== 58) return NaN;
    const minutes = digits(text, minutesAt, 2);
    if (hours < 0 || minutes < 0 || minutesAt + 2 !== text.length) return NaN;
    const total = hours * 60 + minutes;
    return sign === 45 ? -total : total;
  };
  const toIso = (millis: number): string | undefined => (Number.isFinite(millis) ? new Date(millis).toISOString() : undefined);
  return {
    timeLocal(text: string): string | undefined {
      if (text.length !== 26 || text[2] !== '/' || text[6] !== '/' || text[11] !== ':' || text[14] !== ':' || text[17] !== ':' || text[20] !== ' ') return undefined;
      const month = MONTHS[text.slice(3, 6)];
      if (month === undefined) return undefined;
      const wall = utcMillis(digits(text, 7, 4), month, digits(text, 0, 2), digits(text, 12, 2), digits(text, 15, 2), digits(text, 18, 2));
      return toIso(wall - offsetMinutes(text, 21, false) * 60_000);
    },
    iso8601(text: string): string | undefined {
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
      const wall = utcMillis(digits(text, 0, 4), digits(text, 5, 2) - 1, digits(text, 8, 2), digits(text, 11, 2), digits(text, 14, 2), digits(text, 17, 2));
      return toIso(wall + millis - offsetMinutes(text, zoneAt, true) * 60_000);
    },
    msec(text: string): string | undefined {
      if (!/^\d{1,13}(\.\d{1,3})?$/.test(text)) return undefined;
      const dot = text.indexOf('.');
      const seconds = Number(dot < 0 ? text : text.slice(0, dot));
      const millis = dot < 0 ? 0 : Number(text.slice(dot + 1).padEnd(3, '0'));
      return toIso(seconds * 1000 + millis);
    },
    errorUtc(text: string): string | undefined {
      if (text.length !== 19 || text[4] !== '/' || text[7] !== '/' || text[10] !== ' ' || text[13] !== ':' || text[16] !== ':') return undefined;
      const wall = utcMillis(digits(text, 0, 4), digits(text, 5, 2) - 1, digits(text, 8, 2), digits(text, 11, 2), digits(text, 14, 2), digits(text, 17, 2));
      return Number.isFinite(wall) ? toIso(wall) : undefined;
    },
  };
})();

/** An answer, or the error it threw (a time the Date cannot hold throws; the parser turns that into a failure). */
function outcome(convert: (text: string) => string | undefined, text: string): string | undefined {
  try {
    return convert(text);
  } catch (error) {
    return `threw ${(error as Error).name}: ${(error as Error).message}`;
  }
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec', 'Foo'];
/** Field values mostly in range, sometimes just outside it (Feb 29–31, hour 24, second 60, year 0–99). */
const parts = fc.record({
  year: fc.oneof(fc.integer({ min: 1960, max: 2100 }), fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 99, 100, 1900, 2000, 2024, 9999)),
  month: fc.integer({ min: 0, max: 12 }),
  day: fc.integer({ min: 0, max: 32 }),
  hour: fc.integer({ min: 0, max: 24 }),
  minute: fc.integer({ min: 0, max: 60 }),
  second: fc.integer({ min: 0, max: 61 }),
  offset: fc.integer({ min: -14 * 60, max: 14 * 60 }),
  fraction: fc.oneof(fc.constant(''), fc.stringMatching(/^\.\d{1,9}$/)),
});
const zone = (offset: number, colon: boolean): string => `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60), 2)}${colon ? ':' : ''}${pad(Math.abs(offset) % 60, 2)}`;

describe('nginx time converters', () => {
  it('answer what the Date-based converters answered, for $time_local', () => {
    fc.assert(
      fc.property(parts, ({ year, month, day, hour, minute, second, offset }) => {
        const text = `${pad(day, 2)}/${MONTH_NAMES[month]}/${pad(year, 4)}:${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)} ${zone(offset, false)}`;
        expect(outcome(timeLocalToIso, text)).toBe(outcome(reference.timeLocal, text));
      }),
      { numRuns: 5000 },
    );
  });

  it('answer what the Date-based converters answered, for $time_iso8601', () => {
    fc.assert(
      fc.property(parts, fc.boolean(), ({ year, month, day, hour, minute, second, offset, fraction }, utc) => {
        const text = `${pad(year, 4)}-${pad(month + 1, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${fraction}${utc ? 'Z' : zone(offset, true)}`;
        expect(outcome(timeIso8601ToIso, text)).toBe(outcome(reference.iso8601, text));
      }),
      { numRuns: 5000 },
    );
  });

  it('answer what the Date-based converters answered, for $msec (the far future included, which throws)', () => {
    const msec = fc.oneof(
      fc.tuple(fc.oneof(fc.nat({ max: 4_102_444_800 }), fc.nat({ max: 9_999_999_999_999 })), fc.oneof(fc.constant(''), fc.stringMatching(/^\.\d{1,3}$/))).map(([s, f]) => `${s}${f}`),
      fc.constantFrom('0', '0.000', '86399.999', '86400', '253402300799.999', '253402300800', '8640000000000', '8640000000000.001', '9999999999999.999'),
    );
    fc.assert(
      fc.property(msec, (text) => {
        expect(outcome(msecToIso, text)).toBe(outcome(reference.msec, text));
      }),
      { numRuns: 5000 },
    );
  });

  it('answer what the Date-based converters answered, for the error log in UTC', () => {
    const convert = createErrorTimeConverter('UTC');
    fc.assert(
      fc.property(parts, ({ year, month, day, hour, minute, second }) => {
        const text = `${pad(year, 4)}/${pad(month + 1, 2)}/${pad(day, 2)} ${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}`;
        expect(outcome(convert, text)).toBe(outcome(reference.errorUtc, text));
      }),
      { numRuns: 5000 },
    );
  });

  it('answer the same for consecutive times across day boundaries (the kept day is replaced)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4_102_444_800_000 }), { minLength: 2, maxLength: 20 }), (instants) => {
        for (const millis of instants.flatMap((m) => [m, m + 1, m - 1].filter((x) => x >= 0))) {
          const text = `${Math.floor(millis / 1000)}.${pad(millis % 1000, 3)}`;
          expect(msecToIso(text)).toBe(new Date(millis).toISOString());
        }
      }),
      { numRuns: 1000 },
    );
  });
});
