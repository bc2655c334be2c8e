/**
 * `_msearch` NDJSON → header/body pairs. A line that is not a JSON object, or a header without its body
 * line, fails the whole request with 400 naming the line.
 */
import type { JsonObject } from '../store/types.ts';
import { isJsonObject } from './request-body.ts';
import { ndjsonLines } from './ndjson.ts';
import { parseException, validationFailed } from './errors.ts';

export interface MsearchItem {
  readonly header: JsonObject;
  readonly body: JsonObject;
}

export function parseMsearch(body: string | Buffer): MsearchItem[] {
  const lines = ndjsonLines(body);
  if (lines.length === 0) throw validationFailed(['no requests added']);
  const searches: MsearchItem[] = [];
  for (let i = 0; i < lines.length; i += 2) {
    const headerLine = lines[i]!;
    const bodyLine = lines[i + 1];
    const header = parseLine(headerLine.text, headerLine.number, 'header');
    if (bodyLine === undefined) throw parseException(`msearch header on line [${headerLine.number}] has no search body line after it`);
    searches.push({ header, body: parseLine(bodyLine.text, bodyLine.number, 'body') });
  }
  return searches;
}

function parseLine(text: string, number: number, what: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw parseException(`msearch ${what} on line [${number}] is not valid JSON: ${(error as Error).message}`);
  }
  if (!isJsonObject(parsed)) throw parseException(`msearch ${what} on line [${number}] must be a JSON object`);
  return parsed;
}

/** The header's `index` (string or list) as one pattern. */
export function headerIndex(header: JsonObject): string | undefined {
  const index = header.index ?? header.indices;
  if (typeof index === 'string') return index;
  if (Array.isArray(index)) return index.map(String).join(',');
  return undefined;
}

/** Per-search options from an msearch header line (all but the index), as query-string-like strings. */
export function headerParams(header: JsonObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(header)) {
    if (key === 'index' || key === 'indices' || value === undefined || value === null) continue;
    out[key] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  }
  return out;
}

/** Request-level parameters that concern the whole msearch, not each search. */
export function withoutMsearchParams(params: Record<string, string>): Record<string, string> {
  const { max_concurrent_searches: _a, max_concurrent_shard_requests: _b, ...rest } = params;
  return rest;
}
