/**
 * Month lengths for the timestamp parsers on hot paths (nginx times, container runtime times, the store's
 * canonical dates), which check a date by arithmetic instead of building a Date to see whether it rolled over.
 */

/** Days in a month (1–12) of year `year` of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The same as `Date.UTC` counts them, which reads years 0–99 as 1900–1999. */
export function daysInMonthAsDateUtc(year: number, month: number): number {
  return daysInMonth(year <= 99 ? 1900 + year : year, month);
}
