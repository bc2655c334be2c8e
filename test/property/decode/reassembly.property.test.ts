/**
 * A model of how runtimes write a container's output: each logical line (no `\n` inside) is cut into
 * fragments at arbitrary points — docker's 16 KiB splits and conmon's read boundaries, scaled down —
 * and the two streams' fragments interleave in the file in any order that keeps each stream's own
 * order. Decoding must give back every line of each stream, with ranges that cover its fragments.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDecoder } from '../../../shipper/decode/decoder.ts';
import type { ContainerEntry, ContainerStream } from '../../../shipper/decode/container-entry.ts';
import type { Line } from '../../../shipper/record.ts';

type Format = 'docker' | 'cri';

interface LogicalLine {
  readonly content: string;
  /** Where to cut, as fractions of the line's code points. */
  readonly cuts: readonly number[];
  /** conmon ends a split line with an empty `F`. */
  readonly emptyFinal: boolean;
}

interface ModelFragment {
  readonly stream: ContainerStream;
  readonly logical: number;
  readonly content: string;
  readonly last: boolean;
}

const awkwardCharacter = fc.oneof(
  fc.constantFrom('"', '\\', '\r', '\t', '\x00', '\x1b', '\x7f', '\u2028', 'é', '日', '🚀', ' ', 'P', 'F', '{', '}', ':', ','),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => c !== '\n'),
);

const logicalLine: fc.Arbitrary<LogicalLine> = fc.record({
  content: fc.string({ unit: awkwardCharacter, maxLength: 60 }),
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 5 }),
  emptyFinal: fc.boolean(),
});

const streamScript = fc.record({
  lines: fc.array(logicalLine, { maxLength: 12 }),
  /** The container died in the middle of its last line. */
  unfinished: fc.boolean(),
});

function fragmentsOf(stream: ContainerStream, lines: readonly LogicalLine[], unfinished: boolean, format: Format): ModelFragment[] {
  const out: ModelFragment[] = [];
  lines.forEach((line, logical) => {
    const points = Array.from(line.content);
    const cuts = [...new Set(line.cuts.map((c) => Math.floor(c * points.length)))].sort((a, b) => a - b);
    const bounds = [0, ...cuts.filter((c) => c > 0 && c < points.length), points.length];
    const pieces: string[] = [];
    for (let i = 1; i < bounds.length; i++) pieces.push(points.slice(bounds[i - 1], bounds[i]).join(''));
    if (pieces.length === 0) pieces.push('');
    if (format === 'cri' && line.emptyFinal && pieces.length > 1) pieces.push('');
    const finished = !(unfinished && logical === lines.length - 1);
    pieces.forEach((content, i) => out.push({ stream, logical, content, last: finished && i === pieces.length - 1 }));
  });
  return out;
}

function render(fragment: ModelFragment, format: Format, second: number): string {
  const time = `2026-11-23T06:00:${String(second % 60).padStart(2, '0')}.5Z`;
  return format === 'docker'
    ? JSON.stringify({ log: fragment.last ? `${fragment.content}\n` : fragment.content, stream: fragment.stream, time })
    : `${time} ${fragment.stream} ${fragment.last ? 'F' : 'P'} ${fragment.content}`;
}

interface Built {
  lines: Line[];
  fragments: ModelFragment[];
}

function build(format: Format, stdout: ModelFragment[], stderr: ModelFragment[], order: readonly boolean[]): Built {
  const fragments: ModelFragment[] = [];
  let o = 0;
  let e = 0;
  let k = 0;
  while (o < stdout.length || e < stderr.length) {
    const takeStdout = e >= stderr.length || (o < stdout.length && (order[k++] ?? true));
    fragments.push(takeStdout ? stdout[o++]! : stderr[e++]!);
  }
  let offset = 0;
  const lines = fragments.map((fragment, i) => {
    const text = render(fragment, format, i);
    const line: Line = { source: 'model', path: 'model.log', text, offset, endOffset: offset + Buffer.byteLength(text) + 1 };
    offset = line.endOffset;
    return line;
  });
  return { lines, fragments };
}

function expectedMessage(content: string): string {
  return content.endsWith('\r') ? content.slice(0, -1) : content;
}

function decode(format: Format | 'auto', lines: readonly Line[], maxBytes: number): ContainerEntry[] {
  const decoder = createDecoder({ format, maxBytes });
  const out = lines.flatMap((line) => decoder.push(line));
  return [...out, ...decoder.flush()];
}

const scenario = fc.record({
  format: fc.constantFrom<Format>('docker', 'cri'),
  stdout: streamScript,
  stderr: streamScript,
  order: fc.array(fc.boolean(), { maxLength: 200 }),
});

describe('partial-line reassembly, for any split points and any stdout/stderr interleaving', () => {
  it('gives back each stream\'s lines in order, each entry spanning exactly its first to last fragment', () => {
    fc.assert(
      fc.property(scenario, fc.boolean(), ({ format, stdout, stderr, order }, auto) => {
        const out = fragmentsOf('stdout', stdout.lines, stdout.unfinished, format);
        const err = fragmentsOf('stderr', stderr.lines, stderr.unfinished, format);
        const { lines, fragments } = build(format, out, err, order);
        const entries = decode(auto ? 'auto' : format, lines, 1 << 20);

        for (const [stream, script] of [['stdout', stdout], ['stderr', stderr]] as const) {
          const got = entries.filter((entry) => entry.stream === stream);
          expect(got.map((entry) => entry.message)).toEqual(script.lines.map((line) => expectedMessage(line.content)));
          got.forEach((entry, logical) => {
            const mine = lines.filter((_, i) => fragments[i]!.stream === stream && fragments[i]!.logical === logical);
            expect([entry.offset, entry.endOffset]).toEqual([mine[0]!.offset, mine[mine.length - 1]!.endOffset]);
          });
        }
        expect(entries.filter((entry) => entry.error !== undefined || entry.truncated === true || entry.format !== format)).toEqual([]);
        expect(new Set(entries.map((entry) => entry.offset)).size).toBe(entries.length);
      }),
      { numRuns: 400 },
    );
  });

  it('tiles the file with entry ranges, no gap and no overlap, when one stream writes', () => {
    fc.assert(
      fc.property(fc.constantFrom<Format>('docker', 'cri'), streamScript, (format, script) => {
        const { lines } = build(format, fragmentsOf('stdout', script.lines, script.unfinished, format), [], []);
        const entries = decode(format, lines, 1 << 20);
        let next = 0;
        for (const entry of entries) {
          expect(entry.offset).toBe(next);
          next = entry.endOffset;
        }
        expect(next).toBe(lines.length === 0 ? 0 : lines[lines.length - 1]!.endOffset);
      }),
      { numRuns: 300 },
    );
  });

  it('cuts a line longer than maxBytes at a character boundary, tags it, and still covers all its fragments', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 1, max: 40 }), ({ format, stdout, stderr, order }, maxBytes) => {
        const out = fragmentsOf('stdout', stdout.lines, stdout.unfinished, format);
        const err = fragmentsOf('stderr', stderr.lines, stderr.unfinished, format);
        const { lines, fragments } = build(format, out, err, order);
        const entries = decode(format, lines, maxBytes);
        for (const [stream, script] of [['stdout', stdout], ['stderr', stderr]] as const) {
          const got = entries.filter((entry) => entry.stream === stream);
          expect(got).toHaveLength(script.lines.length);
          got.forEach((entry, logical) => {
            const content = script.lines[logical]!.content;
            const tooLong = Buffer.byteLength(content) > maxBytes;
            expect(entry.truncated === true).toBe(tooLong);
            expect(Buffer.byteLength(entry.message)).toBeLessThanOrEqual(maxBytes);
            if (tooLong) {
              expect(content.startsWith(entry.message)).toBe(true);
              // The longest whole-character prefix that fits: one more character would not.
              const next = Array.from(content.slice(entry.message.length))[0] ?? '';
              expect(Buffer.byteLength(entry.message + next)).toBeGreaterThan(maxBytes);
            } else {
              expect(entry.message).toBe(expectedMessage(content));
            }
            const mine = lines.filter((_, i) => fragments[i]!.stream === stream && fragments[i]!.logical === logical);
            expect([entry.offset, entry.endOffset]).toEqual([mine[0]!.offset, mine[mine.length - 1]!.endOffset]);
          });
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('the decoder on arbitrary input', () => {
  const nearlyValid = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.tuple(fc.string({ maxLength: 20 }), fc.constantFrom('stdout', 'stderr', 'stdlog', ''), fc.constantFrom('P', 'F', 'X', ''), fc.string({ maxLength: 20 }))
      .map(([time, stream, tag, rest]) => `${time} ${stream} ${tag} ${rest}`),
    fc.tuple(fc.jsonValue(), fc.jsonValue(), fc.jsonValue())
      .map(([log, stream, time]) => JSON.stringify({ log, stream, time })),
    fc.tuple(fc.string({ maxLength: 30 }), fc.nat({ max: 40 }))
      .map(([log, cut]) => JSON.stringify({ log, stream: 'stderr', time: '2026-11-23T06:00:00Z' }).slice(0, cut)),
  );

  it('never throws, whatever the lines, format, limit and timing, and keeps every message within maxBytes', () => {
    fc.assert(
      fc.property(fc.constantFrom('docker', 'cri', 'auto') as fc.Arbitrary<'docker' | 'cri' | 'auto'>, fc.array(nearlyValid, { maxLength: 30 }), fc.integer({ min: 1, max: 64 }), (format, texts, maxBytes) => {
        const decoder = createDecoder({ format, maxBytes });
        let offset = 0;
        const entries: ContainerEntry[] = [];
        texts.forEach((text, i) => {
          const endOffset = offset + Buffer.byteLength(text) + 1;
          entries.push(...decoder.push({ source: 's', path: 'p', text, offset, endOffset, truncated: i % 7 === 3 }));
          entries.push(...decoder.flushStale(i * 100, 250));
          offset = endOffset;
        });
        entries.push(...decoder.flush());
        expect(decoder.pendingFrom()).toBeUndefined();
        for (const entry of entries) {
          expect(Buffer.byteLength(entry.message)).toBeLessThanOrEqual(maxBytes);
          expect(entry.endOffset).toBeGreaterThan(entry.offset);
          expect(entry.endOffset).toBeLessThanOrEqual(offset);
        }
        // Every line is consumed: the union of the entries' ranges reaches the end of the input.
        if (texts.length > 0) expect(Math.max(...entries.map((entry) => entry.endOffset))).toBe(offset);
      }),
      { numRuns: 500 },
    );
  });
});
