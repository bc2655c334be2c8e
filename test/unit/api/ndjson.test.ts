import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ndjsonLines, type NdjsonLine } from '../../../aggregator/http/ndjson.ts';

/** What a reader of the lines gets (number and text), whatever kind of object holds them. */
const read = (lines: readonly NdjsonLine[]): Array<{ number: number; text: string }> => lines.map(({ number, text }) => ({ number, text }));

/** Text made of what NDJSON bodies hold at their edges: line ends of both kinds, blanks, multi-byte characters. */
const bodyText = fc.array(
  fc.oneof(
    fc.constantFrom('\n', '\r\n', '\r', ' ', '\t', '\u000b', '\f', '{"a":1}', 'é', '日本', '😀', '\u2028', '\ufeff', '\u00a0', '\u3000', '\u0085'),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
  ),
  { maxLength: 40 },
).map((parts) => parts.join(''));

describe('ndjsonLines', () => {
  it('reads the same lines, numbers and texts from the bytes as from the decoded text', () => {
    fc.assert(
      fc.property(bodyText, (text) => {
        expect(read(ndjsonLines(Buffer.from(text, 'utf8')))).toEqual(read(ndjsonLines(text)));
      }),
      { numRuns: 2000 },
    );
  });

  it('numbers every line, skips blank ones and drops the carriage return of CRLF', () => {
    const body = Buffer.from('{"index":{}}\r\n\n  \n{"a":"é"}\r\n{"b":2}', 'utf8');
    expect(read(ndjsonLines(body))).toEqual([
      { number: 1, text: '{"index":{}}' },
      { number: 4, text: '{"a":"é"}' },
      { number: 5, text: '{"b":2}' },
    ]);
  });
});
