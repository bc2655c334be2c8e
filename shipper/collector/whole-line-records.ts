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
import { readWholeDockerLine, type WholeDockerLine } from '../decode/docker-json-line.ts';
import { surelyFits } from '../decode/utf8-limit.ts';
import type { Outgoing } from '../record.ts';
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
