/**
 * Deterministic `_id`: the same bytes of the same file always get the same id, so a retried or re-read
 * record can never be stored twice (the store answers 409 on `create`, which counts as delivered).
 */
import { hash } from 'node:crypto';
import type { LogRecord, Outgoing, SourceId } from './record.ts';

/**
 * 16 url-safe characters of SHA-1 over the source identity (96 bits: collisions between sources are
 * negligible), then the byte offset in base 36. Hashing once per source rather than once per record
 * takes a hash off the hot path; the offset part keeps ids of one source unique by construction.
 */
export function documentId(source: SourceId, offset: number): string {
  let prefix = sourcePrefixes.get(source);
  if (prefix === undefined) {
    if (sourcePrefixes.size >= PREFIX_CACHE_LIMIT) sourcePrefixes.clear();
    prefix = hash('sha1', source, 'base64url').slice(0, 16);
    sourcePrefixes.set(source, prefix);
  }
  return `${prefix}${offset.toString(36)}`;
}

/** Bounded: a node with more live files than this just hashes a little more often. */
const PREFIX_CACHE_LIMIT = 10_000;
const sourcePrefixes = new Map<SourceId, string>();

/** Wraps a finished record for the pipeline, covering the byte range [offset, endOffset) of its source. */
export function toOutgoing(index: string, doc: LogRecord, source: SourceId, offset: number, endOffset: number): Outgoing {
  const body = JSON.stringify(doc);
  // The action line adds the index name, the 20-character id and some 30 bytes of JSON.
  return { index, id: documentId(source, offset), body, source, offset, endOffset, bytes: body.length + index.length + 56 };
}
