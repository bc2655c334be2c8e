/**
 * The JSON text of the record `assembleRecord` builds (nginx-fields.ts), written straight from the flat
 * fields: the same keys in the same order and the same values, as `JSON.stringify` would write them,
 * without building the nested objects first and walking them again.
 *
 * Why: the sidecar turns every line into a document's JSON, and making the nested record only to
 * serialize it at once was the largest single cost per line (and much of its garbage).
 * `recordJsonMembers` must stay in step with `assembleRecord`; a property test compares the two.
 *
 * How: the text is template literals joined, with the quotes of string values in the templates' constant
 * parts. V8 joins strings lazily and copies the pieces once, when the document is encoded; that costs
 * per piece (about as much as writing a short value), so the fewer the pieces the better: the typical
 * access record (combined and most custom formats) is one template with few optional parts.
 */
import type { NginxFields } from './nginx-fields.ts';

/** What goes between the quotes of a JSON string for a value. */
type JsonStringContent = (value: string) => string;

/** For values known to need no escaping at all (see `valuesNeedNoEscaping`): as they are. */
const bareContent: JsonStringContent = (value) => value;

/** Any value, escaped exactly as `JSON.stringify` escapes it. */
const escapedContent: JsonStringContent = (value) => JSON.stringify(value).slice(1, -1);

/**
 * Whether no value cut from a line needs escaping in JSON, told from the line's own JSON (which the
 * document needs anyway): escaping never shortens, and adds the same characters for a literal's text
 * wherever it stands, so if the line's JSON is longer by exactly what its format's literals add (their
 * `"`, a tab…), every other character is written as it is — and values are cut from between those
 * literals. `escapesInLiterals` undefined: values are not cut from the line as written (JSON formats).
 */
export function valuesNeedNoEscaping(line: string, lineJson: string, escapesInLiterals: number | undefined): boolean {
  return escapesInLiterals !== undefined && lineJson.length === line.length + 2 + escapesInLiterals;
}

/** A number as `JSON.stringify` writes it (what is not finite becomes `null`). */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? `${value}` : 'null';
}

/** Two members lists joined by a comma when both have members. */
function joined(first: string, second: string): string {
  return first === '' ? second : second === '' ? first : `${first},${second}`;
}

function sourceJson(f: NginxFields, content: JsonStringContent): string {
  if (f.sourceAddress === undefined && f.sourcePort === undefined) return '';
  const address = f.sourceAddress !== undefined ? `"address":"${content(f.sourceAddress)}"` : '';
  const ip = f.sourceIp !== undefined ? `"ip":"${content(f.sourceIp)}"` : '';
  const port = f.sourcePort !== undefined ? `"port":${jsonNumber(f.sourcePort)}` : '';
  return `,"source":{${joined(joined(address, ip), port)}}`;
}

function requestJson(f: NginxFields, content: JsonStringContent): string {
  if (f.method === undefined && f.referrer === undefined && f.requestBytes === undefined && f.requestId === undefined) return '';
  const method = f.method !== undefined ? `"method":"${content(f.method)}"` : '';
  const referrer = f.referrer !== undefined ? `"referrer":"${content(f.referrer)}"` : '';
  const bytes = f.requestBytes !== undefined ? `"bytes":${jsonNumber(f.requestBytes)}` : '';
  const id = f.requestId !== undefined ? `"id":"${content(f.requestId)}"` : '';
  return `"request":{${joined(joined(method, referrer), joined(bytes, id))}}`;
}

function responseJson(f: NginxFields): string {
  if (f.statusCode === undefined && f.bodyBytes === undefined && f.responseBytes === undefined) return '';
  const status = f.statusCode !== undefined ? `"status_code":${jsonNumber(f.statusCode)}` : '';
  const body = f.bodyBytes !== undefined ? `"body":{"bytes":${jsonNumber(f.bodyBytes)}}` : '';
  const bytes = f.responseBytes !== undefined ? `"bytes":${jsonNumber(f.responseBytes)}` : '';
  return `"response":{${joined(joined(status, body), bytes)}}`;
}

function httpJson(f: NginxFields, content: JsonStringContent): string {
  const version = f.httpVersion !== undefined ? `"version":"${content(f.httpVersion)}"` : '';
  const members = joined(joined(requestJson(f, content), responseJson(f)), version);
  return members === '' ? '' : `,"http":{${members}}`;
}

function urlJson(f: NginxFields, content: JsonStringContent): string {
  const original = f.urlOriginal !== undefined ? `"original":"${content(f.urlOriginal)}"` : '';
  const path = f.urlPath !== undefined ? `"path":"${content(f.urlPath)}"` : '';
  const query = f.urlQuery !== undefined ? `"query":"${content(f.urlQuery)}"` : '';
  let members = joined(joined(original, path), query);
  if (f.urlDomain !== undefined || f.urlScheme !== undefined || f.urlPort !== undefined) {
    const domain = f.urlDomain !== undefined ? `"domain":"${content(f.urlDomain)}"` : '';
    const scheme = f.urlScheme !== undefined ? `"scheme":"${content(f.urlScheme)}"` : '';
    const port = f.urlPort !== undefined ? `"port":${jsonNumber(f.urlPort)}` : '';
    members = joined(members, joined(joined(domain, scheme), port));
  }
  return members === '' ? '' : `,"url":{${members}}`;
}

/** The fields only the error log has (`log.level`, `process.*`). */
function errorLogJson(f: NginxFields, content: JsonStringContent): string {
  const level = f.logLevel !== undefined ? `,"log":{"level":"${content(f.logLevel)}"}` : '';
  if (f.processPid === undefined) return level;
  const thread = f.threadId !== undefined ? `,"thread":{"id":${jsonNumber(f.threadId)}}` : '';
  return `${level},"process":{"pid":${jsonNumber(f.processPid)}${thread}}`;
}

/** Members of any record `assembleRecord` can build, object by object. */
function anyRecordJsonMembers(f: NginxFields, messageJson: string, datasetJson: string, content: JsonStringContent): string {
  const timestamp = f.timestamp !== undefined ? `"@timestamp":"${content(f.timestamp)}",` : '';
  const user = f.userName !== undefined ? `,"user":{"name":"${content(f.userName)}"}` : '';
  const userAgent = f.userAgent !== undefined ? `,"user_agent":{"original":"${content(f.userAgent)}"}` : '';
  const errorLog = f.logLevel !== undefined || f.processPid !== undefined ? errorLogJson(f, content) : '';
  const duration = f.duration !== undefined ? `,"duration":${jsonNumber(f.duration)}` : '';
  // Free-form values (upstream lists, other variables): JSON.stringify writes them as it would in the record.
  const nginx = f.nginx !== undefined ? `,"nginx":${JSON.stringify(f.nginx)}` : '';
  return `${timestamp}"message":${messageJson}${sourceJson(f, content)}${user}${httpJson(f, content)}${urlJson(f, content)}${userAgent}${errorLog},"event":{"dataset":${datasetJson}${duration}}${nginx}`;
}

/**
 * The typical access record (one template here, and written as bytes by sidecar/access-record-bytes.ts): a time, an IP client address, a request line with method and version, a
 * status; optionally a user, a referrer, a query, a user agent, the body size and the duration; nothing else.
 */
export function isTypicalAccessRecord(f: NginxFields): boolean {
  return f.timestamp !== undefined && f.sourceAddress !== undefined && f.sourceIp !== undefined && f.sourcePort === undefined
    && f.method !== undefined && f.requestBytes === undefined && f.requestId === undefined
    && f.statusCode !== undefined && f.responseBytes === undefined && f.httpVersion !== undefined
    && f.urlOriginal !== undefined && f.urlPath !== undefined && f.urlDomain === undefined && f.urlScheme === undefined && f.urlPort === undefined
    && f.logLevel === undefined && f.processPid === undefined && f.nginx === undefined;
}

/** Members of a typical access record whose values need no escaping: one template. */
function typicalAccessRecordJsonMembers(f: NginxFields, messageJson: string, datasetJson: string): string {
  // An optional string member starts with the closing quote of the one before it and leaves its own
  // closing quote to the next constant part: one piece fewer each.
  return `"@timestamp":"${f.timestamp}","message":${messageJson},"source":{"address":"${f.sourceAddress}","ip":"${f.sourceIp}${
    f.userName !== undefined ? `"},"user":{"name":"${f.userName}` : ''}"},"http":{"request":{"method":"${f.method}${
    f.referrer !== undefined ? `","referrer":"${f.referrer}` : ''}"},"response":{"status_code":${jsonNumber(f.statusCode!)}${
    f.bodyBytes !== undefined ? `,"body":{"bytes":${jsonNumber(f.bodyBytes)}}` : ''}},"version":"${f.httpVersion}"},"url":{"original":"${f.urlOriginal}","path":"${f.urlPath}${
    f.urlQuery !== undefined ? `","query":"${f.urlQuery}` : ''}${
    f.userAgent !== undefined ? `"},"user_agent":{"original":"${f.userAgent}` : ''}"},"event":{"dataset":${datasetJson}${
    f.duration !== undefined ? `,"duration":${jsonNumber(f.duration)}` : ''}}`;
}

/**
 * `JSON.stringify(assembleRecord(f, message, dataset))` without its braces.
 * @param messageJson `JSON.stringify(message)`
 * @param datasetJson `JSON.stringify(dataset)`
 * @param valuesNeedNoEscaping no string in `f` holds a character `JSON.stringify` escapes
 *        (see `valuesNeedNoEscaping`); when false, every string value is escaped
 */
export function recordJsonMembers(f: NginxFields, messageJson: string, datasetJson: string, valuesNeedNoEscaping: boolean): string {
  if (!valuesNeedNoEscaping) return anyRecordJsonMembers(f, messageJson, datasetJson, escapedContent);
  return isTypicalAccessRecord(f) ? typicalAccessRecordJsonMembers(f, messageJson, datasetJson) : anyRecordJsonMembers(f, messageJson, datasetJson, bareContent);
}
