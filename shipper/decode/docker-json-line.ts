/**
 * One line of docker's json-file log driver: `{"log":"…\n","stream":"stdout","time":"…Z"}`.
 *
 * docker splits a line longer than 16 KiB into entries whose `log` has no trailing `\n`; only the
 * last one has it. Entries with only a `log` key (fluent-bit's samples) are accepted: stream stdout,
 * no time. Pure; never throws.
 */
import type { ContainerStream } from './container-entry.ts';
import { toCanonicalUtc } from './timestamp.ts';

export type DockerLine =
  | { readonly ok: true; readonly stream: ContainerStream; readonly content: string; readonly last: boolean; readonly timestamp: string }
  | { readonly ok: false; readonly error: string };

const HEAD = '{"log":"';

export function decodeDockerLine(text: string): DockerLine {
  return decodeDockerLineFast(text) ?? parseDockerLine(text);
}

/** The careful path alone: `JSON.parse` of the whole line (exported so the benchmark can race the two). */
export function parseDockerLine(text: string): DockerLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `not a docker json-file entry: ${(error as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, error: 'not a docker json-file entry: not a JSON object' };
  }
  const fields = parsed as { log?: unknown; stream?: unknown; time?: unknown };
  if (typeof fields.log !== 'string') return { ok: false, error: 'not a docker json-file entry: no "log" string' };
  return fromFields(fields.log, fields.stream, fields.time);
}

function fromFields(log: string, stream: unknown, time: unknown): DockerLine {
  const last = log.endsWith('\n');
  return {
    ok: true,
    stream: stream === 'stderr' ? 'stderr' : 'stdout',
    content: last ? log.slice(0, -1) : log,
    last,
    timestamp: typeof time === 'string' ? (toCanonicalUtc(time) ?? '') : '',
  };
}

/** A docker line cut apart in dockerd's own layout: its `log` string still escaped, as it is in the line. */
interface DockerCut {
  stream: ContainerStream;
  /** The `time` value as written; not yet known to be valid. */
  time: string;
  /** The `log` value between its quotes, escapes as written; not yet known to be a valid JSON string. */
  raw: string;
}

/**
 * dockerd always writes the keys in the same order with the same spelling, so the `log` string can be
 * cut out without parsing the object. False for any other shape (the careful path decides those).
 */
function cutDockerLine(text: string, into: DockerCut): boolean {
  if (!text.startsWith(HEAD) || !text.endsWith('"}')) return false;
  const streamAt = text.lastIndexOf('","stream":"');
  if (streamAt < HEAD.length) return false;
  if (text.startsWith('stdout","time":"', streamAt + 12)) into.stream = 'stdout';
  else if (text.startsWith('stderr","time":"', streamAt + 12)) into.stream = 'stderr';
  else return false;
  into.raw = text.slice(HEAD.length, streamAt);
  into.time = text.slice(streamAt + 12 + 16, text.length - 2);
  return true;
}

const cut: DockerCut = { stream: 'stdout', time: '', raw: '' };

/**
 * The `log` string is sliced as is when it needs no unescaping but its `\n`, else parsed alone. Any
 * other shape returns `undefined` and goes through the full `JSON.parse`, so this path only has to be
 * right, not complete (the reassembly property test checks it against JSON.stringify's output for
 * arbitrary content).
 */
function decodeDockerLineFast(text: string): DockerLine | undefined {
  if (!cutDockerLine(text, cut)) return undefined;
  const { stream, raw } = cut;
  const timestamp = toCanonicalUtc(cut.time);
  // A time that is not valid (or not a plain string) takes the careful path, which decides.
  if (timestamp === undefined) return undefined;
  // The usual complete line: content, then the escaped newline, and nothing else to unescape.
  if (raw.endsWith('\\n')) {
    const content = raw.slice(0, -2);
    if (isPlainJsonStringBody(content)) return { ok: true, stream, content, last: true, timestamp };
  } else if (isPlainJsonStringBody(raw)) {
    return { ok: true, stream, content: raw, last: false, timestamp };
  }
  // Escapes to undo: parse just the string. If `raw` is not one valid JSON string body (an unescaped
  // quote ended it early), this throws and the whole line goes through JSON.parse instead.
  let log: unknown;
  try {
    log = JSON.parse(`"${raw}"`);
  } catch {
    return undefined;
  }
  if (typeof log !== 'string') return undefined;
  const last = log.endsWith('\n');
  return { ok: true, stream, content: last ? log.slice(0, -1) : log, last, timestamp };
}

/** A complete docker line's content both ways: as the container wrote it, and as a JSON string body. */
export interface WholeDockerLine {
  stream: ContainerStream;
  timestamp: string;
  /** The content without its `\n`, as `decodeDockerLine` gives it. */
  content: string;
  /** The same content as it goes between the quotes of a JSON string (JSON.parse of it in quotes is `content`). */
  contentJson: string;
}

/**
 * For a line `decodeDockerLine` would decode as complete (ending in `\n`), with a valid time: its content
 * both ways, and true. False for anything else — partials, other layouts, lines that do not decode — which
 * the caller then hands to the decoder; with `refuseBrace`, also for a `{` written as such (a JSON message
 * takes the careful path anyway, so it is refused before any unescaping; one escaped as `\u007b` is not
 * seen here: look at `content`). Writes `into`, so the hot path allocates no result object.
 */
export function readWholeDockerLine(text: string, into: WholeDockerLine, refuseBrace: boolean): boolean {
  // In dockerd's layout only the `log` value can hold a `{` after the line's own first one.
  if (refuseBrace && text.includes('{', 1)) return false;
  if (!cutDockerLine(text, cut)) return false;
  const raw = cut.raw;
  if (!raw.endsWith('\\n')) return false;
  const escaped = raw.slice(0, -2);
  const timestamp = toCanonicalUtc(cut.time);
  if (timestamp === undefined) return false;
  // A lone surrogate would be written as U+FFFD where JSON.stringify writes an escape that keeps it.
  if (!escaped.isWellFormed()) return false;
  let content: string;
  if (isPlainJsonStringBody(escaped)) {
    content = escaped;
  } else {
    // Valid only if it is one JSON string; a raw quote, a bad escape or a lone trailing backslash throw.
    let log: unknown;
    try {
      log = JSON.parse(`"${raw}"`);
    } catch {
      return false;
    }
    // A string ending in a newline whose text ends in `n` ends in the escape `\n` (`\u000a` ends in `a`;
    // an escaped backslash before the `n` makes no newline): the escaped content is the text before it.
    if (typeof log !== 'string' || !log.endsWith('\n')) return false;
    content = log.slice(0, -1);
  }
  into.stream = cut.stream;
  into.timestamp = timestamp;
  into.content = content;
  into.contentJson = escaped;
  return true;
}

/** No backslash: no escape to undo. No quote: the string did not end early. No control character: JSON.parse would refuse it. */
function isPlainJsonStringBody(text: string): boolean {
  return !text.includes('\\') && !text.includes('"') && !CONTROL_CHARACTER.test(text);
}

const CONTROL_CHARACTER = /[\x00-\x1f]/;

