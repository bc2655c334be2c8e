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
import { setPathSegments, type FieldObject } from './fields.ts';
import { splitRequestLine, splitUrl } from './nginx-request.ts';
import { createTimeIso8601Converter, createTimeLocalConverter, msecToIso } from './nginx-time.ts';

/** Writes one variable's (decoded, non-`-`) value into a record; returns a reason when the value is unusable. */
export type VariableWriter = (record: FieldObject, value: string) => string | undefined;

export interface VariableField {
  /** Writers run in ascending priority, so where two variables fill one field the higher one wins. */
  readonly priority: number;
  readonly write: VariableWriter;
}

// Lower first; the more precise or more complete source of a field comes later and wins.
const PRIORITY = { normal: 0, partialUrl: 1, fullUrl: 2, request: 3, timeLocal: 4, timeIso: 5, timeMsec: 6, serverName: 7, host: 8 } as const;

function isDigits(text: string): boolean {
  if (text.length === 0 || text.length > 15) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** A dotted-quad IPv4 checked by hand (the common case), anything with a colon via node:net. */
export function isIpAddress(text: string): boolean {
  if (text.indexOf(':') >= 0) return isIP(text) === 6;
  let octets = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || text.charCodeAt(i) === 46) {
      const octet = text.slice(start, i);
      if (!isDigits(octet) || octet.length > 3 || Number(octet) > 255 || (octet.length > 1 && octet[0] === '0')) return false;
      octets++;
      start = i + 1;
    }
  }
  return octets === 4;
}

/** `0.123` (seconds, as nginx writes times) → a number, or undefined. */
function parseSeconds(text: string): number | undefined {
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** Splits `a, b : c` into its values; separators as nginx's upstream variables write them. */
function splitUpstreamList(text: string): string[] {
  return text.indexOf(',') < 0 && text.indexOf(' : ') < 0 ? [text] : text.split(/, | : /);
}

function stringWriter(path: string): VariableWriter {
  const segments = path.split('.');
  return (record, value) => {
    setPathSegments(record, segments, value);
    return undefined;
  };
}

function integerWriter(variable: string, path: string): VariableWriter {
  const segments = path.split('.');
  return (record, value) => {
    if (!isDigits(value)) return `$${variable} is not a number: ${JSON.stringify(value)}`;
    setPathSegments(record, segments, Number(value));
    return undefined;
  };
}

/** Upstream lists: `-` entries (no upstream reached) are dropped; one value stays scalar. */
function upstreamListWriter(path: string, convert: (item: string) => string | number | undefined): VariableWriter {
  const segments = path.split('.');
  return (record, value) => {
    const items: Array<string | number> = [];
    for (const item of splitUpstreamList(value)) {
      const converted = item === '-' ? undefined : convert(item.trim());
      if (converted !== undefined) items.push(converted);
    }
    if (items.length > 0) setPathSegments(record, segments, items.length === 1 ? items[0] : items);
    return undefined;
  };
}

function timestampWriter(variable: string, convert: (text: string) => string | undefined): VariableWriter {
  return (record, value) => {
    const iso = convert(value);
    if (iso === undefined) return `$${variable} is not a time: ${JSON.stringify(value)}`;
    record['@timestamp'] = iso;
    return undefined;
  };
}

const METHOD = ['http', 'request', 'method'];
const URL_ORIGINAL = ['url', 'original'];
const URL_PATH = ['url', 'path'];
const URL_QUERY = ['url', 'query'];
const HTTP_VERSION = ['http', 'version'];

const writeRequest: VariableWriter = (record, value) => {
  const request = splitRequestLine(value);
  setPathSegments(record, URL_ORIGINAL, request.original);
  if (request.method !== undefined) setPathSegments(record, METHOD, request.method);
  if (request.path !== undefined) setPathSegments(record, URL_PATH, request.path);
  if (request.query !== undefined) setPathSegments(record, URL_QUERY, request.query);
  if (request.version !== undefined) setPathSegments(record, HTTP_VERSION, request.version);
  return undefined;
};

const writeRequestUri: VariableWriter = (record, value) => {
  setPathSegments(record, URL_ORIGINAL, value);
  const { path, query } = splitUrl(value);
  if (path !== undefined) setPathSegments(record, URL_PATH, path);
  if (query !== undefined) setPathSegments(record, URL_QUERY, query);
  return undefined;
};

const SOURCE_ADDRESS = ['source', 'address'];
const SOURCE_IP = ['source', 'ip'];
const writeRemoteAddr: VariableWriter = (record, value) => {
  setPathSegments(record, SOURCE_ADDRESS, value);
  if (isIpAddress(value)) setPathSegments(record, SOURCE_IP, value);
  return undefined;
};

const writeServerProtocol: VariableWriter = (record, value) => {
  setPathSegments(record, HTTP_VERSION, value.startsWith('HTTP/') ? value.slice(5) : value);
  return undefined;
};

const writeRequestTime: VariableWriter = (record, value) => {
  const seconds = parseSeconds(value);
  if (seconds === undefined) return `$request_time is not a duration: ${JSON.stringify(value)}`;
  // nginx writes milliseconds; rounding removes the float noise of `0.123 * 1e9`.
  const event = record.event as FieldObject | undefined;
  if (event) event.duration = Math.round(seconds * 1e9);
  else record.event = { duration: Math.round(seconds * 1e9) };
  return undefined;
};

const writeForwardedFor: VariableWriter = (record, value) => {
  const addresses = value.split(',').map((address) => address.trim()).filter((address) => address.length > 0);
  if (addresses.length > 0) setPathSegments(record, ['nginx', 'access', 'remote_ip_list'], addresses);
  return undefined;
};

const toInteger = (item: string): number | undefined => (isDigits(item) ? Number(item) : undefined);

/** The field for one variable. Stateful converters (time caches) are created fresh per call. */
export function fieldForVariable(variable: string): VariableField {
  const normal = (write: VariableWriter): VariableField => ({ priority: PRIORITY.normal, write });
  switch (variable) {
    case 'remote_addr': return normal(writeRemoteAddr);
    case 'remote_port': return normal(integerWriter(variable, 'source.port'));
    case 'remote_user': return normal(stringWriter('user.name'));
    case 'time_local': return { priority: PRIORITY.timeLocal, write: timestampWriter(variable, createTimeLocalConverter()) };
    case 'time_iso8601': return { priority: PRIORITY.timeIso, write: timestampWriter(variable, createTimeIso8601Converter()) };
    case 'msec': return { priority: PRIORITY.timeMsec, write: timestampWriter(variable, msecToIso) };
    case 'request': return { priority: PRIORITY.request, write: writeRequest };
    case 'request_method': return normal(stringWriter('http.request.method'));
    case 'request_uri': return { priority: PRIORITY.fullUrl, write: writeRequestUri };
    case 'uri':
    case 'document_uri': return { priority: PRIORITY.partialUrl, write: stringWriter('url.path') };
    case 'args':
    case 'query_string': return { priority: PRIORITY.partialUrl, write: stringWriter('url.query') };
    case 'server_protocol': return normal(writeServerProtocol);
    case 'scheme': return normal(stringWriter('url.scheme'));
    case 'host': return { priority: PRIORITY.host, write: stringWriter('url.domain') };
    case 'server_name': return { priority: PRIORITY.serverName, write: stringWriter('url.domain') };
    case 'status': return normal(integerWriter(variable, 'http.response.status_code'));
    case 'body_bytes_sent': return normal(integerWriter(variable, 'http.response.body.bytes'));
    case 'bytes_sent': return normal(integerWriter(variable, 'http.response.bytes'));
    case 'request_length': return normal(integerWriter(variable, 'http.request.bytes'));
    case 'request_id': return normal(stringWriter('http.request.id'));
    case 'http_referer': return normal(stringWriter('http.request.referrer'));
    case 'http_user_agent': return normal(stringWriter('user_agent.original'));
    case 'request_time': return normal(writeRequestTime);
    case 'http_x_forwarded_for': return normal(writeForwardedFor);
    case 'upstream_addr': return normal(upstreamListWriter('nginx.access.upstream.address', (item) => item));
    case 'upstream_status': return normal(upstreamListWriter('nginx.access.upstream.status_code', toInteger));
    case 'upstream_response_time': return normal(upstreamListWriter('nginx.access.upstream.response.time', parseSeconds));
    case 'upstream_connect_time': return normal(upstreamListWriter('nginx.access.upstream.connect.time', parseSeconds));
    case 'upstream_header_time': return normal(upstreamListWriter('nginx.access.upstream.header.time', parseSeconds));
    case 'upstream_response_length': return normal(upstreamListWriter('nginx.access.upstream.response.length', toInteger));
    case 'upstream_bytes_received': return normal(upstreamListWriter('nginx.access.upstream.bytes_received', toInteger));
    case 'upstream_bytes_sent': return normal(upstreamListWriter('nginx.access.upstream.bytes_sent', toInteger));
    default:
      if (variable.startsWith('upstream_')) return normal(stringWriter(`nginx.access.upstream.${variable.slice('upstream_'.length)}`));
      // Split on nothing: a variable name has no dots, so it stays one key.
      return normal((record, value) => {
        setPathSegments(record, ['nginx', 'access', variable], value);
        return undefined;
      });
  }
}
