/**
 * Cuts the bytes of one file, fed in chunks, into complete lines.
 *
 * Hot path: `Buffer.indexOf(10)` finds newlines and `toString('utf8', start, end)` decodes each line
 * (invalid UTF-8 becomes U+FFFD, never an exception); no per-byte loop. Only the unterminated tail of a
 * chunk is copied (the caller reuses its read buffer), and never more than `maxLineBytes` of it: a
 * longer line keeps its first `maxLineBytes` bytes as text and the rest is skipped up to its newline,
 * then emitted once, flagged `truncated`, covering the whole physical line's byte range so the
 * checkpoint can move past it.
 */
import type { Line, SourceId } from '../record.ts';
import { ByteLine } from './byte-line.ts';

export class LineSplitter {
  readonly #maxLineBytes: number;
  /** Bytes of the unterminated line so far (total length ≤ maxLineBytes). */
  #carry: Buffer[] = [];
  #carryBytes = 0;
  /** File offset of the first byte of the unterminated line. */
  #lineStart = 0;
  /** Set while skipping the rest of an over-long line: its kept text. */
  #cutText: string | undefined;
  /** Set while discarding up to the next newline without emitting (start in the middle of a line). */
  #discarding = false;

  /** Lines found whole in one chunk are handed out as their bytes (see byte-line.ts), not decoded. */
  readonly #byteLines: boolean;

  constructor(maxLineBytes: number, options: { byteLines?: boolean } = {}) {
    this.#maxLineBytes = maxLineBytes;
    this.#byteLines = options.byteLines === true;
  }

  /** Bytes held for the unterminated line (0 when at a line boundary). */
  get pendingBytes(): number {
    return this.#carryBytes + (this.#cutText === undefined ? 0 : 1);
  }

  /** Forgets any partial line; the next byte fed is at `offset` and starts a line. */
  reset(offset: number): void {
    this.#carry = [];
    this.#carryBytes = 0;
    this.#lineStart = offset;
    this.#cutText = undefined;
    this.#discarding = false;
  }

  /** The next byte fed is in the middle of a line: drop everything up to and including its newline. */
  discardUntilNewline(offset: number): void {
    this.reset(offset);
    this.#discarding = true;
  }

  /**
   * Feeds `chunk[0..length)`, whose first byte is at file offset `at`, and appends complete lines to
   * `out`. Returns the offset just past the last byte that was discarded while `discardUntilNewline`
   * was in force and just ended (so the caller can move the checkpoint there), or -1.
   */
  push(chunk: Buffer, length: number, at: number, source: SourceId, path: string, out: Line[]): number {
    const view = length === chunk.length ? chunk : chunk.subarray(0, length);
    const max = this.#maxLineBytes;
    let start = 0;
    let discardedUpTo = -1;

    if (this.#discarding) {
      const newline = view.indexOf(10);
      if (newline === -1) return -1;
      this.#discarding = false;
      start = newline + 1;
      this.#lineStart = at + start;
      discardedUpTo = at + start;
    }

    if (this.#cutText !== undefined) {
      // Skipping the rest of an over-long line.
      const newline = view.indexOf(10, start);
      if (newline === -1) return discardedUpTo;
      out.push({ source, path, text: this.#cutText, offset: this.#lineStart, endOffset: at + newline + 1, truncated: true });
      this.#cutText = undefined;
      start = newline + 1;
      this.#lineStart = at + start;
    } else if (this.#carryBytes > 0) {
      // Complete the line begun in an earlier chunk.
      const newline = view.indexOf(10, start);
      if (newline === -1) {
        this.#hold(view, start, length);
        return discardedUpTo;
      }
      const whole = Buffer.concat([...this.#carry, view.subarray(start, newline)]);
      this.#carry = [];
      this.#carryBytes = 0;
      out.push(this.#line(whole, 0, whole.length, source, path, this.#lineStart, at + newline + 1));
      start = newline + 1;
      this.#lineStart = at + start;
    }

    const byteLines = this.#byteLines;
    for (;;) {
      const newline = view.indexOf(10, start);
      if (newline === -1) break;
      if (newline - start <= max) {
        const end = newline > start && view[newline - 1] === 13 ? newline - 1 : newline;
        if (byteLines) out.push(new ByteLine(source, path, view, start, end, at + start, at + newline + 1));
        else out.push({ source, path, text: view.toString('utf8', start, end), offset: at + start, endOffset: at + newline + 1 });
      } else {
        out.push(this.#line(view, start, newline, source, path, at + start, at + newline + 1));
      }
      start = newline + 1;
    }
    this.#lineStart = at + start;
    if (start < length) this.#hold(view, start, length);
    return discardedUpTo;
  }

  /**
   * Emits the held unterminated line as a final line (the file will never be written again), covering
   * the bytes up to `endOffset`. Returns undefined when nothing is held.
   */
  takePartial(source: SourceId, path: string, endOffset: number): Line | undefined {
    if (this.#cutText !== undefined) {
      const line: Line = { source, path, text: this.#cutText, offset: this.#lineStart, endOffset, truncated: true };
      this.reset(endOffset);
      return line;
    }
    if (this.#carryBytes === 0) return undefined;
    const whole = Buffer.concat(this.#carry);
    const line = this.#line(whole, 0, whole.length, source, path, this.#lineStart, endOffset);
    this.reset(endOffset);
    return line;
  }

  /** Keeps bytes of an unterminated line, up to the limit; past it the line becomes a cut one. */
  #hold(view: Buffer, start: number, end: number): void {
    const room = this.#maxLineBytes - this.#carryBytes;
    if (end - start <= room) {
      // Copy: the caller reuses its read buffer.
      this.#carry.push(Buffer.from(view.subarray(start, end)));
      this.#carryBytes += end - start;
      return;
    }
    // One byte past the limit tells whether the cut falls inside a UTF-8 sequence.
    const kept = Buffer.concat([...this.#carry, view.subarray(start, start + room + 1)]);
    this.#cutText = kept.toString('utf8', 0, utf8Boundary(kept, this.#maxLineBytes));
    this.#carry = [];
    this.#carryBytes = 0;
  }

  /** A line from `bytes[start..newline)`, cut at the limit when longer; a trailing `\r` is dropped. */
  #line(bytes: Buffer, start: number, newline: number, source: SourceId, path: string, offset: number, endOffset: number): Line {
    const limit = start + this.#maxLineBytes;
    if (newline > limit) {
      return { source, path, text: bytes.toString('utf8', start, utf8Boundary(bytes, limit)), offset, endOffset, truncated: true };
    }
    const end = newline > start && bytes[newline - 1] === 13 ? newline - 1 : newline;
    return { source, path, text: bytes.toString('utf8', start, end), offset, endOffset };
  }
}

/** Moves a cut position back to the start of a UTF-8 sequence, so a cut never invents U+FFFD. */
function utf8Boundary(bytes: Buffer, cut: number): number {
  let position = cut;
  // Continuation bytes are 10xxxxxx; a sequence is at most 4 bytes long.
  while (position > 0 && cut - position < 3 && ((bytes[position] ?? 0) & 0xc0) === 0x80) position--;
  return position;
}
