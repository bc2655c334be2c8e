/**
 * JavaScript functions registered on every connection for the few things SQL cannot say: wildcard and
 * regexp tests on analysed text held in `_source`, regexps on keywords, and date-histogram buckets in
 * time zones with daylight-saving rules or calendar units. Patterns are compiled once and cached.
 */
import type { DatabaseSync } from 'node:sqlite';
import { tokenize } from './analyze.ts';
import { chunkDocs, decompressChunk } from './source-chunks.ts';
import { wildcardToRegExp } from './wildcard.ts';
import { bucketStart } from './aggregations/date-buckets.ts';

const regexps = new Map<string, RegExp | null>();

function compileRegexp(source: string, flags: string): RegExp | null {
  const key = `${flags}/${source}`;
  let re = regexps.get(key);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${source})$`, flags);
    } catch {
      re = null;
    }
    if (regexps.size > 1000) regexps.clear();
    regexps.set(key, re);
  }
  return re;
}

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

export function registerFunctions(db: DatabaseSync): void {
  const deterministic = { deterministic: true, varargs: false };
  // es_text_tokens_like(chunk, field, kind, pattern): JSON array of the rows of a `_source` chunk
  // (source-chunks.ts) where a token of the field matches.
  db.function('es_text_tokens_like', deterministic, (chunk, path, kind, pattern) => {
    if (!(chunk instanceof Uint8Array) || typeof path !== 'string' || typeof pattern !== 'string') return '[]';
    const re = kind === 'regexp' ? compileRegexp(pattern, 'u') : wildcardToRegExp(pattern.toLowerCase());
    if (re === null) return '[]';
    const rows: number[] = [];
    for (const doc of chunkDocs(decompressChunk(chunk))) {
      if (sourceStrings(doc.src, path).some((text) => tokenize(text).some((token) => re.test(token)))) rows.push(doc.r);
    }
    return JSON.stringify(rows);
  });
  // es_like(value, kind, pattern, caseInsensitive): wildcard / regexp on a keyword value.
  db.function('es_like', deterministic, (value, kind, pattern, ci) => {
    if (value === null || typeof pattern !== 'string') return 0;
    const text = String(value);
    const re = kind === 'regexp' ? compileRegexp(pattern, ci === 1 ? 'iu' : 'u') : wildcardToRegExp(pattern, ci === 1);
    return re !== null && re.test(text) ? 1 : 0;
  });
  // es_date_bucket(ts, spec): bucket start for a date_histogram spec (JSON), used when SQL arithmetic cannot.
  db.function('es_date_bucket', deterministic, (ts, spec) => {
    if (typeof ts !== 'number' && typeof ts !== 'bigint') return null;
    return bucketStart(Number(ts), String(spec));
  });
}
