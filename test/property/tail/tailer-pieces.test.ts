/**
 * The tailer reads large chunks and hands their lines out a piece at a time (tailer.ts,
 * SPLIT_PIECE_BYTES): whatever the read size, the line lengths (lines longer than a piece, CRLF, empty
 * lines, a last line without its newline) and how many files share the read buffer, every complete line
 * of every file comes out exactly once, in file order, with the text and byte range a plain split of
 * the file's bytes gives.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../../helpers/eventually.ts';
import { runTailer, tempDir } from '../../integration/tail/harness.ts';

interface Expected { text: string; offset: number; endOffset: number }

/** What a plain split of the whole file gives: complete lines only, a trailing CR dropped. */
function plainSplit(bytes: Buffer): Expected[] {
  const lines: Expected[] = [];
  let start = 0;
  for (let newline = bytes.indexOf(10); newline !== -1; newline = bytes.indexOf(10, start)) {
    const end = newline > start && bytes[newline - 1] === 13 ? newline - 1 : newline;
    lines.push({ text: bytes.toString('utf8', start, end), offset: start, endOffset: newline + 1 });
    start = newline + 1;
  }
  return lines;
}

const lineArbitrary = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 0, max: 400 }) },
  { weight: 1, arbitrary: fc.integer({ min: 60 * 1024, max: 140 * 1024 }) },
).chain((length) => fc.record({
  length: fc.constant(length),
  crlf: fc.boolean(),
  letter: fc.constantFrom('a', 'é', '€', 'z'),
}));

const fileArbitrary = fc.record({
  lines: fc.array(lineArbitrary, { minLength: 400, maxLength: 1500 }),
  unterminated: fc.boolean(),
});

function contentOf(file: { lines: Array<{ length: number; crlf: boolean; letter: string }>; unterminated: boolean }, seed: number): Buffer {
  const parts: string[] = [];
  file.lines.forEach((line, i) => {
    const head = `${seed}:${i} `;
    parts.push(`${head}${line.letter.repeat(Math.max(0, line.length - head.length))}${line.crlf ? '\r\n' : '\n'}`);
  });
  if (file.unterminated) parts.push('no newline yet');
  return Buffer.from(parts.join(''));
}

describe('tailer: large reads handed out in pieces', () => {
  it('emits every complete line of every file once, in order, with the text and range of a plain split', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fileArbitrary, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 64 * 1024, max: 320 * 1024 }),
        async (files, readChunkBytes) => {
          const { dir, cleanup } = await tempDir('pieces');
          const expected = new Map<string, Expected[]>();
          files.forEach((file, i) => {
            const path = join(dir, `f${i}.log`);
            const bytes = contentOf(file, i);
            writeFileSync(path, bytes);
            expected.set(path, plainSplit(bytes));
          });
          const running = await runTailer(join(dir, 'state'), { include: [join(dir, '*.log')], readChunkBytes });
          try {
            const total = [...expected.values()].reduce((sum, lines) => sum + lines.length, 0);
            await eventually(() => expect(running.received.length).toBeGreaterThanOrEqual(total), { timeoutMs: 20_000 });
            const got = new Map<string, Expected[]>();
            for (const line of running.received) {
              const list = got.get(line.path) ?? [];
              list.push({ text: line.text, offset: line.offset, endOffset: line.endOffset });
              got.set(line.path, list);
            }
            for (const [path, lines] of expected) expect(got.get(path) ?? []).toEqual(lines);
            expect(running.received.length).toBe(total);
          } finally {
            await running.stop();
            await cleanup();
          }
        },
      ),
      { numRuns: Number(process.env.LOGSHIP_PIECES_RUNS ?? 12), endOnFailure: true },
    );
  }, 180_000);
});
