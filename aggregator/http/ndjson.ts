/**
 * Splits an NDJSON body into its non-blank lines, each with its 1-based line number so that errors can
 * name the line like Elasticsearch does. A missing final newline is accepted (ES requires it; being
 * lenient costs nothing), and `\r\n` line ends are accepted too.
 */
export interface NdjsonLine {
  readonly number: number;
  readonly text: string;
}

export function ndjsonLines(body: string): NdjsonLine[] {
  const lines: NdjsonLine[] = [];
  let start = 0;
  let number = 0;
  while (start <= body.length) {
    let end = body.indexOf('\n', start);
    if (end === -1) end = body.length;
    number++;
    let text = body.slice(start, end);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() !== '') lines.push({ number, text });
    start = end + 1;
  }
  return lines;
}
