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
import type { ContainerEntry } from '../decode/container-entry.ts';
import type { ContainerMetadata } from '../enrich/kubernetes-fields.ts';
import { toOutgoing } from '../document-id.ts';
import { parseFailureRecord } from '../parse/failure.ts';
import { mergeFields } from '../parse/fields.ts';

export const CONTAINER_DATASET = 'kubernetes.container_logs';

export interface ContainerRecordOptions {
  /** Data stream namespace (`--namespace`). */
  readonly namespace: string;
  readonly accessParser: Parser;
  readonly errorParser: Parser;
  /** A container line that is a JSON object: its fields placed on the record (ECS keys where ECS puts them). */
  readonly mergeJson?: (record: LogRecord, message: string) => LogRecord;
  /** host.name, agent.*, --tag. */
  readonly enrich: Enricher;
  readonly now?: () => string;
}

/** What a file contributes to its records. */
export interface ContainerFile {
  readonly source: string;
  readonly path: string;
}

export function containerRecordOf(entry: ContainerEntry, file: ContainerFile, metadata: ContainerMetadata, options: ContainerRecordOptions): Outgoing {
  const now = options.now ?? (() => new Date().toISOString());
  const { policy } = metadata;
  let record: LogRecord;
  let dataset: string;
  if (entry.error !== undefined) {
    dataset = policy.dataset ?? CONTAINER_DATASET;
    record = parseFailureRecord(entry.message, entry.error, dataset, now());
  } else if (policy.parser === 'nginx') {
    ({ record, dataset } = nginxRecord(entry, options));
  } else {
    dataset = policy.dataset ?? CONTAINER_DATASET;
    record = { '@timestamp': entry.timestamp === '' ? now() : entry.timestamp, message: entry.message };
    if (options.mergeJson !== undefined && entry.message.startsWith('{')) record = options.mergeJson(record, entry.message);
  }
  if (record['@timestamp'] === undefined) record['@timestamp'] = entry.timestamp === '' ? now() : entry.timestamp;
  if (entry.truncated === true) addTag(record, 'logship_truncated');
  record.stream = entry.stream;
  record.log = { ...(record.log as LogRecord | undefined), file: { path: file.path }, offset: entry.offset };
  record.event = { ...(record.event as LogRecord | undefined), dataset };
  record.data_stream = { type: 'logs', dataset, namespace: options.namespace };
  const tagged = mergeFields(record, metadata.fields);
  const line: Line = { source: file.source, path: file.path, text: entry.message, offset: entry.offset, endOffset: entry.endOffset };
  return toOutgoing(`logs-${dataset}-${options.namespace}`, options.enrich(tagged, line), file.source, entry.offset, entry.endOffset);
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
  const timestamp = entry.timestamp === '' ? new Date().toISOString() : entry.timestamp;
  return { record: parseFailureRecord(entry.message, firstError ?? 'not an nginx line', dataset, timestamp), dataset };
}

function addTag(record: LogRecord, tag: string): void {
  const tags = Array.isArray(record.tags) ? (record.tags as string[]) : [];
  record.tags = tags.includes(tag) ? tags : [...tags, tag];
}
