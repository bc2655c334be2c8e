/**
 * The shapes that travel between the shipper's stages:
 *   source (Line[]) → parse (ParseResult) → enrich (LogRecord) → batch (Outgoing[]) → sink (SendResult)
 * Only types live here, so every stage can be read and tested alone.
 */
import type { RecordList } from './sink/record-list.ts';

/** Stable identity of a file's content: `<dev>:<ino>:<fingerprint hex>`. Never a path. */
export type SourceId = string;

/** One raw line as read from a file, without its trailing newline. */
export interface Line {
  readonly source: SourceId;
  /** Path the file had when the line was read (for `log.file.path`). */
  readonly path: string;
  readonly text: string;
  /** Byte offset of the line's first byte. */
  readonly offset: number;
  /** Byte offset just past the line's newline (or its cut end); the checkpoint moves here once settled. */
  readonly endOffset: number;
  /** The line was longer than `--max-line-bytes` and was cut. */
  readonly truncated?: boolean;
}

/** An ECS document, nested the way Elasticsearch stores `_source` (`{ http: { request: { method } } }`). */
export type LogRecord = { [field: string]: unknown };

/** Parsers are pure and never throw: failure is a value carrying the reason. */
export type ParseResult =
  | { readonly ok: true; readonly record: LogRecord }
  | { readonly ok: false; readonly error: string };

export type Parser = (text: string) => ParseResult;

/** Enrichers are pure: they return a new record with extra fields. */
export type Enricher = (record: LogRecord, line: Line) => LogRecord;

/** A record ready to be written, with what is needed to settle its checkpoint once acknowledged. */
export interface Outgoing {
  /** Data stream (or index) name, e.g. `logs-nginx.access-default`. */
  readonly index: string;
  /** Deterministic `_id`: hash of source identity + byte offset, so a retry never duplicates. */
  readonly id: string;
  /**
   * The document's JSON. Records made by `toOutgoing` are encoded once, when made, as the bytes of their
   * bulk request lines, outside the JavaScript heap (see sink/bulk-record.ts): there `id` and `body` are
   * read back from those bytes on demand, so copy the fields by name, never by spreading the object.
   */
  readonly body: string;
  readonly source: SourceId;
  /** The byte range of the file this record covers: [offset, endOffset). */
  readonly offset: number;
  readonly endOffset: number;
  /** Bytes this record occupies in a bulk request (and in the buffer), which the buffer bound counts. */
  readonly bytes: number;
  /**
   * Called by the pipeline once the store has answered for the record (or it was replaced by its
   * dead-letter copy): nothing reads the record after that, so the memory of its bytes may be reused.
   */
  release?(): void;
}

/**
 * A sink answers for every item of a batch by its index in the batch:
 * delivered (stored, or already stored: 409 on create), retry (429, 5xx, network),
 * rejected (permanent, with the store's reason; the pipeline dead-letters it).
 */
export interface SendResult {
  readonly delivered: number[];
  readonly retry: number[];
  readonly rejected: Array<[number, string]>;
  /** Seconds the store asked us to wait (Retry-After), if it said. */
  readonly retryAfterSeconds?: number;
  /** Set when the request failed as a whole (network, timeout, non-2xx): the reason, for logs. */
  readonly requestError?: string;
  /** HTTP status of a request that failed as a whole, when there was one (413 makes the pipeline split). */
  readonly requestStatus?: number;
}

export interface Sink {
  /** The pipeline sends `RecordList`s (records as slots of their chunks); `Outgoing`s are for direct use. */
  send(batch: readonly Outgoing[] | RecordList): Promise<SendResult>;
  close(): Promise<void>;
}
