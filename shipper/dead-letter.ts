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
  const original = item.doc;
  const namespace = deadLetterIndex.slice('logs-logship.deadletter-'.length);
  const doc: LogRecord = {
    '@timestamp': typeof original['@timestamp'] === 'string' ? original['@timestamp'] : new Date().toISOString(),
    message: typeof original.message === 'string' ? original.message : JSON.stringify(original),
    error: { message: reason, type: 'logship_rejected' },
    event: { original: JSON.stringify(original), dataset: 'logship.deadletter' },
    data_stream: { type: 'logs', dataset: 'logship.deadletter', namespace },
    logship: { deadletter: { index: item.index } },
    tags: ['logship_deadletter'],
  };
  // `bytes` stays as it was: the buffer accounted for the original, and settling subtracts the same amount.
  return { ...item, index: deadLetterIndex, doc };
}
