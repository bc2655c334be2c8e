/** The values of a dotted field in a document's `_source` text, as text analysis, highlighting and phrase checks read them. */

function valuesAt(value: unknown, segments: string[]): unknown[] {
  if (segments.length === 0) return Array.isArray(value) ? value.flatMap((v) => valuesAt(v, [])) : [value];
  if (Array.isArray(value)) return value.flatMap((v) => valuesAt(v, segments));
  if (typeof value !== 'object' || value === null) return [];
  const obj = value as Record<string, unknown>;
  const out: unknown[] = [];
  // Both `{"a":{"b":1}}` and `{"a.b":1}` spell the field a.b.
  for (let i = 1; i <= segments.length; i++) {
    const key = segments.slice(0, i).join('.');
    if (key in obj) out.push(...valuesAt(obj[key], segments.slice(i)));
  }
  return out;
}

/** The string values of a dotted field in a `_source` JSON text. */
export function sourceStrings(source: string, path: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch {
    return [];
  }
  return valuesAt(parsed, path.split('.')).filter((v) => v !== null && v !== undefined).map(String);
}
