/**
 * A container log line that is a whole entry on its own → its record, in one step.
 *
 * Most lines are one complete, plain line of text: nothing to join, no JSON object to lift, nothing cut.
 * For those the decoder's fragment and entry objects, and serializing the message again, are pure cost:
 * a docker line's `log` value is already JSON-escaped and goes into the document as it is (without its
 * `\n`), a CRI line's content is escaped once, and the rest of the document is the file's template.
 *
 * Only lines whose record is certainly the one the careful path (decoder → `containerRecordOf`) makes are
 * taken; anything else returns undefined and goes the careful way. The caller guarantees what only it can
 * see: the file's decoder holds no partial line, no multiline joining applies, the tailer did not cut the
 * line, and the template is usable and fits the file and the container's current metadata.
 */
import type { ContainerLogFormat } from '../decode/container-entry.ts';
import { readWholeCriLine, type CriFields } from '../decode/cri-line.ts';
import { copyAll, copyBytes } from '../decode/copy-bytes.ts';
import { copyEscaped, readWholeCriBytes } from '../decode/cri-line-bytes.ts';
import { readWholeDockerBytes, type WholeDockerBytes } from '../decode/docker-json-bytes.ts';
import { readWholeDockerLine, type WholeDockerLine } from '../decode/docker-json-line.ts';
import { surelyFits } from '../decode/utf8-limit.ts';
import type { Outgoing } from '../record.ts';
import { actionLineBytes, commitRecord, reserveRecord, writeActionLine } from '../sink/bulk-record.ts';
import { digitCount, writeDigits } from '../kit/digit-bytes.ts';
import type { ByteLine } from '../tail/byte-line.ts';
import { plainRecord, type RecordTemplate } from './container-records.ts';

// Written in place by the readers: one of each for the whole process (the hot path is synchronous).
const docker: WholeDockerLine = { stream: 'stdout', timestamp: '', content: '', contentJson: '' };
const cri: CriFields = { stream: 'stdout', content: '', last: true, timestamp: '' };

export function wholeLineRecord(text: string, format: ContainerLogFormat, offset: number, endOffset: number, template: RecordTemplate, maxBytes: number): Outgoing | undefined {
  const parseJson = template.options.parseJson;
  if (format === 'docker') {
    if (!readWholeDockerLine(text, docker, parseJson) || !isPlainMessage(docker.content, parseJson, maxBytes)) return undefined;
    return plainRecord(template, docker.contentJson, docker.stream, docker.timestamp, offset, endOffset);
  }
  if (!readWholeCriLine(text, cri) || !isPlainMessage(cri.content, parseJson, maxBytes)) return undefined;
  const content = cri.content;
  return plainRecord(template, isJsonSafe(content) ? content : JSON.stringify(content).slice(1, -1), cri.stream, cri.timestamp, offset, endOffset);
}

/**
 * What the careful path keeps as it is and records as a plain line: not cut by `maxBytes`, no trailing
 * `\r` (the decoder drops it), and, when JSON messages are lifted, no `{` (JSON objects always hold one).
 */
function isPlainMessage(content: string, parseJson: boolean, maxBytes: number): boolean {
  return surelyFits(content, maxBytes) && !content.endsWith('\r') && !(parseJson && content.includes('{'));
}

const CONTROL_CHARACTER = /[\x00-\x1f]/;

/** True when JSON.stringify would write `text` unchanged between its quotes. */
function isJsonSafe(text: string): boolean {
  return !text.includes('"') && !text.includes('\\') && !CONTROL_CHARACTER.test(text) && text.isWellFormed();
}

/**
 * The record of a whole plain docker line still in its read bytes (see docker-json-bytes.ts), written
 * straight into the bulk record memory: the template's bytes, the id's and offset's digits, the time and
 * the message copied from the line — the same bytes `plainRecord` writes for it, with no string made.
 * Undefined for any other line (the caller decodes its text). Same caller guarantees as `wholeLineRecord`,
 * for a file known to be in docker's format.
 */
export function wholeDockerBytesRecord(line: ByteLine, template: RecordTemplate, maxBytes: number): Outgoing | undefined {
  if (!readWholeDockerBytes(line.bytes, line.start, line.end, lineBytes, template.options.parseJson)) return undefined;
  return plainBytesRecord(line, lineBytes, template, maxBytes);
}

/** The same for a whole CRI line (see cri-line-bytes.ts; its content escaped as it is copied), in a file known to be CRI. */
export function wholeCriBytesRecord(line: ByteLine, template: RecordTemplate, maxBytes: number): Outgoing | undefined {
  if (!readWholeCriBytes(line.bytes, line.start, line.end, lineBytes, template.options.parseJson)) return undefined;
  return plainBytesRecord(line, lineBytes, template, maxBytes);
}

const lineBytes: WholeDockerBytes = { stream: 'stdout', messageStart: 0, messageEnd: 0, timeStart: 0, timeEnd: 0, timestamp: undefined, escapes: 0 };

/** `plainRecord`'s bytes for a line read in place: message and time copied from the line. */
function plainBytesRecord(line: ByteLine, read: WholeDockerBytes, template: RecordTemplate, maxBytes: number): Outgoing | undefined {
  const bytes = line.bytes;
  const messageBytes = read.messageEnd - read.messageStart;
  // The text path's own bound (`isPlainMessage`): a message has at most as many UTF-16 units as bytes here.
  if (messageBytes * 3 > maxBytes) return undefined;
  const offset = line.offset;
  const timestamp = read.timestamp;
  const timeBytes = timestamp === undefined ? read.timeEnd - read.timeStart : timestamp.length;
  const head = template.head;
  const tail = template.plainTail;
  const streamPart = read.stream === 'stdout' ? STDOUT_PART : STDERR_PART;
  const size = actionLineBytes(head, offset) + TIME_PART.length + timeBytes + MESSAGE_PART.length + messageBytes + read.escapes + streamPart.length + digitCount(offset, 10) + tail.length;
  const space = reserveRecord(size);
  const target = space.bytes;
  const at = space.at;
  const bodyStart = writeActionLine(target, at, head, offset);
  let pos = copyAll(TIME_PART, target, bodyStart);
  if (timestamp === undefined) pos = copyBytes(bytes, read.timeStart, read.timeEnd, target, pos);
  else pos += target.write(timestamp, pos, 'latin1');
  pos = copyAll(MESSAGE_PART, target, pos);
  if (read.escapes === 0) pos = copyBytes(bytes, read.messageStart, read.messageEnd, target, pos);
  else pos = copyEscaped(bytes, read.messageStart, read.messageEnd, target, pos);
  pos = copyAll(streamPart, target, pos);
  pos = writeDigits(target, pos, offset, 10);
  pos = copyAll(tail, target, pos);
  return commitRecord(template.index, template.source, offset, line.endOffset, bodyStart, pos);
}

/** What `plainRecord` writes between its variable parts. */
const TIME_PART = Buffer.from('{"@timestamp":"', 'latin1');
const MESSAGE_PART = Buffer.from('","message":"', 'latin1');
const STDOUT_PART = Buffer.from('","stream":"stdout","log":{"offset":', 'latin1');
const STDERR_PART = Buffer.from('","stream":"stderr","log":{"offset":', 'latin1');
