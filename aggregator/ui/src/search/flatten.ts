/** A document's `_source` as dotted field names → values, the way Discover lists a document's fields. */

export function flattenSource(source: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (source === null || typeof source !== 'object' || Array.isArray(source)) {
    if (prefix) out[prefix] = source;
    return out;
  }
  for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) flattenSource(value, name, out);
    else out[name] = value;
  }
  return out;
}

/** A value as the text a cell shows (never HTML: the caller renders it as a text node). */
export function formatValue(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return 'null';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
