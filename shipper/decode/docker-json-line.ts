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

/**
 * dockerd always writes the keys in the same order with the same spelling, so the `log` string can
 * be cut out without parsing the object: sliced as is when it needs no unescaping but its `\n`,
 * else parsed alone. Any other shape returns `undefined` and goes through the full `JSON.parse`,
 * so this path only has to be right, not complete (the reassembly property test checks it against
 * JSON.stringify's output for arbitrary content).
 */
function decodeDockerLineFast(text: string): DockerLine | undefined {
  if (!text.startsWith(HEAD) || !text.endsWith('"}')) return undefined;
  const streamAt = text.lastIndexOf('","stream":"');
  if (streamAt < HEAD.length) return undefined;
  let stream: ContainerStream;
  if (text.startsWith('stdout","time":"', streamAt + 12)) stream = 'stdout';
  else if (text.startsWith('stderr","time":"', streamAt + 12)) stream = 'stderr';
  else return undefined;
  const timeStart = streamAt + 12 + 16;
  const timestamp = toCanonicalUtc(text.slice(timeStart, text.length - 2));
  // A time that is not valid (or not a plain string) takes the careful path, which decides.
  if (timestamp === undefined) return undefined;
  const raw = text.slice(HEAD.length, streamAt);
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

/** No backslash: no escape to undo. No quote: the string did not end early. No control character: JSON.parse would refuse it. */
function isPlainJsonStringBody(text: string): boolean {
  return !text.includes('\\') && !text.includes('"') && !CONTROL_CHARACTER.test(text);
}

const CONTROL_CHARACTER = /[\x00-\x1f]/;

