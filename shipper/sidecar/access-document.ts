/**
 * The sidecar's bulk record for a parsed access line, its document written straight from the parser's
 * flat fields: the typical one as bytes (access-record-bytes.ts), any other as JSON text here.
 *
 * The document is exactly the JSON the record path makes (nginx-records.ts: `assembleRecord`, then the file, the
 * data stream and the fixed fields added, then `JSON.stringify`): the same keys in the same order with
 * the same values. Parts that are the same for every line of a file (the file's path, the data stream,
 * the pod and agent fields) are serialized once. A test compares both paths on the corpus and on
 * random lines.
 */
import type { Line, LogRecord, Outgoing } from '../record.ts';
import type { NginxFields } from '../parse/nginx-fields.ts';
import type { AccessFieldReader } from '../parse/nginx-access.ts';
import { outgoingOfJson } from '../document-id.ts';
import { valuesNeedNoEscaping, recordJsonMembers, isTypicalAccessRecord } from '../parse/nginx-fields-json.ts';
import { createAccessPositionsRecordWriter, createAccessRecordBytesWriter } from './access-record-bytes.ts';
import { AccessLinePositions, compileAccessPositionReader } from '../parse/nginx-access-positions.ts';

/** Top-level keys an access document can have before the fixed fields are added. */
const ACCESS_RECORD_KEYS: ReadonlySet<string> = new Set(['@timestamp', 'message', 'source', 'user', 'http', 'url', 'user_agent', 'log', 'process', 'event', 'nginx', 'data_stream', 'tags']);

/**
 * Makes the bulk record of one parsed access line (index, id and document as `nginxRecordOf` makes them);
 * `now` gives `@timestamp` to a line without a time. Undefined for what only the record path does: a cut
 * line (tagged) or fields with a `log` object of their own.
 */
export type AccessRecordWriter = (fields: NginxFields, line: Line, now: () => string) => Outgoing | undefined;

/**
 * The record writer for one index: the typical record whose values need no escaping is written as bytes
 * (access-record-bytes.ts), any other as its document's JSON, then encoded. Undefined when the fixed fields
 * share a top-level key with an access document: they are then merged into the record (fixed-fields.ts),
 * which only the record path does.
 */
export function createAccessRecordWriter(reader: AccessFieldReader, index: string, dataset: string, namespace: string, fixedFields: LogRecord): AccessRecordWriter | undefined {
  const parts = documentPartsOf(reader, dataset, namespace, fixedFields);
  if (parts === undefined) return undefined;
  const writeBytes = createAccessRecordBytesWriter(reader, index, parts.datasetJson, parts.afterOffset);
  return (fields, line, now) => {
    if (line.truncated || fields.logLevel !== undefined) return undefined;
    const text = line.text;
    const messageJson = JSON.stringify(text);
    const plain = valuesNeedNoEscaping(text, messageJson, parts.escapesInLiterals);
    if (plain && isTypicalAccessRecord(fields)) return writeBytes(fields, line, messageJson);
    return outgoingOfJson(index, parts.document(fields, line, messageJson, plain, now), line.source, line.offset, line.endOffset);
  };
}

/**
 * Makes the bulk record of a typical access line straight from the line, before any field is read: the
 * line read into positions (../parse/nginx-access-positions.ts), its values copied into the record
 * (access-record-bytes.ts). Undefined for any other line, which then takes the field reader and
 * `AccessRecordWriter`: the records are the same either way.
 */
export type AccessLineWriter = (line: Line) => Outgoing | undefined;

/** The line writer for one index, or undefined when the format's lines are never written this way. */
export function createAccessLineWriter(reader: AccessFieldReader, index: string, dataset: string, namespace: string, fixedFields: LogRecord): AccessLineWriter | undefined {
  const escapesInLiterals = reader.escapesInLiterals;
  // A JSON-object format's lines are read by JSON.parse first: never cut from the line as written.
  if (escapesInLiterals === undefined) return undefined;
  const parts = documentPartsOf(reader, dataset, namespace, fixedFields);
  const readPositions = compileAccessPositionReader(reader.format);
  if (parts === undefined || readPositions === undefined) return undefined;
  const writePositions = createAccessPositionsRecordWriter(reader.format, index, parts.datasetJson, parts.afterOffset);
  if (writePositions === undefined) return undefined;
  const positions = new AccessLinePositions();
  return (line) => {
    if (line.truncated) return undefined;
    const text = line.text;
    if (!readPositions(text, positions)) return undefined;
    const messageJson = JSON.stringify(text);
    if (!valuesNeedNoEscaping(text, messageJson, escapesInLiterals)) return undefined;
    return writePositions(line, positions, messageJson);
  };
}

interface DocumentParts {
  readonly escapesInLiterals: number | undefined;
  readonly datasetJson: string;
  /** Everything after the offset: the end of `log`, `data_stream`, the fixed fields and the closing brace. */
  readonly afterOffset: string;
  /** The document's JSON; `plain`: no value needs escaping (see `valuesNeedNoEscaping`). */
  readonly document: (fields: NginxFields, line: Line, messageJson: string, plain: boolean, now: () => string) => string;
}

function documentPartsOf(reader: AccessFieldReader, dataset: string, namespace: string, fixedFields: LogRecord): DocumentParts | undefined {
  if (Object.keys(fixedFields).some((key) => ACCESS_RECORD_KEYS.has(key))) return undefined;
  const fixedJson = JSON.stringify(fixedFields).slice(1, -1);
  const datasetJson = JSON.stringify(dataset);
  const afterOffset = `},"data_stream":${JSON.stringify({ type: 'logs', dataset, namespace })}${fixedJson === '' ? '' : `,${fixedJson}`}}`;
  // Lines come file by file: the path's JSON is kept for as long as the path stays the same.
  let lastPath: string | undefined;
  let beforeOffset = '';
  return {
    escapesInLiterals: reader.escapesInLiterals,
    datasetJson,
    afterOffset,
    document(fields, line, messageJson, plain, now) {
      if (line.path !== lastPath) {
        lastPath = line.path;
        beforeOffset = `,"log":{"file":{"path":${JSON.stringify(line.path)}},"offset":`;
      }
      const members = recordJsonMembers(fields, messageJson, datasetJson, plain);
      // A line without a time of its own gets the clock's, after the parsed fields, as the record path adds it.
      const timestamp = fields.timestamp === undefined ? `,"@timestamp":${JSON.stringify(now())}` : '';
      return `{${members}${timestamp}${beforeOffset}${line.offset}${afterOffset}`;
    },
  };
}
