/**
 * Where the values of a typical access line are, read without making a string of any of them: the
 * sidecar's byte writer copies values from the line's own bytes (sidecar/access-record-bytes.ts), so for
 * it the strings the field reader cuts (nine slices, the request line's five parts, the fields object)
 * were only garbage — about two thirds of what a line allocated, and so of the sidecar's scavenges.
 *
 * It reads the lines the field reader (nginx-access.ts) reads the same way, with the same rules (the
 * variables' writers in nginx-variables.ts, the request line's in nginx-request.ts), but only the ones
 * whose record is the typical one (`isTypicalAccessRecord`) and whose values are as written:
 * - formats of the copyable variables (`remote_addr`, `remote_user`, `time_local`, `request`, `status`,
 *   `body_bytes_sent`, `http_referer`, `http_user_agent`, `request_time`), each at most once, with an
 *   address, a time, a request and a status among them;
 * - a line with no backslash (no escape to undo), an IPv4 address, a time, a request line of origin form
 *   with a method and an HTTP version, a status and a body size of digits, a request time of seconds.
 * Any other line answers false, and the field reader reads it as before. A property test holds both
 * readers to the same fields (test/property/parse/nginx-access-positions.property.test.ts).
 */
import type { LiteralFormat } from './nginx-format.ts';
import { createTimeLocalConverter } from './nginx-time.ts';
import { countAt, isIpv4At, nanosecondsOf, secondsAt } from './nginx-variables.ts';

/** Variables a typical line can have, each filling its own fields. */
const POSITION_VARIABLES: ReadonlySet<string> = new Set(['remote_addr', 'remote_user', 'time_local', 'request', 'status', 'body_bytes_sent', 'http_referer', 'http_user_agent', 'request_time']);

/**
 * The values of the line last read: for a string field, where it starts and ends in the line (start -1:
 * absent); the numbers as numbers. `variable` says which of the format's variables a value is cut from
 * (its index; the request line's parts are the request's).
 */
export class AccessLinePositions {
  timestamp = '';
  addressStart = 0;
  addressEnd = 0;
  userStart = -1;
  userEnd = -1;
  methodStart = 0;
  methodEnd = 0;
  /** `url.original`: the request target. */
  originalStart = 0;
  originalEnd = 0;
  pathEnd = 0;
  queryStart = -1;
  queryEnd = -1;
  versionStart = 0;
  versionEnd = 0;
  statusCode = 0;
  /** -1: absent. */
  bodyBytes = -1;
  referrerStart = -1;
  referrerEnd = -1;
  userAgentStart = -1;
  userAgentEnd = -1;
  /** `event.duration` in nanoseconds; -1: absent. */
  duration = -1;
}

/** Reads a line into `into`; false when the line is not one this reader reads (the field reader then does). */
export type AccessPositionReader = (text: string, into: AccessLinePositions) => boolean;

/** Indexes of the variables in the format (-1: not in it). */
interface VariableIndexes {
  readonly address: number;
  readonly user: number;
  readonly time: number;
  readonly request: number;
  readonly status: number;
  readonly bodyBytes: number;
  readonly referrer: number;
  readonly userAgent: number;
  readonly requestTime: number;
}

/** The reader for lines of `format`, or undefined when its lines are never typical or not of these variables. */
export function compileAccessPositionReader(format: LiteralFormat): AccessPositionReader | undefined {
  const { literals, variables } = format;
  if (new Set(variables).size !== variables.length || variables.some((variable) => !POSITION_VARIABLES.has(variable))) return undefined;
  const at: VariableIndexes = {
    address: variables.indexOf('remote_addr'),
    user: variables.indexOf('remote_user'),
    time: variables.indexOf('time_local'),
    request: variables.indexOf('request'),
    status: variables.indexOf('status'),
    bodyBytes: variables.indexOf('body_bytes_sent'),
    referrer: variables.indexOf('http_referer'),
    userAgent: variables.indexOf('http_user_agent'),
    requestTime: variables.indexOf('request_time'),
  };
  if (at.address < 0 || at.time < 0 || at.request < 0 || at.status < 0) return undefined;
  const count = variables.length;
  const starts = new Int32Array(count);
  const ends = new Int32Array(count);
  const toIso = createTimeLocalConverter();
  let lastTimeText = '';
  let lastTimestamp: string | undefined;
  const first = literals[0]!;
  const closing = literals[count]!;

  /** The values' places, as `scanLiteralFormat` cuts them from a line with no escapes. */
  const scan = (text: string): boolean => {
    if (!text.startsWith(first)) return false;
    let position = first.length;
    for (let v = 0; v < count - 1; v++) {
      const literal = literals[v + 1]!;
      const end = text.indexOf(literal, position);
      if (end < 0) return false;
      starts[v] = position;
      ends[v] = end;
      position = end + literal.length;
    }
    if (!text.endsWith(closing) || text.length - closing.length < position) return false;
    starts[count - 1] = position;
    ends[count - 1] = text.length - closing.length;
    return true;
  };

  /** `-` and the empty value mean absent (`readValues`). */
  const isAbsent = (text: string, start: number, end: number): boolean => start === end || (end === start + 1 && text.charCodeAt(start) === 45 /* - */);

  return (text, into) => {
    if (text.indexOf('\\') >= 0 || !scan(text)) return false;
    // remote_addr: an IPv4 address (`source.ip` too); anything else takes the field reader.
    const addressStart = starts[at.address]!;
    const addressEnd = ends[at.address]!;
    if (!isIpv4At(text, addressStart, addressEnd)) return false;
    into.addressStart = addressStart;
    into.addressEnd = addressEnd;
    // time_local, converted when it differs from the last line's (it nearly never does).
    const timeStart = starts[at.time]!;
    const timeEnd = ends[at.time]!;
    if (timeEnd - timeStart !== lastTimeText.length || !text.startsWith(lastTimeText, timeStart) || lastTimestamp === undefined) {
      if (isAbsent(text, timeStart, timeEnd)) return false;
      lastTimeText = text.slice(timeStart, timeEnd);
      lastTimestamp = toIso(lastTimeText);
      if (lastTimestamp === undefined) return false;
    }
    into.timestamp = lastTimestamp;
    if (!readStatus(text, starts[at.status]!, ends[at.status]!, into)) return false;
    into.bodyBytes = -1;
    if (at.bodyBytes >= 0) {
      const start = starts[at.bodyBytes]!;
      const end = ends[at.bodyBytes]!;
      if (!isAbsent(text, start, end)) {
        into.bodyBytes = countAt(text, start, end);
        if (into.bodyBytes < 0) return false;
      }
    }
    if (!readRequestAt(text, starts[at.request]!, ends[at.request]!, into)) return false;
    into.userStart = into.userEnd = -1;
    if (at.user >= 0 && !isAbsent(text, starts[at.user]!, ends[at.user]!)) {
      into.userStart = starts[at.user]!;
      into.userEnd = ends[at.user]!;
    }
    into.referrerStart = into.referrerEnd = -1;
    if (at.referrer >= 0 && !isAbsent(text, starts[at.referrer]!, ends[at.referrer]!)) {
      into.referrerStart = starts[at.referrer]!;
      into.referrerEnd = ends[at.referrer]!;
    }
    into.userAgentStart = into.userAgentEnd = -1;
    if (at.userAgent >= 0 && !isAbsent(text, starts[at.userAgent]!, ends[at.userAgent]!)) {
      into.userAgentStart = starts[at.userAgent]!;
      into.userAgentEnd = ends[at.userAgent]!;
    }
    into.duration = -1;
    if (at.requestTime >= 0 && !isAbsent(text, starts[at.requestTime]!, ends[at.requestTime]!)) {
      const seconds = secondsAt(text, starts[at.requestTime]!, ends[at.requestTime]!);
      if (seconds === undefined) return false;
      into.duration = nanosecondsOf(seconds);
    }
    return true;
  };
}

function readStatus(text: string, start: number, end: number, into: AccessLinePositions): boolean {
  into.statusCode = countAt(text, start, end);
  return into.statusCode >= 0;
}

/**
 * `readRequestLine` (nginx-request.ts) of `text[start, end)` for a request line with a method, an origin-form
 * target and an HTTP version; false for any other (those keep fewer fields: not a typical record).
 */
function readRequestAt(text: string, start: number, end: number, into: AccessLinePositions): boolean {
  const firstSpace = text.indexOf(' ', start);
  if (firstSpace <= start || firstSpace >= end) return false;
  for (let i = start; i < firstSpace; i++) {
    const c = text.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (!letter && c !== 45 && c !== 95) return false;
  }
  const lastSpace = text.lastIndexOf(' ', end - 1);
  // A version after `HTTP/` that is not empty (an empty one is left out of the record).
  if (lastSpace <= firstSpace || !text.startsWith('HTTP/', lastSpace + 1) || lastSpace + 6 >= end) return false;
  const targetStart = firstSpace + 1;
  if (lastSpace === targetStart || text.charCodeAt(targetStart) !== 47 /* / */) return false;
  into.methodStart = start;
  into.methodEnd = firstSpace;
  into.originalStart = targetStart;
  into.originalEnd = lastSpace;
  into.versionStart = lastSpace + 6;
  into.versionEnd = end;
  // readUrl: the path runs to a `?` or `#`, the query from the `?` to a `#`, absent when empty.
  let hash = text.indexOf('#', targetStart);
  if (hash < 0 || hash > lastSpace) hash = lastSpace;
  let question = text.indexOf('?', targetStart);
  if (question < 0 || question > hash) question = -1;
  into.queryStart = into.queryEnd = -1;
  if (question < 0 || question === hash) {
    into.pathEnd = hash;
    return true;
  }
  into.pathEnd = question;
  if (question + 1 < hash) {
    into.queryStart = question + 1;
    into.queryEnd = hash;
  }
  return true;
}
