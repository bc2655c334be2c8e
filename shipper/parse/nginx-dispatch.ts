/**
 * One entry point for the two nginx logs, so wiring code can pick a parser from configuration
 * (`--format`, `logship.io/parser: nginx`) without knowing either parser's options.
 */
import type { Parser } from '../record.ts';
import { compileAccessFormat, NGINX_ACCESS_DATASET } from './nginx-access.ts';
import { createErrorParser, NGINX_ERROR_DATASET } from './nginx-error.ts';
import type { NginxEscape } from './nginx-format.ts';

export type NginxLogKind = 'access' | 'error';

export interface NginxParserOptions {
  /** Access log: the `log_format` (string, `combined`, `main`, or a pasted directive). Default `combined`. */
  readonly accessFormat?: string;
  /** Access log: `escape=` of that format, when not given in a pasted directive. */
  readonly escape?: NginxEscape;
  /** Error log: the IANA zone nginx's clock runs in. Default: the process's `TZ`, else UTC. */
  readonly timeZone?: string;
}

export interface NginxParser {
  readonly parse: Parser;
  /** `event.dataset` of the records, also for failure records (`parseFailureRecord`). */
  readonly dataset: string;
}

/** Throws on unusable options (bad format, unknown zone): a configuration error for start-up. */
export function nginxParserFor(kind: NginxLogKind, options: NginxParserOptions = {}): NginxParser {
  if (kind === 'access') {
    const escape = options.escape ? { escape: options.escape } : {};
    return { parse: compileAccessFormat(options.accessFormat ?? 'combined', escape), dataset: NGINX_ACCESS_DATASET };
  }
  return { parse: createErrorParser(options.timeZone ? { timeZone: options.timeZone } : {}), dataset: NGINX_ERROR_DATASET };
}

/** File names of error logs: `error.log`, `error.log.1`, `*_error.log` — but not `terror.log`. */
export const DEFAULT_ERROR_FILE_PATTERN = '(^|[._-])error([._-]|$)';

/**
 * Which nginx log a file is, from its name (the sidecar's `--error-file-pattern`, a regular expression
 * over the base name): matching files are error logs, everything else is access.
 */
export function nginxLogKindOfPath(path: string, errorFilePattern: RegExp = DEFAULT_ERROR_PATTERN): NginxLogKind {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return errorFilePattern.test(name) ? 'error' : 'access';
}
const DEFAULT_ERROR_PATTERN = new RegExp(DEFAULT_ERROR_FILE_PATTERN);
