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
  const fast = decodeDockerLineFast(text);
  if (fast !== undefined) return fast;
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
 * dockerd always writes the keys in the same order with the same spelling. When the `log` value
 * needs no unescaping but `\n`, it is sliced out directly; anything else (escapes, odd shapes) goes
 * through `JSON.parse`, so this path only has to be right, not complete.
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
  const time = text.slice(timeStart, text.length - 2);
  if (time.includes('"')) return undefined;
  let raw = text.slice(HEAD.length, streamAt);
  let last = false;
  if (raw.endsWith('\\n')) {
    raw = raw.slice(0, -2);
    last = true;
  }
  // No backslash: no escape to undo. No quote: the string did not end early. No control
  // character: JSON.parse would have refused the line, and so must we.
  if (raw.includes('\\') || raw.includes('"') || hasControlCharacter(raw)) return undefined;
  // `raw` ending in the backslash of `\\n` is excluded above: it contains a backslash.
  return { ok: true, stream, content: raw, last, timestamp: toCanonicalUtc(time) ?? '' };
}

const CONTROL_CHARACTER = /[\x00-\x1f]/;

function hasControlCharacter(text: string): boolean {
  return CONTROL_CHARACTER.test(text);
}
