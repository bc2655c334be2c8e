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
  const timeEnd = text.indexOf(' ');
  if (timeEnd <= 0) return { ok: false, error: 'not a CRI log line: no time field' };
  const timestamp = toCanonicalUtc(text.slice(0, timeEnd));
  if (timestamp === undefined) return { ok: false, error: 'not a CRI log line: invalid time' };

  let stream: ContainerStream;
  if (text.startsWith('stdout', timeEnd + 1)) stream = 'stdout';
  else if (text.startsWith('stderr', timeEnd + 1)) stream = 'stderr';
  else return { ok: false, error: 'not a CRI log line: stream is neither stdout nor stderr' };
  const streamEnd = timeEnd + 7;
  if (streamEnd === text.length) return { ok: true, stream, content: '', last: true, timestamp };
  if (text.charCodeAt(streamEnd) !== 0x20) return { ok: false, error: 'not a CRI log line: stream is neither stdout nor stderr' };

  const tagsStart = streamEnd + 1;
  let tagsEnd = text.indexOf(' ', tagsStart);
  if (tagsEnd < 0) tagsEnd = text.length;
  const first = text.charCodeAt(tagsStart);
  // Tags are `P` or `F`, possibly followed by more `:`-separated tags. Anything else means the
  // writer predates tags and the field is already content.
  const isTag = (first === 0x50 || first === 0x46) && (tagsEnd === tagsStart + 1 || text.charCodeAt(tagsStart + 1) === 0x3a);
  if (!isTag) return { ok: true, stream, content: text.slice(tagsStart), last: true, timestamp };
  const content = tagsEnd < text.length ? text.slice(tagsEnd + 1) : '';
  return { ok: true, stream, content, last: first === 0x46, timestamp };
}
