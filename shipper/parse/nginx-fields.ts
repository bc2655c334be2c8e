/**
 * The ECS fields an nginx line can fill, first collected flat, then assembled into the nested
 * record Elasticsearch stores.
 *
 * Why two steps: writing into one fixed-shape object and then building the nested record with
 * literal keys is about twice as fast as creating nested objects path by path, and parsing runs for
 * every line. It also gives one place that decides the record's shape for both nginx parsers.
 */
import type { LogRecord } from '../record.ts';
import type { FieldObject } from './fields.ts';

/** Every field starts `undefined` (absent); the assembler leaves out what was never set. */
export class NginxFields {
  timestamp: string | undefined = undefined;
  sourceAddress: string | undefined = undefined;
  sourceIp: string | undefined = undefined;
  sourcePort: number | undefined = undefined;
  userName: string | undefined = undefined;
  method: string | undefined = undefined;
  referrer: string | undefined = undefined;
  requestBytes: number | undefined = undefined;
  requestId: string | undefined = undefined;
  httpVersion: string | undefined = undefined;
  statusCode: number | undefined = undefined;
  bodyBytes: number | undefined = undefined;
  responseBytes: number | undefined = undefined;
  urlOriginal: string | undefined = undefined;
  urlPath: string | undefined = undefined;
  urlQuery: string | undefined = undefined;
  urlDomain: string | undefined = undefined;
  urlScheme: string | undefined = undefined;
  urlPort: number | undefined = undefined;
  userAgent: string | undefined = undefined;
  /** `event.duration`, nanoseconds. */
  duration: number | undefined = undefined;
  logLevel: string | undefined = undefined;
  processPid: number | undefined = undefined;
  threadId: number | undefined = undefined;
  /** Fields under `nginx.<dataset part>` (`nginx.access.upstream.*`, `nginx.error.connection_id`). */
  nginx: FieldObject | undefined = undefined;
}

/** The `nginx.*` sub-object, created on first use. */
export function nginxPart(fields: NginxFields): FieldObject {
  return (fields.nginx ??= {});
}

function httpObject(f: NginxFields): FieldObject | undefined {
  let request: FieldObject | undefined;
  if (f.method !== undefined || f.referrer !== undefined || f.requestBytes !== undefined || f.requestId !== undefined) {
    request = {};
    if (f.method !== undefined) request.method = f.method;
    if (f.referrer !== undefined) request.referrer = f.referrer;
    if (f.requestBytes !== undefined) request.bytes = f.requestBytes;
    if (f.requestId !== undefined) request.id = f.requestId;
  }
  let response: FieldObject | undefined;
  if (f.statusCode !== undefined || f.bodyBytes !== undefined || f.responseBytes !== undefined) {
    response = {};
    if (f.statusCode !== undefined) response.status_code = f.statusCode;
    if (f.bodyBytes !== undefined) response.body = { bytes: f.bodyBytes };
    if (f.responseBytes !== undefined) response.bytes = f.responseBytes;
  }
  if (request === undefined && response === undefined && f.httpVersion === undefined) return undefined;
  const http: FieldObject = {};
  if (request !== undefined) http.request = request;
  if (response !== undefined) http.response = response;
  if (f.httpVersion !== undefined) http.version = f.httpVersion;
  return http;
}

function urlObject(f: NginxFields): FieldObject | undefined {
  if (f.urlOriginal === undefined && f.urlPath === undefined && f.urlQuery === undefined && f.urlDomain === undefined && f.urlScheme === undefined && f.urlPort === undefined) {
    return undefined;
  }
  const url: FieldObject = {};
  if (f.urlOriginal !== undefined) url.original = f.urlOriginal;
  if (f.urlPath !== undefined) url.path = f.urlPath;
  if (f.urlQuery !== undefined) url.query = f.urlQuery;
  if (f.urlDomain !== undefined) url.domain = f.urlDomain;
  if (f.urlScheme !== undefined) url.scheme = f.urlScheme;
  if (f.urlPort !== undefined) url.port = f.urlPort;
  return url;
}

/** Builds the nested ECS record; `message` and `event.dataset` are always present. */
export function assembleRecord(f: NginxFields, message: string, dataset: string): LogRecord {
  const record: LogRecord = {};
  if (f.timestamp !== undefined) record['@timestamp'] = f.timestamp;
  record.message = message;
  if (f.sourceAddress !== undefined || f.sourcePort !== undefined) {
    const source: FieldObject = {};
    if (f.sourceAddress !== undefined) source.address = f.sourceAddress;
    if (f.sourceIp !== undefined) source.ip = f.sourceIp;
    if (f.sourcePort !== undefined) source.port = f.sourcePort;
    record.source = source;
  }
  if (f.userName !== undefined) record.user = { name: f.userName };
  const http = httpObject(f);
  if (http !== undefined) record.http = http;
  const url = urlObject(f);
  if (url !== undefined) record.url = url;
  if (f.userAgent !== undefined) record.user_agent = { original: f.userAgent };
  if (f.logLevel !== undefined) record.log = { level: f.logLevel };
  if (f.processPid !== undefined) record.process = f.threadId !== undefined ? { pid: f.processPid, thread: { id: f.threadId } } : { pid: f.processPid };
  record.event = f.duration !== undefined ? { dataset, duration: f.duration } : { dataset };
  if (f.nginx !== undefined) record.nginx = f.nginx;
  return record;
}
