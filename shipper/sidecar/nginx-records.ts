/**
 * line → record for the sidecar: parse as nginx access or error log, tag failures and cut lines, add the
 * file fields and the data stream, add the fixed fields, and wrap with the deterministic id. Pure apart from the clock
 * used for a line that carries no time of its own.
 *
 * Access lines that parse take a shorter road to the same record: their document is written straight from
 * the parser's flat fields (access-document.ts; the typical one as bytes, access-record-bytes.ts);
 * everything else goes through the nested record.
 */
import type { Line, LogRecord, Outgoing, ParseResult, Parser } from '../record.ts';
import { outgoingOfJson } from '../document-id.ts';
import { parseFailureRecord } from '../parse/failure.ts';
import { addFixedFields } from '../enrich/fixed-fields.ts';
import { nginxLogKindOfPath, type NginxLogKind } from '../parse/nginx-dispatch.ts';
import { assembleRecord } from '../parse/nginx-fields.ts';
import { NGINX_ACCESS_DATASET, type AccessFieldReader } from '../parse/nginx-access.ts';
import { createAccessLineWriter, createAccessRecordWriter, type AccessLineWriter, type AccessRecordWriter } from './access-document.ts';

export interface NginxRecordOptions {
  readonly accessParser: Parser;
  /**
   * The reader `accessParser` is made of (`accessParserOf`), when there is one: access lines are then read
   * into flat fields and their documents' JSON written straight from them (access-document.ts).
   */
  readonly accessFieldReader?: AccessFieldReader;
  readonly errorParser: Parser;
  /** A file whose base name matches this is an error log. */
  readonly errorFilePattern: RegExp;
  readonly namespace: string;
  /** Pod identity, agent and --tag fields, computed once (see enrich/fixed-fields.ts). */
  readonly fixedFields: LogRecord;
}

/** Matching the file name for every line would redo the same work: remember it per pattern and path. */
function cachedKindOf(path: string, errorFilePattern: RegExp): NginxLogKind {
  let byPath = kindByPattern.get(errorFilePattern);
  if (byPath === undefined) kindByPattern.set(errorFilePattern, (byPath = new Map()));
  let kind = byPath.get(path);
  if (kind === undefined) {
    if (byPath.size > 1000) byPath.clear();
    kind = nginxLogKindOfPath(path, errorFilePattern);
    byPath.set(path, kind);
  }
  return kind;
}
const kindByPattern = new WeakMap<RegExp, Map<string, NginxLogKind>>();

/** `nginx.<kind>` and `logs-nginx.<kind>-<namespace>`, built once per options rather than per line. */
interface KindNames {
  readonly kind: NginxLogKind;
  readonly dataset: string;
  readonly index: string;
  /** For access lines read into fields: writes their records (undefined when only the record path can). */
  readonly writeAccessRecord: AccessRecordWriter | undefined;
  /** For typical access lines: writes their records before any field is read (undefined when it cannot). */
  readonly writeAccessLine: AccessLineWriter | undefined;
}
function namesOf(kind: NginxLogKind, options: NginxRecordOptions): KindNames {
  let byKind = namesByOptions.get(options);
  if (byKind === undefined) namesByOptions.set(options, (byKind = new Map()));
  let names = byKind.get(kind);
  if (names === undefined) {
    const dataset = `nginx.${kind}`;
    const index = `logs-${dataset}-${options.namespace}`;
    const reader = kind === 'access' ? options.accessFieldReader : undefined;
    const writeAccessRecord = reader !== undefined ? createAccessRecordWriter(reader, index, dataset, options.namespace, options.fixedFields) : undefined;
    const writeAccessLine = reader !== undefined ? createAccessLineWriter(reader, index, dataset, options.namespace, options.fixedFields) : undefined;
    names = { kind, dataset, index, writeAccessRecord, writeAccessLine };
    byKind.set(kind, names);
  }
  return names;
}
const namesByOptions = new WeakMap<NginxRecordOptions, Map<NginxLogKind, KindNames>>();

/** Lines come in runs from one file: the last file's names are kept at hand, sparing two lookups a line. */
let lastOptions: NginxRecordOptions | undefined;
let lastPath = '';
let lastNames: KindNames | undefined;
function namesOfPath(path: string, options: NginxRecordOptions): KindNames {
  if (options === lastOptions && path === lastPath && lastNames !== undefined) return lastNames;
  const names = namesOf(cachedKindOf(path, options.errorFilePattern), options);
  lastOptions = options;
  lastPath = path;
  lastNames = names;
  return names;
}

const wallClock = (): string => new Date().toISOString();

/** Returns the record for a line, or undefined for a blank line (which is settled without shipping). */
export function nginxRecordOf(line: Line, options: NginxRecordOptions, now: () => string = wallClock): Outgoing | undefined {
  if (line.text.length === 0 && !line.truncated) return undefined;
  const names = namesOfPath(line.path, options);
  let parsed: ParseResult;
  if (names.kind === 'access' && options.accessFieldReader !== undefined) {
    const written = names.writeAccessLine?.(line);
    if (written !== undefined) return written;
    const fields = options.accessFieldReader.read(line.text);
    if (typeof fields === 'string') {
      parsed = { ok: false, error: fields };
    } else {
      const outgoing = names.writeAccessRecord?.(fields, line, now);
      if (outgoing !== undefined) return outgoing;
      parsed = { ok: true, record: assembleRecord(fields, line.text, NGINX_ACCESS_DATASET) };
    }
  } else {
    parsed = (names.kind === 'error' ? options.errorParser : options.accessParser)(line.text);
  }
  return outgoingOfRecord(line, parsed, names, options, now);
}

/** The record path: the parsed (or failure) record, tagged and completed, then serialized. */
function outgoingOfRecord(line: Line, parsed: ParseResult, names: KindNames, options: NginxRecordOptions, now: () => string): Outgoing {
  const { dataset, index } = names;
  const record: LogRecord = parsed.ok ? parsed.record : parseFailureRecord(line.text, parsed.error, dataset);
  if (record['@timestamp'] === undefined) record['@timestamp'] = now();
  if (line.truncated) addTag(record, 'logship_truncated');
  record.log = { ...(record.log as LogRecord | undefined), file: { path: line.path }, offset: line.offset };
  record.data_stream = { type: 'logs', dataset, namespace: options.namespace };
  record.event = { ...(record.event as LogRecord | undefined), dataset };
  return outgoingOfJson(index, withFixedFields(record, options.fixedFields), line.source, line.offset, line.endOffset);
}

/**
 * The record's JSON with the fixed fields added. They are the same for every record, so their JSON is
 * made once and appended to the record's own: what `addFixedFields` then `JSON.stringify` would give
 * (the fixed keys land last, in their order), as long as the record holds none of their top-level keys.
 * A record that does (a parsed field meeting a `--tag`) is merged by `addFixedFields` as before.
 */
export function withFixedFields(record: LogRecord, fixed: LogRecord): string {
  const part = fixedPartOf(fixed);
  if (part.json === '') return JSON.stringify(addFixedFields(record, fixed));
  for (const key of part.keys) if (key in record) return JSON.stringify(addFixedFields(record, fixed));
  const own = JSON.stringify(record);
  return own === '{}' ? `{${part.json}}` : `${own.slice(0, -1)},${part.json}}`;
}

interface FixedPart {
  readonly keys: readonly string[];
  /** `"host":{…},"agent":{…}` without the braces; '' when the fixed fields serialize to nothing. */
  readonly json: string;
}
function fixedPartOf(fixed: LogRecord): FixedPart {
  let part = fixedParts.get(fixed);
  if (part === undefined) {
    part = { keys: Object.keys(fixed), json: JSON.stringify(fixed).slice(1, -1) };
    fixedParts.set(fixed, part);
  }
  return part;
}
const fixedParts = new WeakMap<LogRecord, FixedPart>();

function addTag(record: LogRecord, tag: string): void {
  const tags = Array.isArray(record.tags) ? (record.tags as string[]) : [];
  record.tags = tags.includes(tag) ? tags : [...tags, tag];
}
