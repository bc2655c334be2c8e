/**
 * The record a line becomes when its parser refuses it. Every parser's failure goes through here,
 * so a failed line is never dropped and always looks the same: the whole line in `message`, the
 * reason in `error.message`, and the `logship_parse_failure` tag users filter on.
 */
import type { LogRecord } from '../record.ts';

export const PARSE_FAILURE_TAG = 'logship_parse_failure';

/**
 * @param text    the raw line, kept whole in `message`
 * @param error   the parser's reason (`ParseResult.error`)
 * @param dataset the `event.dataset` the line was meant for, so it still lands in its data stream
 * @param timestamp when the line was read (ISO 8601); a line we could not parse has no time of its own
 */
export function parseFailureRecord(text: string, error: string, dataset: string, timestamp: string = new Date().toISOString()): LogRecord {
  return {
    '@timestamp': timestamp,
    message: text,
    error: { message: error },
    tags: [PARSE_FAILURE_TAG],
    event: { dataset },
  };
}
