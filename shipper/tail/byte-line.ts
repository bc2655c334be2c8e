/**
 * A line handed out as the bytes it was read as, for a consumer that can use them without a string
 * (the collector copies most docker lines into their records byte for byte).
 *
 * The bytes are the tailer's read buffer, which the next read overwrites: they are valid only until
 * the consumer asks for the next chunk of lines. `text` decodes them (as the tailer's text lines are
 * decoded) each time it is read, so a consumer that keeps a line longer, or reads its text more than
 * once, takes `toLine()` first. The tailer makes these only when asked to (`byteLines`), and never
 * for a line it cut or joined from two reads.
 */
import type { Line, SourceId } from '../record.ts';

export class ByteLine implements Line {
  readonly source: SourceId;
  readonly path: string;
  readonly offset: number;
  readonly endOffset: number;
  /** The line is `bytes[start, end)`: no newline, no trailing `\r`. */
  readonly bytes: Buffer;
  readonly start: number;
  readonly end: number;

  constructor(source: SourceId, path: string, bytes: Buffer, start: number, end: number, offset: number, endOffset: number) {
    this.source = source;
    this.path = path;
    this.bytes = bytes;
    this.start = start;
    this.end = end;
    this.offset = offset;
    this.endOffset = endOffset;
  }

  get text(): string {
    return this.bytes.toString('utf8', this.start, this.end);
  }

  /** The same line as a plain text line, independent of the read buffer. */
  toLine(): Line {
    return { source: this.source, path: this.path, text: this.text, offset: this.offset, endOffset: this.endOffset };
  }
}

/** `line` as a text line that stays valid (a `ByteLine` decoded once; any other line as it is). */
export function textLine(line: Line): Line {
  return line instanceof ByteLine ? line.toLine() : line;
}
