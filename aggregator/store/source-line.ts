/**
 * A `_bulk` source line read as a document, with Elasticsearch's wording for one that is not a JSON object.
 * That is the item's own 400 (`document_parsing_exception`), never the whole request's, so one bad record
 * does not block its neighbours. The HTTP layer reads lines with it, and so does the embedded store for the
 * lines it is handed unparsed (see BulkOp): both word the error the same way.
 */
import type { JsonObject } from './types.ts';

export interface SourceLineError {
  readonly status: 400;
  readonly type: 'document_parsing_exception';
  readonly reason: string;
}

export function parseSourceLine(text: string, line: number): { readonly doc: JsonObject } | { readonly error: SourceLineError } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { error: sourceLineError(line, 'is not valid JSON') };
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return { doc: parsed as JsonObject };
  return { error: sourceLineError(line, 'must be a JSON object') };
}

function sourceLineError(line: number, problem: string): SourceLineError {
  return { status: 400, type: 'document_parsing_exception', reason: `[${line}:1] failed to parse: the source on line [${line}] ${problem}` };
}
