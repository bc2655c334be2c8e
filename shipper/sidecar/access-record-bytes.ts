/**
 * The bulk record of a typical access line, written as bytes straight into the record's memory: the
 * action line, then the document — the same bytes as the string path (access-document.ts) makes and
 * `encodeRecord` encodes, without the document ever being a string.
 *
 * Why: the string path joins ~25 template pieces into a string per line that V8 must flatten before it
 * can be encoded, and that string, its pieces and the flattened copy were most of the sidecar's garbage
 * (~3 KB a line) and about a quarter of its CPU. Here each value is encoded once, where it belongs; the
 * template's constant parts are bytes made once; numbers, the offset and the id's tail are written digit
 * by digit. What is allocated per line is the parser's fields and the line's own JSON.
 *
 * Values are copied from the line's own bytes where that is known to give the same bytes: the message
 * (the line's JSON) is written first, and a value cut from the line as written sits in it at its place in
 * the line, shifted by what escaping the format's literals before it added. That holds for an ASCII line
 * (one byte per character) whose values need no escaping, of a format whose variables only fill the
 * typical record's fields once each (`COPYABLE_VARIABLES`); the parser says where each value starts
 * (`AccessFieldReader.valueStart`). Reading the parser's value strings instead costs far more: they are
 * slices of the line, which V8 reads and encodes slowly.
 *
 * Only the typical access record (`isTypicalAccessRecord`) whose values need no escaping takes this path;
 * the caller decides that, and everything else goes the string way. A property test holds both paths
 * to the same records (test/property/sidecar/access-document.property.test.ts).
 */
import type { Line, Outgoing } from '../record.ts';
import type { NginxFields } from '../parse/nginx-fields.ts';
import type { AccessFieldReader } from '../parse/nginx-access.ts';
import type { LiteralFormat } from '../parse/nginx-format.ts';
import type { AccessLinePositions } from '../parse/nginx-access-positions.ts';
import { documentIdHead } from '../document-id.ts';
import { actionLineBytes, commitRecord, recordHead, reserveRecord, writeActionLine } from '../sink/bulk-record.ts';
import { writeDigits } from '../kit/digit-bytes.ts';

/** Writes the record of one typical access line whose values need no escaping; `messageJson` is the line's JSON. */
export type AccessRecordBytesWriter = (fields: NginxFields, line: Line, messageJson: string) => Outgoing;

const bytesOf = (text: string): Buffer => Buffer.from(text, 'utf8');

// The typical record's template (nginx-fields-json.ts: typicalAccessRecordJsonMembers), cut where values go.
// An optional string member starts with the closing quote of the one before it, as there.
/** The document's start (after the action line, `writeActionLine`'s). */
const TIMESTAMP = bytesOf('{"@timestamp":"');
const MESSAGE = bytesOf('","message":');
const ADDRESS = bytesOf(',"source":{"address":"');
const IP = bytesOf('","ip":"');
const USER = bytesOf('"},"user":{"name":"');
const METHOD = bytesOf('"},"http":{"request":{"method":"');
const REFERRER = bytesOf('","referrer":"');
const STATUS = bytesOf('"},"response":{"status_code":');
const BODY = bytesOf(',"body":{"bytes":');
const VERSION = bytesOf('},"version":"');
const ORIGINAL = bytesOf('"},"url":{"original":"');
const PATH = bytesOf('","path":"');
const QUERY = bytesOf('","query":"');
const USER_AGENT = bytesOf('"},"user_agent":{"original":"');
const DURATION = bytesOf(',"duration":');
/** Every constant part once, optional ones included, and a closing brace after the body's bytes. */
const CONSTANT_BYTES = [TIMESTAMP, MESSAGE, ADDRESS, IP, USER, METHOD, REFERRER, STATUS, BODY, VERSION, ORIGINAL, PATH, QUERY, USER_AGENT, DURATION]
  .reduce((sum, part) => sum + part.length, 1);
/** The longest a number is written (`-1.7976931348623157e+308`), the offset's digits included. */
const NUMBER_BYTES = 24;

/**
 * The variables whose values can be copied from the line, each filling its fields alone: a format of only
 * these (each at most once) has them copied. `time_local` and the numbers are written from the fields.
 */
const COPYABLE_VARIABLES: ReadonlySet<string> = new Set(['remote_addr', 'remote_user', 'time_local', 'request', 'status', 'body_bytes_sent', 'http_referer', 'http_user_agent', 'request_time']);

/** Where the values of a format's variables are in its lines' JSON, for the variables values are copied for. */
interface CopyPlan {
  /** Index of each variable in the format, -1 when it has none. */
  readonly address: number;
  readonly user: number;
  readonly request: number;
  readonly referrer: number;
  readonly userAgent: number;
  /** Per variable: characters that escaping the literals before its value adds to the line's JSON. */
  readonly escapesBefore: Int32Array;
}

function copyPlanOf(format: LiteralFormat): CopyPlan | undefined {
  const { variables, literals } = format;
  if (new Set(variables).size !== variables.length || variables.some((variable) => !COPYABLE_VARIABLES.has(variable))) return undefined;
  // A literal holding a surrogate could pair with a value's: its escaping would not be its own.
  if (literals.some((literal) => /[\ud800-\udfff]/.test(literal))) return undefined;
  const escapesBefore = new Int32Array(variables.length);
  let added = 0;
  for (let v = 0; v < variables.length; v++) {
    added += JSON.stringify(literals[v]!).length - 2 - literals[v]!.length;
    escapesBefore[v] = added;
  }
  return {
    address: variables.indexOf('remote_addr'),
    user: variables.indexOf('remote_user'),
    request: variables.indexOf('request'),
    referrer: variables.indexOf('http_referer'),
    userAgent: variables.indexOf('http_user_agent'),
    escapesBefore,
  };
}

/**
 * A writer for the records of one index.
 * @param reader the reader the fields come from, read just before (it says where values start)
 * @param datasetJson `JSON.stringify(dataset)`
 * @param afterOffset what follows the offset: the end of `log`, `data_stream` and the fixed fields, and the
 *        document's closing brace (access-document.ts makes it)
 */
export function createAccessRecordBytesWriter(reader: AccessFieldReader, index: string, datasetJson: string, afterOffset: string): AccessRecordBytesWriter {
  const plan = copyPlanOf(reader.format);
  const { valueStart } = reader;
  const file = new FileParts(index, datasetJson, afterOffset);
  // Room for the event with or without a duration, five numbers (status, size, duration, offset, id) and some to spare.
  const fixedBytes = CONSTANT_BYTES + 2 * file.eventLength + file.tailLength + 6 * NUMBER_BYTES;

  return (f, line, messageJson) => {
    file.follow(line);
    const { head, beforeOffset } = file;
    const timestamp = f.timestamp!;
    const address = f.sourceAddress!;
    const ip = f.sourceIp!;
    const user = f.userName;
    const method = f.method!;
    const referrer = f.referrer;
    const version = f.httpVersion!;
    const original = f.urlOriginal!;
    const path = f.urlPath!;
    const query = f.urlQuery;
    const userAgent = f.userAgent;
    // At most 3 bytes of UTF-8 per UTF-16 unit of what is encoded.
    const units = timestamp.length + messageJson.length + address.length + ip.length + (user?.length ?? 0) + method.length + (referrer?.length ?? 0)
      + version.length + original.length + path.length + (query?.length ?? 0) + (userAgent?.length ?? 0);
    const space = reserveRecord(actionLineBytes(head, line.offset) + beforeOffset.length + fixedBytes + 3 * units);
    const target = space.bytes;
    const bodyStart = writeActionLine(target, space.at, head, line.offset);
    let pos = put(target, bodyStart, TIMESTAMP);
    pos = put(target, pos, file.timestampBytes(timestamp));
    pos = put(target, pos, MESSAGE);
    const written = target.write(messageJson, pos);
    // Where the line's first character is in the record, when values can be copied from there: -1 when not.
    let lineAt = -1;
    if (plan !== undefined && written === messageJson.length && valueStart(0) >= 0) lineAt = pos + 1;
    pos += written;
    const addressAt = copySource(lineAt, plan?.address, plan, valueStart);
    pos = put(target, pos, ADDRESS);
    pos = copyOrPut(target, pos, addressAt, address);
    pos = put(target, pos, IP);
    // The IP is the address itself (writeSourceAddress).
    pos = copyOrPut(target, pos, addressAt, ip);
    if (user !== undefined) {
      pos = put(target, pos, USER);
      pos = copyOrPut(target, pos, copySource(lineAt, plan?.user, plan, valueStart), user);
    }
    // The request line's parts (readRequestLine): `<method> <original> HTTP/<version>`, the path first in
    // an original of origin form (`/a?b`), the query after the path's `?`.
    const requestAt = copySource(lineAt, plan?.request, plan, valueStart);
    pos = put(target, pos, METHOD);
    pos = copyOrPut(target, pos, requestAt, method);
    if (referrer !== undefined) {
      pos = put(target, pos, REFERRER);
      pos = copyOrPut(target, pos, copySource(lineAt, plan?.referrer, plan, valueStart), referrer);
    }
    pos = put(target, pos, STATUS);
    pos = writeJsonNumber(target, pos, f.statusCode!);
    if (f.bodyBytes !== undefined) {
      pos = put(target, pos, BODY);
      pos = writeJsonNumber(target, pos, f.bodyBytes);
      target[pos++] = 0x7d; // }
    }
    const originalAt = requestAt < 0 ? -1 : requestAt + method.length + 1;
    pos = put(target, pos, VERSION);
    pos = copyOrPut(target, pos, originalAt < 0 ? -1 : originalAt + original.length + 6, version);
    pos = put(target, pos, ORIGINAL);
    pos = copyOrPut(target, pos, originalAt, original);
    const pathAt = originalAt >= 0 && original.charCodeAt(0) === 47 /* / */ ? originalAt : -1;
    pos = put(target, pos, PATH);
    pos = copyOrPut(target, pos, pathAt, path);
    if (query !== undefined) {
      pos = put(target, pos, QUERY);
      pos = copyOrPut(target, pos, pathAt < 0 ? -1 : pathAt + path.length + 1, query);
    }
    if (userAgent !== undefined) {
      pos = put(target, pos, USER_AGENT);
      pos = copyOrPut(target, pos, copySource(lineAt, plan?.userAgent, plan, valueStart), userAgent);
    }
    pos = file.writeEnd(target, pos, f.duration, line.offset);
    return commitRecord(index, line.source, line.offset, line.endOffset, bodyStart, pos);
  };
}

/**
 * Writes the record of a typical access line read into positions (../parse/nginx-access-positions.ts)
 * whose values need no escaping; `messageJson` is the line's JSON. Undefined when the line is not ASCII:
 * then only the field path can write it (values are copied from the line's bytes as characters).
 */
export type AccessPositionsRecordWriter = (line: Line, at: AccessLinePositions, messageJson: string) => Outgoing | undefined;

/**
 * The same records as `createAccessRecordBytesWriter`'s, for lines read into positions: every value is
 * copied from the line's JSON, none is a string. Undefined for a format whose values cannot be copied.
 */
export function createAccessPositionsRecordWriter(format: LiteralFormat, index: string, datasetJson: string, afterOffset: string): AccessPositionsRecordWriter | undefined {
  const plan = copyPlanOf(format);
  if (plan === undefined) return undefined;
  // What escaping the literals before a variable's value shifts it by in the line's JSON (-1: no such variable).
  const shiftOf = (v: number): number => (v < 0 ? -1 : plan.escapesBefore[v]!);
  const addressShift = shiftOf(plan.address);
  const userShift = shiftOf(plan.user);
  const requestShift = shiftOf(plan.request);
  const referrerShift = shiftOf(plan.referrer);
  const userAgentShift = shiftOf(plan.userAgent);
  const file = new FileParts(index, datasetJson, afterOffset);
  // The event twice (with the duration, and in eventToOffset), four numbers (status, size, duration, offset).
  const fixedBytes = CONSTANT_BYTES + file.eventLength + 1 + file.tailLength + 4 * NUMBER_BYTES;

  return (line, at, messageJson) => {
    file.follow(line);
    const { head, eventToOffset } = file;
    const timestampBytes = file.timestampBytes(at.timestamp);
    // Values are copies of parts of the line (the address twice, the path and query within the target).
    const values = 2 * (at.addressEnd - at.addressStart) + (at.userEnd - at.userStart) + (at.methodEnd - at.methodStart) + (at.referrerEnd - at.referrerStart)
      + (at.versionEnd - at.versionStart) + 2 * (at.originalEnd - at.originalStart) + (at.userAgentEnd - at.userAgentStart);
    const space = reserveRecord(actionLineBytes(head, line.offset) + eventToOffset.length + fixedBytes + timestampBytes.length + 3 * messageJson.length + values);
    const target = space.bytes;
    const bodyStart = writeActionLine(target, space.at, head, line.offset);
    let pos = put(target, bodyStart, TIMESTAMP);
    pos = put(target, pos, timestampBytes);
    pos = put(target, pos, MESSAGE);
    const written = target.write(messageJson, pos);
    // Not ASCII: the reservation is simply not committed, and the field path writes the record.
    if (written !== messageJson.length) return undefined;
    const lineAt = pos + 1;
    pos += written;
    pos = put(target, pos, ADDRESS);
    pos = copy(target, pos, lineAt + addressShift, at.addressStart, at.addressEnd);
    pos = put(target, pos, IP);
    pos = copy(target, pos, lineAt + addressShift, at.addressStart, at.addressEnd);
    if (at.userStart >= 0) {
      pos = put(target, pos, USER);
      pos = copy(target, pos, lineAt + userShift, at.userStart, at.userEnd);
    }
    const requestAt = lineAt + requestShift;
    pos = put(target, pos, METHOD);
    pos = copy(target, pos, requestAt, at.methodStart, at.methodEnd);
    if (at.referrerStart >= 0) {
      pos = put(target, pos, REFERRER);
      pos = copy(target, pos, lineAt + referrerShift, at.referrerStart, at.referrerEnd);
    }
    pos = put(target, pos, STATUS);
    pos = writeDecimal(target, pos, at.statusCode);
    if (at.bodyBytes >= 0) {
      pos = put(target, pos, BODY);
      pos = writeDecimal(target, pos, at.bodyBytes);
      target[pos++] = 0x7d; // }
    }
    pos = put(target, pos, VERSION);
    pos = copy(target, pos, requestAt, at.versionStart, at.versionEnd);
    pos = put(target, pos, ORIGINAL);
    pos = copy(target, pos, requestAt, at.originalStart, at.originalEnd);
    pos = put(target, pos, PATH);
    pos = copy(target, pos, requestAt, at.originalStart, at.pathEnd);
    if (at.queryStart >= 0) {
      pos = put(target, pos, QUERY);
      pos = copy(target, pos, requestAt, at.queryStart, at.queryEnd);
    }
    if (at.userAgentStart >= 0) {
      pos = put(target, pos, USER_AGENT);
      pos = copy(target, pos, lineAt + userAgentShift, at.userAgentStart, at.userAgentEnd);
    }
    pos = file.writeEnd(target, pos, at.duration < 0 ? undefined : at.duration, line.offset);
    return commitRecord(index, line.source, line.offset, line.endOffset, bodyStart, pos);
  };
}

/** Copies the value at `[start, end)` of the line, which is at `lineAt` in the record (shifted by escapes), to `pos`. */
function copy(target: Buffer, pos: number, lineAt: number, start: number, end: number): number {
  return copyWithinRecord(target, pos, lineAt + start, end - start);
}

/**
 * The record parts that change only with the line's file (the action line's head, the path's part) or its
 * time, made again only when those change: lines come file by file, and a line's time is nearly always its
 * predecessor's (the readers then give the same string). Also the record's end, the same for both writers.
 */
class FileParts {
  head: Buffer = Buffer.alloc(0);
  beforeOffset: Buffer = Buffer.alloc(0);
  /** The event, its closing brace and `beforeOffset`: what follows the last value when there is no duration. */
  eventToOffset: Buffer = Buffer.alloc(0);
  readonly eventLength: number;
  readonly tailLength: number;
  readonly #index: string;
  readonly #event: Buffer;
  /** The document's end and the line's newline. */
  readonly #tail: Buffer;
  #source = '';
  #path: string | undefined;
  #timestamp = '';
  #timestampBytes: Buffer = Buffer.alloc(0);

  constructor(index: string, datasetJson: string, afterOffset: string) {
    this.#index = index;
    this.#event = bytesOf(`"},"event":{"dataset":${datasetJson}`);
    this.#tail = bytesOf(`${afterOffset}\n`);
    this.eventLength = this.#event.length;
    this.tailLength = this.#tail.length;
  }

  /** After the last value: the event (with the duration when there is one), the file's path, the offset, the end. */
  writeEnd(target: Buffer, pos: number, duration: number | undefined, offset: number): number {
    if (duration === undefined) {
      pos = put(target, pos, this.eventToOffset);
    } else {
      pos = put(target, pos, this.#event);
      pos = put(target, pos, DURATION);
      pos = writeJsonNumber(target, pos, duration);
      target[pos++] = 0x7d; // }
      pos = put(target, pos, this.beforeOffset);
    }
    pos = writeDecimal(target, pos, offset);
    return put(target, pos, this.#tail);
  }

  follow(line: Line): void {
    if (line.source !== this.#source) {
      this.#source = line.source;
      this.head = recordHead(this.#index, documentIdHead(line.source));
    }
    if (line.path !== this.#path) {
      this.#path = line.path;
      this.beforeOffset = bytesOf(`,"log":{"file":{"path":${JSON.stringify(line.path)}},"offset":`);
      this.eventToOffset = Buffer.concat([this.#event, Buffer.from('}'), this.beforeOffset]);
    }
  }

  timestampBytes(timestamp: string): Buffer {
    if (timestamp !== this.#timestamp) {
      this.#timestamp = timestamp;
      this.#timestampBytes = bytesOf(timestamp);
    }
    return this.#timestampBytes;
  }
}

/** Where variable `v`'s value is in the record (the line starting at `lineAt`), or -1 when it is not copied. */
function copySource(lineAt: number, v: number | undefined, plan: CopyPlan | undefined, valueStart: (v: number) => number): number {
  if (lineAt < 0 || v === undefined || v < 0) return -1;
  return lineAt + valueStart(v) + plan!.escapesBefore[v]!;
}

/** `value`, copied from `from` in the record when that is not -1 (those bytes are `value`'s), else written. */
function copyOrPut(target: Buffer, pos: number, from: number, value: string): number {
  return from < 0 ? putText(target, pos, value) : copyWithinRecord(target, pos, from, value.length);
}

/** Copies `length` bytes of the record from `from` to `pos`. */
function copyWithinRecord(target: Buffer, pos: number, from: number, length: number): number {
  // A call costs more than copying a few dozen bytes one by one.
  if (length > 32) {
    target.copyWithin(pos, from, from + length);
    return pos + length;
  }
  for (let i = 0; i < length; i++) target[pos + i] = target[from + i]!;
  return pos + length;
}

/**
 * A value as UTF-8: stored unit by unit while it is ASCII, as values almost always are (a call to
 * `write` costs more than the dozen or so characters of a typical value), else encoded whole.
 */
function putText(target: Buffer, pos: number, value: string): number {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code > 0x7f) return pos + target.write(value, pos);
    target[pos + i] = code;
  }
  return pos + value.length;
}

function put(target: Buffer, pos: number, part: Buffer): number {
  target.set(part, pos);
  return pos + part.length;
}

/** A number as `JSON.stringify` writes it: digits for a non-negative safe integer, else its text (`null` if not finite). */
function writeJsonNumber(target: Buffer, pos: number, value: number): number {
  if (Number.isSafeInteger(value) && value >= 0) return writeDecimal(target, pos, value);
  return pos + target.write(Number.isFinite(value) ? `${value}` : 'null', pos, 'latin1');
}

/** A non-negative safe integer's decimal digits (what `${value}` gives). */
function writeDecimal(target: Buffer, pos: number, value: number): number {
  return writeDigits(target, pos, value, 10);
}
