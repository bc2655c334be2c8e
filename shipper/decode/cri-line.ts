/**
 * One line of the CRI log format (containerd, CRI-O/conmon, podman k8s-file):
 * `<RFC 3339 time> <stdout|stderr> <tags> <content>`, where the first tag is `P` (partial: more of
 * this line follows) or `F` (full: this fragment ends it). Older writers had no tag field; their
 * lines are whole. Content is kept byte for byte (no escaping), so TAB, ESC and CR are raw.
 * Pure; never throws.
 */
import type { ContainerStream } from './container-entry.ts';
import { toCanonicalUtc } from './timestamp.ts';

export type CriLine =
  | { readonly ok: true; readonly stream: ContainerStream; readonly content: string; readonly last: boolean; readonly timestamp: string }
  | { readonly ok: false; readonly error: string };

export function decodeCriLine(text: string): CriLine {
  const error = readCriLine(text, scratch);
  if (error !== undefined) return { ok: false, error };
  const { stream, content, last, timestamp } = scratch;
  return { ok: true, stream, content, last, timestamp };
}

/** Written by `readCriLine` and read back at once (decoding is synchronous). */
const scratch: CriFields = { stream: 'stdout', content: '', last: true, timestamp: '' };

/** A decoded CRI line's fields, written in place (the hot path allocates no result object). */
export interface CriFields {
  stream: ContainerStream;
  content: string;
  last: boolean;
  timestamp: string;
}

/** For a line that ends its logical line (`F`, or no tags), its fields into `into`, and true. */
export function readWholeCriLine(text: string, into: CriFields): boolean {
  return readCriLine(text, into) === undefined && into.last;
}

/** Decodes `text` into `into`; returns why it is not a CRI line, or undefined. */
function readCriLine(text: string, into: CriFields): string | undefined {
  const timeEnd = text.indexOf(' ');
  if (timeEnd <= 0) return 'not a CRI log line: no time field';
  const timestamp = toCanonicalUtc(text.slice(0, timeEnd));
  if (timestamp === undefined) return 'not a CRI log line: invalid time';

  let stream: ContainerStream;
  if (text.startsWith('stdout', timeEnd + 1)) stream = 'stdout';
  else if (text.startsWith('stderr', timeEnd + 1)) stream = 'stderr';
  else return 'not a CRI log line: stream is neither stdout nor stderr';
  into.stream = stream;
  into.timestamp = timestamp;
  const streamEnd = timeEnd + 7;
  if (streamEnd === text.length) {
    into.content = '';
    into.last = true;
    return undefined;
  }
  if (text.charCodeAt(streamEnd) !== 0x20) return 'not a CRI log line: stream is neither stdout nor stderr';

  const tagsStart = streamEnd + 1;
  let tagsEnd = text.indexOf(' ', tagsStart);
  if (tagsEnd < 0) tagsEnd = text.length;
  const first = text.charCodeAt(tagsStart);
  // Tags are `P` or `F`, possibly followed by more `:`-separated tags. Anything else means the
  // writer predates tags and the field is already content.
  const isTag = (first === 0x50 || first === 0x46) && (tagsEnd === tagsStart + 1 || text.charCodeAt(tagsStart + 1) === 0x3a);
  if (!isTag) {
    into.content = text.slice(tagsStart);
    into.last = true;
    return undefined;
  }
  into.content = tagsEnd < text.length ? text.slice(tagsEnd + 1) : '';
  into.last = first === 0x46;
  return undefined;
}
