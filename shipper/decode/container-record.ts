/**
 * The part of a container log record that comes from the line itself.
 *
 * Here: `@timestamp` (the runtime's time, or the application's own valid `@timestamp` from a JSON
 * message), `message`, `stream`, `log.offset`, `log.flags` (`multiline`, `truncated`, as Filebeat
 * writes them), the JSON message's fields, and the parse-failure shape for a line that did not decode.
 * Left to the caller: `@timestamp` when the entry has none (use the read time), `event.dataset`,
 * `data_stream.*`, `log.file.path`, `event.original`, `host.*`, `agent.*`, and the enrichers'
 * `kubernetes.*` and `container.*`.
 */
import type { LogRecord } from '../record.ts';
import { PARSE_FAILURE_TAG } from '../parse/failure.ts';
import { isPlainObject } from '../parse/fields.ts';
import type { ContainerEntry } from './container-entry.ts';
import { mergeJsonMessage } from './json-message.ts';

export interface ContainerRecordOptions {
  /** Lift the fields of a message that is a JSON object (per pod, or globally). */
  readonly parseJson: boolean;
}

export function containerRecord(entry: ContainerEntry, options: ContainerRecordOptions): LogRecord {
  const flags: string[] = [];
  if (entry.joinedLines !== undefined && entry.joinedLines > 1) flags.push('multiline');
  if (entry.truncated === true) flags.push('truncated');
  const record: LogRecord = {};
  if (entry.timestamp !== '') record['@timestamp'] = entry.timestamp;
  record.message = entry.message;
  record.stream = entry.stream;
  record.log = flags.length > 0 ? { offset: entry.offset, flags } : { offset: entry.offset };
  if (entry.error !== undefined) {
    record.error = { message: entry.error };
    record.tags = [PARSE_FAILURE_TAG];
    return record;
  }
  if (!options.parseJson || entry.truncated === true) return record;
  const json = mergeJsonMessage(entry.message);
  return json.ok ? withJsonFields(record, json.fields) : record;
}

/**
 * The JSON message's own `@timestamp` and `message` win over the runtime's; its `log.*` fields join
 * `log.offset`. The JSON fields are fresh objects nobody else holds, so they are reused, not copied.
 */
function withJsonFields(record: LogRecord, fields: LogRecord): LogRecord {
  const merged: LogRecord = fields;
  if (merged['@timestamp'] === undefined && record['@timestamp'] !== undefined) merged['@timestamp'] = record['@timestamp'];
  if (merged.message === undefined) merged.message = record.message;
  merged.stream = record.stream;
  const log = merged.log;
  merged.log = isPlainObject(log) ? { ...(record.log as LogRecord), ...log } : record.log;
  return merged;
}
