/**
 * The shapes container log decoding produces: one `ContainerEntry` per logical line a container
 * wrote, after the runtime's fragments (docker 16 KiB splits, CRI `P` records) are joined again.
 * Only types live here.
 */
import type { Line } from '../record.ts';

export type ContainerStream = 'stdout' | 'stderr';
export type ContainerLogFormat = 'docker' | 'cri';

export interface ContainerEntry {
  /** The joined content, without the line's trailing `\n` (and one `\r` before it). */
  readonly message: string;
  readonly stream: ContainerStream;
  /**
   * When the runtime received the entry's first fragment: ISO 8601 UTC, always 9 fraction digits
   * (`2026-11-23T06:51:30.123456780Z`), so every runtime's times sort and compare as strings.
   * Empty when the line carried no valid time (fluent-bit's `log`-only samples, a line that did not
   * decode): the caller then uses the time it read the line.
   */
  readonly timestamp: string;
  /** First byte of the first fragment. With the source, this is the record's identity (`_id`). */
  readonly offset: number;
  /**
   * Just past the last fragment. With stdout and stderr fragments interleaved, the ranges of the two
   * streams' entries may nest; their union still covers every consumed byte exactly once per entry.
   */
  readonly endOffset: number;
  /** The content reached `maxBytes` (or the tailer cut the line): it was cut, the rest dropped. */
  readonly truncated?: boolean;
  /** The line did not decode; `message` then holds the raw line. */
  readonly error?: string;
  readonly format: ContainerLogFormat;
  /** Set by the multiline joiner when it joined more than one line into this entry. */
  readonly joinedLines?: number;
}

/** One per file (source). Stateful only for fragments still waiting for the rest of their line. */
export interface Decoder {
  /** Completed entries, in the order they completed. */
  push(line: Line): ContainerEntry[];
  /**
   * Emits, once, each partial that has waited at least `timeoutMs` without a new fragment (the
   * container died mid-line). The clock only enters here: a partial's wait starts at the first
   * `flushStale` call that sees it, so call this periodically (every timeout/2 or more often).
   */
  flushStale(nowMs: number, timeoutMs: number): ContainerEntry[];
  /** Emits everything pending: end of a deleted file, or shutdown. */
  flush(): ContainerEntry[];
  /** Offset of the oldest consumed-but-not-emitted byte, if any. */
  pendingFrom(): number | undefined;
  /** The file's format, once a line decided it. */
  format(): ContainerLogFormat | undefined;
}
