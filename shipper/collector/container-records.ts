/**
 * container entry → record, for the collector: the container's message with its stream and time, the
 * file fields, the container's Kubernetes fields, the data stream its pod's annotations choose, and the
 * deterministic id. Pure apart from the clock used for an entry without a time of its own.
 *
 *   plain container   → logs-kubernetes.container_logs-<ns>   (or logs-<logship.io/dataset>-<ns>)
 *   logship.io/parser: nginx
 *                     → logs-nginx.access-<ns> / logs-nginx.error-<ns>; stdout is tried as an access
 *                       line first, stderr as an error line first (the official image's layout); a line
 *                       that is neither becomes a parse failure record of the first choice.
 */
import type { Enricher, Line, LogRecord, Outgoing, Parser } from '../record.ts';
import type { ContainerEntry, ContainerStream } from '../decode/container-entry.ts';
import { containerRecord } from '../decode/container-record.ts';
import type { ContainerMetadata } from '../enrich/kubernetes-fields.ts';
import { documentIdHead, outgoingOfJson, toOutgoing } from '../document-id.ts';
import { parseFailureRecord } from '../parse/failure.ts';
import { encodeRecordParts, recordHead } from '../sink/bulk-record.ts';

export const CONTAINER_DATASET = 'kubernetes.container_logs';

export interface ContainerRecordOptions {
  /** Data stream namespace (`--namespace`). */
  readonly namespace: string;
  readonly accessParser: Parser;
  readonly errorParser: Parser;
  /** A container line that is a JSON object keeps its fields (ECS keys where ECS puts them, others under `json.*`). */
  readonly parseJson: boolean;
  /** host.name, agent.*, --tag. */
  readonly enrich: Enricher;
  /**
   * What `enrich` adds, when it adds the same fields to every record (`enrich({})`). With it, the
   * fields every record of a container shares are serialized once per container, not once per record.
   */
  readonly commonFields?: LogRecord;
  readonly now?: () => string;
}

/** What a file contributes to its records. */
export interface ContainerFile {
  readonly source: string;
  readonly path: string;
}

/**
 * `template`, when given, is `recordTemplateOf(file, metadata, options)`: with it, the bytes every record
 * of the file shares are copied rather than serialized and encoded again (the same documents either way).
 */
export function containerRecordOf(entry: ContainerEntry, file: ContainerFile, metadata: ContainerMetadata, options: ContainerRecordOptions, template?: RecordTemplate): Outgoing {
  const { policy } = metadata;
  const parts = template !== undefined && template.usable && fitsTemplate(template, file, metadata, options) ? template : undefined;
  if (parts !== undefined && isPlainEntry(entry, options.parseJson)) {
    const timestamp = entry.timestamp === '' ? (options.now ?? isoNow)() : entry.timestamp;
    return plainRecord(parts, JSON.stringify(entry.message).slice(1, -1), entry.stream, timestamp, entry.offset, entry.endOffset);
  }
  if (options.commonFields !== undefined && policy.parser === undefined && isPlainEntry(entry, options.parseJson)) {
    // The common case, a plain text line: its JSON is written directly, the container's shared fields appended.
    const dataset = policy.dataset ?? CONTAINER_DATASET;
    const shared = sharedPart(metadata, dataset, options.namespace, options.commonFields);
    if (shared.json !== undefined) {
      if (shared.path !== file.path) {
        shared.path = file.path;
        shared.pathJson = JSON.stringify(file.path);
      }
      const timestamp = entry.timestamp === '' ? (options.now ?? isoNow)() : entry.timestamp;
      const body = `{"@timestamp":${JSON.stringify(timestamp)},"message":${JSON.stringify(entry.message)},"stream":"${entry.stream}",` +
        `"log":{"offset":${entry.offset},"file":{"path":${shared.pathJson}}},"event":{"dataset":${shared.datasetJson}},${shared.json}}`;
      return outgoing(`logs-${dataset}-${options.namespace}`, body, file.source, entry);
    }
  }
  let record: LogRecord;
  let dataset: string;
  if (policy.parser === 'nginx' && entry.error === undefined) {
    ({ record, dataset } = nginxRecord(entry, options));
    record.stream = entry.stream;
    record.log = { ...(record.log as LogRecord | undefined), offset: entry.offset };
  } else {
    // The line's own part (time, message, stream, offset, flags, JSON fields, decode failure): the decoders'.
    record = containerRecord(entry, { parseJson: options.parseJson });
    dataset = policy.dataset ?? CONTAINER_DATASET;
  }
  if (record['@timestamp'] === undefined) record['@timestamp'] = (options.now ?? isoNow)();
  if (entry.truncated === true) addTag(record, 'logship_truncated');
  (record.log as LogRecord).file = { path: file.path };
  record.event = { ...(record.event as LogRecord | undefined), dataset };
  if (parts !== undefined && !sharesAKey(record, parts.keys)) {
    // The record's own fields, then the container's shared fields as bytes encoded once.
    const own = JSON.stringify(record);
    if (own !== '{}') {
      const idTail = entry.offset.toString(36);
      return encodeRecordParts(parts.index, parts.head, `${idTail}"}}\n${own.slice(0, -1)}`, idTail.length + 4, parts.sharedTail, file.source, entry.offset, entry.endOffset);
    }
  }
  const index = `logs-${dataset}-${options.namespace}`;
  const shared = options.commonFields === undefined ? undefined : sharedPart(metadata, dataset, options.namespace, options.commonFields);
  if (shared?.json !== undefined && !sharesAKey(record, shared.keys)) {
    // Fast path: the record's own fields, then the container's shared fields as one pre-serialized piece.
    const own = JSON.stringify(record);
    return outgoing(index, own === '{}' ? `{${shared.json}}` : `${own.slice(0, -1)},${shared.json}}`, file.source, entry);
  }
  // The collector owns these keys (JSON messages never lift them), so the container's shared, frozen
  // objects are laid on as they are, without a copy per record.
  const { kubernetes, container } = metadata.fields;
  if (kubernetes !== undefined) record.kubernetes = kubernetes;
  if (container !== undefined) record.container = container;
  record.data_stream = { type: 'logs', dataset, namespace: options.namespace };
  const line: Line = { source: file.source, path: file.path, text: entry.message, offset: entry.offset, endOffset: entry.endOffset };
  return toOutgoing(index, options.enrich(record, line), file.source, entry.offset, entry.endOffset);
}

/** What `toOutgoing` makes, for a body built here. */
function outgoing(index: string, body: string, source: string, entry: ContainerEntry): Outgoing {
  return outgoingOfJson(index, body, source, entry.offset, entry.endOffset);
}

/**
 * A line the decoders' `containerRecord` would turn into exactly `@timestamp`, `message`, `stream` and
 * `log.offset`: decoded, whole, one line, and not a JSON object (JSON messages always hold a `{`).
 */
function isPlainEntry(entry: ContainerEntry, parseJson: boolean): boolean {
  return entry.error === undefined && entry.truncated !== true && (entry.joinedLines === undefined || entry.joinedLines <= 1) &&
    (!parseJson || !entry.message.includes('{'));
}

interface SharedPart {
  /** Top-level keys of the piece: a record holding one of them takes the general path (no duplicate keys). */
  readonly keys: ReadonlySet<string>;
  /**
   * `"kubernetes":{…},"container":{…},"data_stream":{…},"host":{…},…` without braces; undefined when
   * the common fields themselves touch the container's (a `--tag kubernetes.x=…`): then every record
   * takes the general path, which merges them.
   */
  readonly json: string | undefined;
  readonly datasetJson: string;
  /** The file path last serialized (a container's files share the part; a rename changes the path). */
  path: string | undefined;
  pathJson: string;
}

/** Per common fields, container (its metadata object) and dataset; dropped with the metadata when the pod changes. */
const sharedParts = new WeakMap<LogRecord, WeakMap<ContainerMetadata, Map<string, SharedPart>>>();

function sharedPart(metadata: ContainerMetadata, dataset: string, namespace: string, common: LogRecord): SharedPart {
  let byMetadata = sharedParts.get(common);
  if (byMetadata === undefined) sharedParts.set(common, (byMetadata = new WeakMap()));
  let byDataset = byMetadata.get(metadata);
  if (byDataset === undefined) byMetadata.set(metadata, (byDataset = new Map()));
  let part = byDataset.get(dataset);
  if (part === undefined) {
    const fields: LogRecord = { ...metadata.fields, data_stream: { type: 'logs', dataset, namespace } };
    let overlap = false;
    for (const [key, value] of Object.entries(common)) {
      if (key in fields) overlap = true;
      else fields[key] = value;
    }
    part = {
      keys: new Set(Object.keys(fields)),
      json: overlap ? undefined : JSON.stringify(fields).slice(1, -1),
      datasetJson: JSON.stringify(dataset),
      path: undefined,
      pathJson: '""',
    };
    byDataset.set(dataset, part);
  }
  return part;
}

function sharesAKey(record: LogRecord, keys: ReadonlySet<string>): boolean {
  for (const key in record) if (keys.has(key)) return true;
  return false;
}

function nginxRecord(entry: ContainerEntry, options: ContainerRecordOptions): { record: LogRecord; dataset: string } {
  const order: Array<[Parser, string]> = entry.stream === 'stderr'
    ? [[options.errorParser, 'nginx.error'], [options.accessParser, 'nginx.access']]
    : [[options.accessParser, 'nginx.access'], [options.errorParser, 'nginx.error']];
  let firstError: string | undefined;
  for (const [parse, dataset] of order) {
    const result = parse(entry.message);
    if (result.ok) return { record: result.record, dataset };
    firstError ??= result.error;
  }
  const dataset = order[0]![1];
  const timestamp = entry.timestamp === '' ? isoNow() : entry.timestamp;
  return { record: parseFailureRecord(entry.message, firstError ?? 'not an nginx line', dataset, timestamp), dataset };
}

function isoNow(): string {
  return new Date().toISOString();
}

function addTag(record: LogRecord, tag: string): void {
  const tags = Array.isArray(record.tags) ? (record.tags as string[]) : [];
  record.tags = tags.includes(tag) ? tags : [...tags, tag];
}

/**
 * What the plain records of one file share, encoded once: the action line up to the offset part of the
 * `_id`, and the end of the document after `log.offset` (file path, dataset, container and common fields).
 * A file's template stays right while its path, its container's metadata and the options stay the same.
 */
export interface RecordTemplate {
  readonly source: string;
  readonly path: string;
  readonly metadata: ContainerMetadata;
  readonly options: ContainerRecordOptions;
  /** False when the file's records cannot share bytes (an nginx pod, no common fields, a tag overlapping the container's fields). */
  readonly usable: boolean;
  readonly index: string;
  readonly head: Uint8Array;
  /** `,"file":{"path":…}},"event":{"dataset":…},<shared fields>}\n`, after a plain record's `"log":{"offset":N`. */
  readonly plainTail: Uint8Array;
  /** `,<shared fields>}\n`, after a record's own JSON without its closing brace. */
  readonly sharedTail: Uint8Array;
  /** Top-level keys of the shared fields. */
  readonly keys: ReadonlySet<string>;
}

const EMPTY = new Uint8Array(0);

export function recordTemplateOf(file: ContainerFile, metadata: ContainerMetadata, options: ContainerRecordOptions): RecordTemplate {
  const dataset = metadata.policy.dataset ?? CONTAINER_DATASET;
  const index = `logs-${dataset}-${options.namespace}`;
  const shared = options.commonFields === undefined || metadata.policy.parser !== undefined ? undefined : sharedPart(metadata, dataset, options.namespace, options.commonFields);
  const base = { source: file.source, path: file.path, metadata, options, index };
  if (shared?.json === undefined) return { ...base, usable: false, head: EMPTY, plainTail: EMPTY, sharedTail: EMPTY, keys: new Set() };
  return {
    ...base,
    usable: true,
    head: recordHead(index, documentIdHead(file.source)),
    plainTail: Buffer.from(`,"file":{"path":${JSON.stringify(file.path)}}},"event":{"dataset":${shared.datasetJson}},${shared.json}}\n`, 'utf8'),
    sharedTail: Buffer.from(`,${shared.json}}\n`, 'utf8'),
    keys: shared.keys,
  };
}

function fitsTemplate(template: RecordTemplate, file: ContainerFile, metadata: ContainerMetadata, options: ContainerRecordOptions): boolean {
  return template.metadata === metadata && template.path === file.path && template.source === file.source && template.options === options;
}

/**
 * The record of a plain entry (see `isPlainEntry`), as the shared-fields path above writes it, from a
 * usable template that fits the file and metadata. `messageBody` is the message as it goes between the
 * quotes of a JSON string; `timestamp` needs no escaping (canonical times and ISO strings never do).
 */
export function plainRecord(template: RecordTemplate, messageBody: string, stream: ContainerStream, timestamp: string, offset: number, endOffset: number): Outgoing {
  const idTail = offset.toString(36);
  const middle = `${idTail}"}}\n{"@timestamp":"${timestamp}","message":"${messageBody}","stream":"${stream}","log":{"offset":${offset}`;
  return encodeRecordParts(template.index, template.head, middle, idTail.length + 4, template.plainTail, template.source, offset, endOffset);
}
