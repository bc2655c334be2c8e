/**
 * Deterministic `_id`: the same bytes of the same file always get the same id, so a retried or re-read
 * record can never be stored twice (the store answers 409 on `create`, which counts as delivered).
 */
import { hash } from 'node:crypto';
import type { LogRecord, Outgoing, SourceId } from './record.ts';
import { encodeRecord } from './sink/bulk-record.ts';

/**
 * 16 url-safe characters of SHA-1 over the source identity (96 bits: collisions between sources are
 * negligible), then the byte offset in base 36. Hashing once per source rather than once per record
 * takes a hash off the hot path; the offset part keeps ids of one source unique by construction.
 */
export function documentId(source: SourceId, offset: number): string {
  return `${documentIdPrefix(source)}${offset.toString(36)}`;
}

/** The part of a document id that depends on the source alone (the offset in base 36 follows it). */
function documentIdPrefix(source: SourceId): string {
  let prefix = sourcePrefixes.get(source);
  if (prefix === undefined) {
    if (sourcePrefixes.size >= PREFIX_CACHE_LIMIT) sourcePrefixes.clear();
    prefix = hash('sha1', source, 'base64url').slice(0, 16);
    sourcePrefixes.set(source, prefix);
  }
  return prefix;
}

/** Bounded: a node with more live files than this just hashes a little more often. */
const PREFIX_CACHE_LIMIT = 10_000;
const sourcePrefixes = new Map<SourceId, string>();

/** Wraps a finished record for the pipeline, covering the byte range [offset, endOffset) of its source. */
export function toOutgoing(index: string, doc: LogRecord, source: SourceId, offset: number, endOffset: number): Outgoing {
  return outgoingOfJson(index, JSON.stringify(doc), source, offset, endOffset);
}

/**
 * The same for a document already serialized (a record whose JSON was built directly). The record is
 * encoded at once as the bytes of its bulk request lines (see sink/bulk-record.ts).
 */
export function outgoingOfJson(index: string, body: string, source: SourceId, offset: number, endOffset: number): Outgoing {
  // Ids are base64url and base36: JSON-safe as they are.
  return encodeRecord(index, documentIdPrefix(source), offset.toString(36), body, source, offset, endOffset);
}

/**
 * The part of `source`'s document ids before the offset (`documentId(source, offset)` is it followed by
 * `offset.toString(36)`), for callers that write ids themselves.
 */
export function documentIdHead(source: SourceId): string {
  return documentIdPrefix(source);
}
