/**
 * JavaScript functions registered on every connection for the few things SQL cannot say: wildcard and
 * regexp tests on analysed text held in `_source`, regexps on keywords, and date-histogram buckets in
 * time zones with daylight-saving rules or calendar units. Patterns are compiled once and cached.
 */
import type { DatabaseSync } from 'node:sqlite';
import { tokenize } from './analyze.ts';
import { PhraseChecker } from './phrase-check.ts';
import { sourceStrings } from './source-strings.ts';
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
  // es_phrase_in_source(chunk, row, field, tokensJson, lastIsPrefix): 1 when the row's field holds the
  // phrase (text indexed without positions, see phrase-check.ts).
  const phrases = new PhraseChecker();
  db.function('es_phrase_in_source', deterministic, (chunk, row, path, tokens, lastIsPrefix) => {
    if (!(chunk instanceof Uint8Array) || typeof path !== 'string' || typeof tokens !== 'string') return 0;
    return phrases.matches(chunk, Number(row), path, tokens, lastIsPrefix === 1) ? 1 : 0;
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
