/**
 * Splits an NDJSON body into its non-blank lines, each with its 1-based line number so that errors can
 * name the line like Elasticsearch does. A missing final newline is accepted (ES requires it; being
 * lenient costs nothing), and `\r\n` line ends are accepted too.
 *
 * The body may be the request's bytes: each line is then decoded on its own. Why: a `_bulk` body of a
 * few MiB decoded whole becomes one string that V8 keeps outside its heap (node makes strings over 1 MiB
 * external) and counts as external memory, which starts a full garbage collection every few bulks; a
 * line of a few hundred bytes is an ordinary young string that dies with its document. A newline byte
 * never occurs inside a multi-byte UTF-8 character, so decoding line by line reads the same text.
 */
export interface NdjsonLine {
  readonly number: number;
  readonly text: string;
}

export function ndjsonLines(body: string | Buffer): NdjsonLine[] {
  return typeof body === 'string' ? linesOfText(body) : linesOfBytes(body);
}

function linesOfText(body: string): NdjsonLine[] {
  const lines: NdjsonLine[] = [];
  let start = 0;
  let number = 0;
  while (start <= body.length) {
    let end = body.indexOf('\n', start);
    if (end === -1) end = body.length;
    number++;
    let text = body.slice(start, end);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (!isBlank(text)) lines.push({ number, text });
    start = end + 1;
  }
  return lines;
}

const OPEN_BRACE = 0x7b;

/** Whitespace only. A JSON object line (nearly every line) is told by its first character, without trim's copy. */
function isBlank(text: string): boolean {
  return text.charCodeAt(0) !== OPEN_BRACE && text.trim() === '';
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

function linesOfBytes(body: Buffer): NdjsonLine[] {
  const lines: NdjsonLine[] = [];
  let start = 0;
  let number = 0;
  while (start <= body.length) {
    let end = body.indexOf(NEWLINE, start);
    if (end === -1) end = body.length;
    number++;
    const stop = end > start && body[end - 1] === CARRIAGE_RETURN ? end - 1 : end;
    const text = body.toString('utf8', start, stop);
    if (!isBlank(text)) lines.push({ number, text });
    start = end + 1;
  }
  return lines;
}
