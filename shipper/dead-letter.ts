/**
 * A record the store rejects for good (a mapping conflict, an invalid document) is not dropped: it is
 * rewritten for the dead-letter data stream, where it cannot conflict again because the original document
 * travels as one string, next to the store's reason. Same `_id`, so a retry cannot duplicate it either.
 */
import type { LogRecord, Outgoing } from './record.ts';

export function deadLetterIndexName(namespace: string): string {
  return `logs-logship.deadletter-${namespace}`;
}

export function deadLetterOf(item: Outgoing, reason: string, deadLetterIndex: string): Outgoing {
  const original = parseBody(item.body);
  const namespace = deadLetterIndex.slice('logs-logship.deadletter-'.length);
  const doc: LogRecord = {
    '@timestamp': typeof original['@timestamp'] === 'string' ? original['@timestamp'] : new Date().toISOString(),
    message: typeof original.message === 'string' ? original.message : item.body,
    error: { message: reason, type: 'logship_rejected' },
    event: { original: item.body, dataset: 'logship.deadletter' },
    data_stream: { type: 'logs', dataset: 'logship.deadletter', namespace },
    logship: { deadletter: { index: item.index } },
    tags: ['logship_deadletter'],
  };
  // `bytes` stays as it was: the buffer accounted for the original, and settling subtracts the same amount.
  // (Fields named one by one: an encoded record's `id` and `body` are getters, which a spread would lose.)
  return { index: deadLetterIndex, id: item.id, body: JSON.stringify(doc), source: item.source, offset: item.offset, endOffset: item.endOffset, bytes: item.bytes };
}

/** The rejected body is our own JSON, but a dead-letter path must not be the one that throws. */
function parseBody(body: string): LogRecord {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as LogRecord) : { message: body };
  } catch {
    return { message: body };
  }
}
