/** Times as the page shows them: local time, millisecond precision, unambiguous order. */

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function formatTime(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** A hit's time: the sort value (millis or a formatted date) or the source field. */
export function timeOf(sortValue: unknown, sourceValue: unknown): number | null {
  for (const v of [sortValue, sourceValue]) {
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string') {
      const parsed = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
      if (Number.isFinite(parsed)) return parsed;
    }
  }
  return null;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
