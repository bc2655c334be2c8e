/**
 * nginx error log parser.
 *
 *   2026/11/23 06:16:36 [error] 13117#13117: *4 connect() failed (111: Connection refused) while
 *   connecting to upstream, client: 1.2.3.4, server: shop, request: "GET / HTTP/1.1",
 *   upstream: "http://127.0.0.1:9/", host: "shop", referrer: "https://x/"
 *
 * The header is fixed (time, `[level]`, `pid#tid:`, optional `*connection`). The context nginx
 * appends to HTTP errors (ngx_http_log_error_handler) always comes last and in this order:
 * client, server, request, subrequest, upstream, host, referrer. We split it off the message and map it:
 *
 * | pair         | field                                                                    |
 * |--------------|--------------------------------------------------------------------------|
 * | `client`     | `source.address`, `source.ip` (when an IP)                               |
 * | `server`     | `nginx.error.server` (the virtual server's name, not what the client asked) |
 * | `request`    | `http.request.method`, `url.original`, `url.path`, `url.query`, `http.version` |
 * | `subrequest` | `nginx.error.subrequest`                                                 |
 * | `upstream`   | `nginx.error.upstream`                                                   |
 * | `host`       | `url.domain`, `url.port` (the Host header's port, split off)             |
 * | `referrer`   | `http.request.referrer`                                                  |
 *
 * `message` is the error text without that context (CONVENTIONS lists `message` for nginx error).
 * nginx writes the time without a zone: it is read in the configured IANA zone.
 */
import type { ParseResult, Parser } from '../record.ts';
import { assembleRecord, NginxFields, nginxPart } from './nginx-fields.ts';
import { assertTimeZone, createErrorTimeConverter, isUtcZoneName, processTimeZone } from './nginx-time.ts';
import { writeRequestLine, writeSourceAddress } from './nginx-variables.ts';

export const NGINX_ERROR_DATASET = 'nginx.error';

export interface ErrorParserOptions {
  /** IANA zone nginx's clock runs in (`Europe/Berlin`). Default: the process's `TZ`, else UTC. */
  readonly timeZone?: string;
}

const LEVELS = new Set(['debug', 'info', 'notice', 'warn', 'error', 'crit', 'alert', 'emerg']);

const CONTEXT_KEYS = ['client', 'server', 'request', 'subrequest', 'upstream', 'host', 'referrer'] as const;
type ContextKey = (typeof CONTEXT_KEYS)[number];
const QUOTED: ReadonlySet<ContextKey> = new Set(['request', 'subrequest', 'upstream', 'host', 'referrer']);
const MARKERS = CONTEXT_KEYS.map((key) => `, ${key}: `);

/** Reads decimal digits from `at` up to `stop`; -1 when there are none or another character comes first. */
function numberUntil(text: string, at: number, stop: string): { value: number; end: number } | undefined {
  const end = text.indexOf(stop, at);
  if (end <= at || end - at > 15) return undefined;
  let value = 0;
  for (let i = at; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    value = value * 10 + d;
  }
  return { value, end };
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

/**
 * Each attempt scans the rest of the line, so a hostile line full of `, client: ` would cost time
 * quadratic in its length. Real lines have one or two; after this many the message stays whole.
 */
const MAX_CONTEXT_ATTEMPTS = 8;

/** The context key whose marker (`, key: `) starts at `at`, among keys after `afterKey`; -1 if none. */
function markerAt(text: string, at: number, afterKey: number): number {
  for (let k = afterKey + 1; k < MARKERS.length; k++) if (text.startsWith(MARKERS[k]!, at)) return k;
  return -1;
}

/**
 * Splits `…, client: a, server: b, request: "…"` off the end of a message, trying each
 * `, client: ` from the left until what follows reads as the context: keys in nginx's order and a
 * client address without spaces. An error text that happens to contain `, client: ` therefore
 * stays whole. A value runs to the next `, ` that starts a later key's marker; a quoted value only
 * to one right after its closing quote, so a request line containing `, host: ` is not cut short.
 * Returns the message's end and the values by key index (undefined where absent).
 */
function splitContext(text: string): { messageEnd: number; values: Array<string | undefined> } | undefined {
  let attempts = 0;
  for (let anchor = text.indexOf(MARKERS[0]!); anchor >= 0 && attempts < MAX_CONTEXT_ATTEMPTS; anchor = text.indexOf(MARKERS[0]!, anchor + 1), attempts++) {
    const values: Array<string | undefined> = new Array(CONTEXT_KEYS.length);
    let keyIndex = 0;
    let valueStart = anchor + MARKERS[0]!.length;
    let valid = true;
    while (valid) {
      const quoted = QUOTED.has(CONTEXT_KEYS[keyIndex]!);
      let next = text.indexOf(', ', valueStart);
      let nextKey = -1;
      for (; next >= 0; next = text.indexOf(', ', next + 1)) {
        if (quoted && !(next - 1 > valueStart && text.charCodeAt(next - 1) === 34 /* " */)) continue;
        nextKey = markerAt(text, next, keyIndex);
        if (nextKey >= 0) break;
      }
      const raw = text.slice(valueStart, next < 0 ? text.length : next);
      if (quoted && !(raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"'))) valid = false;
      values[keyIndex] = quoted ? unquote(raw) : raw;
      if (next < 0) break;
      keyIndex = nextKey;
      valueStart = next + MARKERS[nextKey]!.length;
    }
    const client = values[0]!;
    if (valid && client.length > 0 && client.indexOf(' ') < 0) return { messageEnd: anchor, values };
  }
  return undefined;
}

function writeContext(fields: NginxFields, values: ReadonlyArray<string | undefined>): void {
  for (let k = 0; k < CONTEXT_KEYS.length; k++) {
    const value = values[k];
    if (value === undefined || value.length === 0) continue;
    const key = CONTEXT_KEYS[k]!;
    switch (key) {
      case 'client': writeSourceAddress(fields, value); break;
      case 'request': writeRequestLine(fields, value); break;
      case 'host': writeHostHeader(fields, value); break;
      case 'referrer': fields.referrer = value; break;
      default: errorPart(fields)[key] = value;
    }
  }
}

/**
 * The error log's `host` is the Host header as sent, port included; ECS wants the port apart:
 * `shop:8080` → domain `shop`, port 8080; `[::1]:8080` → domain `[::1]` (ECS keeps the brackets).
 */
function writeHostHeader(fields: NginxFields, host: string): void {
  const colon = host.lastIndexOf(':');
  const port = colon < 0 ? '' : host.slice(colon + 1);
  const isPort = port.length > 0 && port.length <= 5 && /^\d+$/.test(port) && (host.indexOf(':') === colon || host[colon - 1] === ']');
  fields.urlDomain = isPort ? host.slice(0, colon) : host;
  if (isPort) fields.urlPort = Number(port);
}

function errorPart(fields: NginxFields): Record<string, unknown> {
  const nginx = nginxPart(fields);
  return (nginx.error ??= {}) as Record<string, unknown>;
}

/**
 * A zone name from configuration or from `TZ` as POSIX writes it: empty means unset, a leading
 * `:` is dropped (`:Europe/Berlin`), and a file path (`:/etc/localtime`) is left to the runtime,
 * which already reads it for the process's own zone.
 */
function zoneFromSetting(setting: string | undefined): string | undefined {
  const name = setting?.trim().replace(/^:/, '');
  return name === undefined || name === '' || name.startsWith('/') ? undefined : name;
}

/**
 * Creates a parser for nginx error log lines. Throws (RangeError) for an unknown time zone:
 * a configuration error to report at start. The returned parser never throws.
 *
 * Intl is only touched when a line needs it: reading the process's zone or checking a named one loads
 * ~8 MiB of ICU data into memory, which a sidecar that only ever sees access lines (or UTC) never needs.
 * A configured zone is still checked here, at start; the process's own zone is always valid.
 */
export function createErrorParser(options: ErrorParserOptions = {}): Parser {
  const configured = zoneFromSetting(options.timeZone);
  if (configured !== undefined && !isUtcZoneName(configured)) assertTimeZone(configured);
  let toIso: ((text: string) => string | undefined) | undefined;

  const parse = (text: string): ParseResult => {
    if (text.length < 28 || text[19] !== ' ' || text[20] !== '[') return { ok: false, error: 'expected "YYYY/MM/DD HH:MM:SS [level]" at the start of the line' };
    toIso ??= createErrorTimeConverter(configured ?? processTimeZone());
    const timestamp = toIso(text.slice(0, 19));
    if (timestamp === undefined) return { ok: false, error: `not an nginx error log time: ${JSON.stringify(text.slice(0, 19))}` };
    const levelEnd = text.indexOf('] ', 21);
    const level = levelEnd < 0 ? '' : text.slice(21, levelEnd);
    if (!LEVELS.has(level)) return { ok: false, error: `expected a log level in [brackets] at byte 20, found ${JSON.stringify(text.slice(20, 30))}` };
    const pid = numberUntil(text, levelEnd + 2, '#');
    const thread = pid && numberUntil(text, pid.end + 1, ': ');
    if (!pid || !thread) return { ok: false, error: `expected "pid#tid: " after the level at byte ${Buffer.byteLength(text.slice(0, levelEnd + 2))}` };

    const fields = new NginxFields();
    fields.timestamp = timestamp;
    fields.logLevel = level;
    fields.processPid = pid.value;
    fields.threadId = thread.value;
    let messageStart = thread.end + 2;
    if (text.charCodeAt(messageStart) === 42 /* * */) {
      const connection = numberUntil(text, messageStart + 1, ' ');
      if (connection) {
        errorPart(fields).connection_id = connection.value;
        messageStart = connection.end + 1;
      }
    }
    const body = text.slice(messageStart);
    const context = splitContext(body);
    if (context) writeContext(fields, context.values);
    return { ok: true, record: assembleRecord(fields, context ? body.slice(0, context.messageEnd) : body, NGINX_ERROR_DATASET) };
  };

  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      // Belt and braces: a parser bug must cost one line, never the pipeline.
      return { ok: false, error: `nginx error parser failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  };
}
