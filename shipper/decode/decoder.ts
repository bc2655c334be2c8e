/**
 * The decoder of one container log file: physical lines in, logical entries out.
 *
 *   Line → (docker json-file | CRI) fragment → per-stream partial joiner → ContainerEntry
 *
 * A line that does not decode becomes an entry with `error` and the raw text, and decoding goes on;
 * it never joins a pending partial (its stream is unknown, so it cannot be trusted to belong).
 */
import type { Line } from '../record.ts';
import type { ContainerEntry, ContainerLogFormat, ContainerStream, Decoder } from './container-entry.ts';
import { decodeCriLine } from './cri-line.ts';
import { decodeDockerLine } from './docker-json-line.ts';
import { createPartialJoiner } from './partial-joiner.ts';
import { cutToUtf8Bytes } from './utf8-limit.ts';

export interface DecoderOptions {
  /** `auto` (default) decides per file, from the first line that decodes as either format. */
  readonly format?: ContainerLogFormat | 'auto';
  /** Longest joined content kept, in UTF-8 bytes; the rest of a longer line is dropped and the entry tagged `truncated`. */
  readonly maxBytes: number;
}

export function createDecoder(options: DecoderOptions): Decoder {
  const maxBytes = Math.max(1, Math.floor(options.maxBytes));
  let format: ContainerLogFormat | undefined = options.format === 'auto' || options.format === undefined ? undefined : options.format;
  let joiner = format === undefined ? undefined : createPartialJoiner(format, maxBytes);

  function push(line: Line): ContainerEntry[] {
    if (joiner === undefined || format === undefined) {
      const detected = detectFormat(line.text);
      if (detected === undefined) return [failure(line, guessFormat(line.text), 'neither a docker json-file entry nor a CRI log line')];
      format = detected;
      joiner = createPartialJoiner(format, maxBytes);
    }
    const decoded = format === 'docker' ? decodeDockerLine(line.text) : decodeCriLine(line.text);
    if (!decoded.ok) return [failure(line, format, decoded.error)];
    const entry = joiner.add({
      stream: decoded.stream,
      content: decoded.content,
      last: decoded.last,
      timestamp: decoded.timestamp,
      offset: line.offset,
      endOffset: line.endOffset,
      truncated: line.truncated === true,
    });
    return entry === undefined ? [] : [entry];
  }

  function failure(line: Line, lineFormat: ContainerLogFormat, error: string): ContainerEntry {
    const message = cutToUtf8Bytes(line.text, maxBytes);
    const truncated = line.truncated === true || message.length < line.text.length;
    const stream = guessStream(line.text);
    return truncated
      ? { message, stream, timestamp: '', offset: line.offset, endOffset: line.endOffset, truncated, error, format: lineFormat }
      : { message, stream, timestamp: '', offset: line.offset, endOffset: line.endOffset, error, format: lineFormat };
  }

  return {
    push,
    flushStale: (nowMs, timeoutMs) => joiner?.flushStale(nowMs, timeoutMs) ?? [],
    flush: () => joiner?.flush() ?? [],
    pendingFrom: () => joiner?.pendingFrom(),
    format: () => (joiner === undefined ? undefined : format),
  };
}

function detectFormat(text: string): ContainerLogFormat | undefined {
  if (decodeDockerLine(text).ok) return 'docker';
  if (decodeCriLine(text).ok) return 'cri';
  return undefined;
}

function guessFormat(text: string): ContainerLogFormat {
  return text.includes('"log":') ? 'docker' : 'cri';
}

/** A line that did not decode still says which stream it came from often enough to be worth a look. */
function guessStream(text: string): ContainerStream {
  return text.includes('"stream":"stderr"') || /^\S+ stderr /.test(text) ? 'stderr' : 'stdout';
}
