/**
 * Where each nginx variable lands in the ECS record, and how its text becomes a value.
 *
 * ECS fields as listed in CONVENTIONS.md; nginx-only values go under `nginx.access.*`, with the
 * upstream ones named after Filebeat's nginx ingress-controller module:
 *
 * | variable                   | field                                             | type                  |
 * |----------------------------|---------------------------------------------------|-----------------------|
 * | `$remote_addr`             | `source.address`, `source.ip` (when an IP)        | string                |
 * | `$remote_port`             | `source.port`                                     | number                |
 * | `$remote_user`             | `user.name`                                       | string                |
 * | `$time_local`, `$time_iso8601`, `$msec` | `@timestamp` (UTC, ms; `$msec` wins, then iso8601) | string   |
 * | `$request`                 | `http.request.method`, `url.original`, `url.path`, `url.query`, `http.version` | |
 * | `$request_method`          | `http.request.method`                             | string                |
 * | `$request_uri`             | `url.original`, `url.path`, `url.query`           | string                |
 * | `$uri`                     | `url.path`                                        | string                |
 * | `$args`, `$query_string`   | `url.query`                                       | string                |
 * | `$server_protocol`         | `http.version` (`1.1`)                            | string                |
 * | `$scheme`                  | `url.scheme`                                      | string                |
 * | `$host`, `$server_name`    | `url.domain` (`$host` wins)                       | string                |
 * | `$status`                  | `http.response.status_code`                       | number                |
 * | `$body_bytes_sent`         | `http.response.body.bytes`                        | number                |
 * | `$bytes_sent`              | `http.response.bytes` (ECS: body and headers)     | number                |
 * | `$request_length`          | `http.request.bytes`                              | number                |
 * | `$request_id`              | `http.request.id`                                 | string                |
 * | `$http_referer`            | `http.request.referrer`                           | string                |
 * | `$http_user_agent`         | `user_agent.original`                             | string                |
 * | `$request_time`            | `event.duration`                                  | number, nanoseconds   |
 * | `$http_x_forwarded_for`    | `nginx.access.remote_ip_list`                     | string[]              |
 * | `$upstream_addr`           | `nginx.access.upstream.address`                   | string or string[]    |
 * | `$upstream_status`         | `nginx.access.upstream.status_code`               | number or number[]    |
 * | `$upstream_response_time`  | `nginx.access.upstream.response.time`             | seconds, number(s)    |
 * | `$upstream_connect_time`   | `nginx.access.upstream.connect.time`              | seconds, number(s)    |
 * | `$upstream_header_time`    | `nginx.access.upstream.header.time`               | seconds, number(s)    |
 * | `$upstream_response_length`| `nginx.access.upstream.response.length`           | number(s)             |
 * | `$upstream_bytes_received` | `nginx.access.upstream.bytes_received`            | number(s)             |
 * | `$upstream_bytes_sent`     | `nginx.access.upstream.bytes_sent`                | number(s)             |
 * | other `$upstream_<x>`      | `nginx.access.upstream.<x>`                       | string                |
 * | any other `$<var>`         | `nginx.access.<var>`                              | string                |
 *
 * Upstream variables hold one value per upstream tried, separated by `, ` (and ` : ` across
 * internal redirects); one value stays a scalar, several become an array (ES maps both alike).
 */
import { isIP } from 'node:net';
import { setPathSegments } from './fields.ts';
import { nginxPart, type NginxFields } from './nginx-fields.ts';
import { readRequestLine, readUrl } from './nginx-request.ts';
import { createTimeIso8601Converter, createTimeLocalConverter, msecToIso } from './nginx-time.ts';

/** Writes one variable's (decoded, non-`-`) value; returns a reason when the value is unusable. */
export type VariableWriter = (fields: NginxFields, value: string) => string | undefined;

export interface VariableField {
  /** Writers run in ascending priority, so where two variables fill one field the higher one wins. */
  readonly priority: number;
  readonly write: VariableWriter;
}

// Lower first; the more precise or more complete source of a field comes later and wins.
const PRIORITY = { normal: 0, partialUrl: 1, fullUrl: 2, request: 3, timeLocal: 4, timeIso: 5, timeMsec: 6, serverName: 7, host: 8 } as const;

/** A dotted-quad IPv4 checked by hand (the common case), anything with a colon via node:net. */
export function isIpAddress(text: string): boolean {
  if (text.indexOf(':') >= 0) return isIP(text) === 6;
  return isIpv4At(text, 0, text.length);
}

/** Whether `text[start, end)` is a dotted-quad IPv4 address (no leading zeros); false for anything else. */
export function isIpv4At(text: string, start: number, end: number): boolean {
  let octets = 0;
  let octet = 0;
  let digitsInOctet = 0;
  for (let i = start; i <= end; i++) {
    const c = i === end ? 46 : text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digitsInOctet === 0 || octet > 255) return false;
      octets++;
      octet = 0;
      digitsInOctet = 0;
    } else if (c >= 48 && c <= 57) {
      // A leading zero (`01`) is not a dotted-quad octet (some parsers read it as octal).
      if (digitsInOctet > 0 && octet === 0) return false;
      octet = octet * 10 + (c - 48);
      digitsInOctet++;
      if (digitsInOctet > 3) return false;
    } else {
      return false;
    }
  }
  return octets === 4;
}

/** `0.123` (seconds, as nginx writes times) → a number, or undefined. */
function parseSeconds(text: string): number | undefined {
  return secondsAt(text, 0, text.length);
}

/** `parseSeconds` of `text[start, end)`: digits, optionally a `.` and more digits; undefined for anything else. */
export function secondsAt(text: string, start: number, end: number): number | undefined {
  let i = start;
  while (i < end && isDigitCode(text.charCodeAt(i))) i++;
  if (i === start) return undefined;
  if (i < end) {
    if (text.charCodeAt(i) !== 46 /* . */ || i + 1 === end) return undefined;
    for (let j = i + 1; j < end; j++) if (!isDigitCode(text.charCodeAt(j))) return undefined;
  }
  return Number(start === 0 && end === text.length ? text : text.slice(start, end));
}

/** `event.duration` of a time in seconds: nginx writes milliseconds; rounding removes the float noise of `0.123 * 1e9`. */
export function nanosecondsOf(seconds: number): number {
  return Math.round(seconds * 1e9);
}

function isDigitCode(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Splits `a, b : c` into its values; separators as nginx's upstream variables write them. */
function splitUpstreamList(text: string): string[] {
  return text.indexOf(',') < 0 && text.indexOf(' : ') < 0 ? [text] : text.split(/, | : /);
}

/** Writes under `nginx.access.<path>`. */
function accessPath(path: string): string[] {
  return ['access', ...path.split('.')];
}

/** Upstream lists: `-` entries (no upstream reached) are dropped; one value stays scalar. */
function upstreamListWriter(path: string, convert: (item: string) => string | number | undefined): VariableWriter {
  const segments = accessPath(`upstream.${path}`);
  return (fields, value) => {
    const items: Array<string | number> = [];
    for (const item of splitUpstreamList(value)) {
      const converted = item === '-' ? undefined : convert(item.trim());
      if (converted !== undefined) items.push(converted);
    }
    if (items.length > 0) setPathSegments(nginxPart(fields), segments, items.length === 1 ? items[0] : items);
    return undefined;
  };
}

function timestampWriter(variable: string, convert: (text: string) => string | undefined): VariableWriter {
  return (fields, value) => {
    const iso = convert(value);
    if (iso === undefined) return `$${variable} is not a time: ${JSON.stringify(value)}`;
    fields.timestamp = iso;
    return undefined;
  };
}

/** Digits only (at most 15, so the number is exact) → the number; -1 otherwise. */
function parseCount(text: string): number {
  return countAt(text, 0, text.length);
}

/** `parseCount` of `text[start, end)`. */
export function countAt(text: string, start: number, end: number): number {
  if (end === start || end - start > 15) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

function notANumber(variable: string, value: string): string {
  return `$${variable} is not a number: ${JSON.stringify(value)}`;
}

/** Writes the parts of a request line; shared with the error log's `request: "…"`. */
export function writeRequestLine(fields: NginxFields, value: string): void {
  readRequestLine(value, fields);
}

/** Writes `source.address`, and `source.ip` when the address is an IP (not `unix:`). */
export function writeSourceAddress(fields: NginxFields, value: string): void {
  fields.sourceAddress = value;
  if (isIpAddress(value)) fields.sourceIp = value;
}

const writeRequestUri: VariableWriter = (fields, value) => {
  fields.urlOriginal = value;
  readUrl(value, fields);
  return undefined;
};

const writeRequestTime: VariableWriter = (fields, value) => {
  const seconds = parseSeconds(value);
  if (seconds === undefined) return `$request_time is not a duration: ${JSON.stringify(value)}`;
  fields.duration = nanosecondsOf(seconds);
  return undefined;
};

const writeForwardedFor: VariableWriter = (fields, value) => {
  const addresses = value.split(',').map((address) => address.trim()).filter((address) => address.length > 0);
  if (addresses.length > 0) setPathSegments(nginxPart(fields), ['access', 'remote_ip_list'], addresses);
  return undefined;
};

const toInteger = (item: string): number | undefined => {
  const count = parseCount(item);
  return count < 0 ? undefined : count;
};

/**
 * The field for one variable. Stateful converters (time caches) are created fresh per call.
 * Writers are single closures (`void (f.x = v)` returns the "no problem" undefined): a writer runs
 * per value per line, and a closure calling a closure measurably costs.
 * A count that is not one leaves -1 in its field; the line fails, so the record is never built.
 */
export function fieldForVariable(variable: string): VariableField {
  const normal = (write: VariableWriter): VariableField => ({ priority: PRIORITY.normal, write });
  switch (variable) {
    case 'remote_addr': return normal((f, v) => void writeSourceAddress(f, v));
    case 'remote_port': return normal((f, v) => ((f.sourcePort = parseCount(v)) < 0 ? notANumber(variable, v) : undefined));
    case 'remote_user': return normal((f, v) => void (f.userName = v));
    case 'time_local': return { priority: PRIORITY.timeLocal, write: timestampWriter(variable, createTimeLocalConverter()) };
    case 'time_iso8601': return { priority: PRIORITY.timeIso, write: timestampWriter(variable, createTimeIso8601Converter()) };
    case 'msec': return { priority: PRIORITY.timeMsec, write: timestampWriter(variable, msecToIso) };
    case 'request': return { priority: PRIORITY.request, write: (f, v) => void readRequestLine(v, f) };
    case 'request_method': return normal((f, v) => void (f.method = v));
    case 'request_uri': return { priority: PRIORITY.fullUrl, write: writeRequestUri };
    case 'uri':
    case 'document_uri': return { priority: PRIORITY.partialUrl, write: (f, v) => void (f.urlPath = v) };
    case 'args':
    case 'query_string': return { priority: PRIORITY.partialUrl, write: (f, v) => void (f.urlQuery = v) };
    case 'server_protocol': return normal((f, v) => void (f.httpVersion = v.startsWith('HTTP/') ? v.slice(5) : v));
    case 'scheme': return normal((f, v) => void (f.urlScheme = v));
    case 'host': return { priority: PRIORITY.host, write: (f, v) => void (f.urlDomain = v) };
    case 'server_name': return { priority: PRIORITY.serverName, write: (f, v) => void (f.urlDomain = v) };
    case 'status': return normal((f, v) => ((f.statusCode = parseCount(v)) < 0 ? notANumber(variable, v) : undefined));
    case 'body_bytes_sent': return normal((f, v) => ((f.bodyBytes = parseCount(v)) < 0 ? notANumber(variable, v) : undefined));
    case 'bytes_sent': return normal((f, v) => ((f.responseBytes = parseCount(v)) < 0 ? notANumber(variable, v) : undefined));
    case 'request_length': return normal((f, v) => ((f.requestBytes = parseCount(v)) < 0 ? notANumber(variable, v) : undefined));
    case 'request_id': return normal((f, v) => void (f.requestId = v));
    case 'http_referer': return normal((f, v) => void (f.referrer = v));
    case 'http_user_agent': return normal((f, v) => void (f.userAgent = v));
    case 'request_time': return normal(writeRequestTime);
    case 'http_x_forwarded_for': return normal(writeForwardedFor);
    case 'upstream_addr': return normal(upstreamListWriter('address', (item) => item));
    case 'upstream_status': return normal(upstreamListWriter('status_code', toInteger));
    case 'upstream_response_time': return normal(upstreamListWriter('response.time', parseSeconds));
    case 'upstream_connect_time': return normal(upstreamListWriter('connect.time', parseSeconds));
    case 'upstream_header_time': return normal(upstreamListWriter('header.time', parseSeconds));
    case 'upstream_response_length': return normal(upstreamListWriter('response.length', toInteger));
    case 'upstream_bytes_received': return normal(upstreamListWriter('bytes_received', toInteger));
    case 'upstream_bytes_sent': return normal(upstreamListWriter('bytes_sent', toInteger));
    default: {
      // A variable name has no dots, so it stays one key under nginx.access (or nginx.access.upstream).
      const segments = variable.startsWith('upstream_') ? ['access', 'upstream', variable.slice('upstream_'.length)] : ['access', variable];
      return normal((f, v) => void setPathSegments(nginxPart(f), segments, v));
    }
  }
}
