/**
 * Model-based test of the tailer (Vector's file-source model test, in spirit): random sequences of
 * write / rotate by rename / copytruncate / truncate / delete / restart run against the real tailer on
 * real files, while the model records which lines were written and which could legitimately be lost.
 *
 * Properties: every line written and not destroyed before it could be read is emitted exactly once;
 * nothing is emitted twice; nothing is emitted that was not written.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { closeSync, copyFileSync, openSync, renameSync, truncateSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../../helpers/eventually.ts';
import { runTailer, tempDir, type RunningTailer } from '../../integration/tail/harness.ts';

type Step =
  | { kind: 'write'; lines: number; splitLast: boolean }
  | { kind: 'rotate'; lateLines: number }
  | { kind: 'copytruncate' }
  | { kind: 'truncate' }
  | { kind: 'delete'; lateLines: number }
  | { kind: 'restart' };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('write' as const), lines: fc.integer({ min: 1, max: 6 }), splitLast: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rotate' as const), lateLines: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('copytruncate' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), lateLines: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const) }) },
);

const yieldToTailer = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function runModel(steps: Step[], globRotated: boolean): Promise<void> {
  const { dir, cleanup } = await tempDir('model');
  const path = join(dir, 'app.log');
  const stateDir = join(dir, 'state');
  // With globRotated, rotated files and copytruncate copies are matched too (nginx's `*.log*` habit).
  const options = { include: [globRotated ? `${path}*` : path], pollIntervalMs: 20, scanIntervalMs: 60, lingerMs: 40 };
  let running: RunningTailer = await runTailer(stateDir, options);
  const emitted: string[] = [];
  const collect = (): void => {
    emitted.push(...running.texts());
    running.received.length = 0;
  };
  const received = (): Set<string> => new Set([...emitted, ...running.texts()]);

  /** Every line written, and the generation of file it went to. */
  const written: Array<{ text: string; generation: number }> = [];
  const mayBeLost = new Set<string>();
  let generation = 0;
  /** Generations whose file was renamed (still on disk, under a name `app.log*` matches). */
  const renamedGenerations = new Set<number>();
  let writer = openSync(path, 'a');
  let counter = 0;
  const nextLine = (): string => `line ${counter++} ${'p'.repeat(counter % 23)}`;
  const unreadInGeneration = (which: (g: number) => boolean): string[] => {
    const seen = received();
    return written.filter((line) => which(line.generation) && !seen.has(line.text)).map((line) => line.text);
  };
  /**
   * Before the file leaves the glob, wait until the tailer follows it (its first line arrived). Returns
   * false for a file that never held a line: the tailer may never have seen it under a matched name, so
   * late writes into it after the rename can legitimately be lost.
   */
  const waitUntilCurrentFileIsFollowed = async (): Promise<boolean> => {
    const first = written.find((line) => line.generation === generation && !mayBeLost.has(line.text));
    if (first === undefined) return false;
    await eventually(() => received().has(first.text));
    return true;
  };

  try {
    for (const step of steps) {
      switch (step.kind) {
        case 'write': {
          for (let index = 0; index < step.lines; index++) {
            const text = nextLine();
            written.push({ text, generation });
            if (step.splitLast && index === step.lines - 1) {
              const cut = Math.floor(text.length / 2);
              writeSync(writer, text.slice(0, cut));
              await yieldToTailer();
              writeSync(writer, `${text.slice(cut)}\n`);
            } else {
              writeSync(writer, `${text}\n`);
            }
          }
          await yieldToTailer();
          break;
        }
        case 'rotate': {
          const followed = await waitUntilCurrentFileIsFollowed();
          renameSync(path, join(dir, `app.log.${generation}`));
          for (let index = 0; index < step.lateLines; index++) {
            const text = nextLine();
            written.push({ text, generation });
            if (!followed) mayBeLost.add(text);
            writeSync(writer, `${text}\n`);
          }
          closeSync(writer);
          renamedGenerations.add(generation);
          generation++;
          writer = openSync(path, 'a');
          break;
        }
        case 'copytruncate':
        case 'truncate': {
          // Lines not yet read when the file is cut are destroyed (the known copytruncate window), unless
          // the globs match the copy: then the copy is read from where the original stopped.
          if (!(step.kind === 'copytruncate' && globRotated)) for (const text of unreadInGeneration((g) => g === generation)) mayBeLost.add(text);
          if (step.kind === 'copytruncate') copyFileSync(path, join(dir, `app.log.copy${generation}`));
          truncateSync(path, 0);
          // The writer (O_APPEND) continues at the new end, 0.
          generation++;
          for (const line of written) if (line.generation === generation - 1) line.generation = -1;
          break;
        }
        case 'delete': {
          const followed = await waitUntilCurrentFileIsFollowed();
          unlinkSync(path);
          for (let index = 0; index < step.lateLines; index++) {
            const text = nextLine();
            written.push({ text, generation });
            if (!followed) mayBeLost.add(text);
            writeSync(writer, `${text}\n`);
          }
          closeSync(writer);
          generation++;
          writer = openSync(path, 'a');
          break;
        }
        case 'restart': {
          await running.stop();
          collect();
          // Deleted files are not found again: what was unread in them is gone. Renamed ones are found
          // (by the globs, or by inode beside their last path) and finished.
          for (const text of unreadInGeneration((g) => g !== generation && !renamedGenerations.has(g))) mayBeLost.add(text);
          running = await runTailer(stateDir, options);
          break;
        }
      }
    }
    const mustArrive = written.filter((line) => !mayBeLost.has(line.text)).map((line) => line.text);
    await eventually(() => {
      const seen = received();
      for (const text of mustArrive) if (!seen.has(text)) throw new Error(`missing: ${text}`);
    });
    await running.stop();
    collect();
    const writtenTexts = new Set(written.map((line) => line.text));
    const counts = new Map<string, number>();
    for (const text of emitted) counts.set(text, (counts.get(text) ?? 0) + 1);
    for (const [text, count] of counts) {
      expect(writtenTexts.has(text), `emitted but never written: ${JSON.stringify(text)}`).toBe(true);
      expect(count, `emitted ${count} times: ${text}`).toBe(1);
    }
    for (const text of mustArrive) expect(counts.get(text), `missing: ${text}`).toBe(1);
  } finally {
    closeSync(writer);
    await running.stop();
    await cleanup();
  }
}

describe('tailer model', () => {
  const runs = Number(process.env.LOGSHIP_MODEL_RUNS ?? 30);
  it('emits every line that was written and not destroyed exactly once, and nothing else, under random rotations, truncations, deletes and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { minLength: 1, maxLength: 30 }), (steps) => runModel(steps, false)),
      { numRuns: runs, endOnFailure: true },
    );
  }, 600_000);

  it('does the same when the globs also match rotated files and copytruncate copies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { minLength: 1, maxLength: 30 }), (steps) => runModel(steps, true)),
      { numRuns: runs, endOnFailure: true },
    );
  }, 600_000);
});
