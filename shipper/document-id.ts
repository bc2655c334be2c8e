/**
 * Deterministic `_id`: the same bytes of the same file always get the same id, so a retried or re-read
 * record can never be stored twice (the store answers 409 on `create`, which counts as delivered).
 */
import { hash } from 'node:crypto';
import type { LogRecord, Outgoing, SourceId } from './record.ts';

/** 20 url-safe characters (120 bits of SHA-1), short enough to keep the store's id index small. */
export function documentId(source: SourceId, offset: number): string {
  return hash('sha1', `${source}@${offset}`, 'base64url').slice(0, 20);
}

/** Wraps a finished record for the pipeline, covering the byte range [offset, endOffset) of its source. */
export function toOutgoing(index: string, doc: LogRecord, source: SourceId, offset: number, endOffset: number): Outgoing {
  // Serialized size is estimated from the raw byte range plus a fixed overhead for parsed fields:
  // exact JSON sizing would cost a second stringify on the hot path.
  return { index, id: documentId(source, offset), doc, source, offset, endOffset, bytes: (endOffset - offset) * 2 + 512 };
}
