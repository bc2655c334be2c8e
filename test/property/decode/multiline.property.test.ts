import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ContainerEntry, ContainerStream } from '../../../shipper/decode/container-entry.ts';
import { createMultilineJoiner } from '../../../shipper/decode/multiline.ts';
import type { StackTraceLanguage } from '../../../shipper/decode/stack-trace-rules.ts';

/** Lines that look like every language's traces, plus ordinary lines, blank lines and arbitrary text. */
const traceishLine = fc.oneof(
  fc.constantFrom(
    'Exception in thread "main" java.lang.Error: x', '\tat a.B.c(B.java:1)', 'Caused by: java.io.IOException', '\t... 3 more',
    'Traceback (most recent call last):', '  File "a.py", line 1, in <module>', 'ValueError: v', '',
    'During handling of the above exception, another exception occurred:',
    'panic: boom', 'goroutine 1 [running]:', 'main.main()', '\t/app/main.go:3 +0x1d', 'exit status 2',
    'Error: e', '    at f (/app/x.js:1:1)', '  [cause]: Error: c', '/app/x.js:3', '    ^', '  code: 1,', '}', 'Node.js v20.11.0',
    'The above exception was the direct cause of the following exception:', '', '',
    '2026-11-23 06:00:00 INFO start', 'plain line',
  ),
  fc.string({ maxLength: 20 }).filter((s) => !s.includes('\n')),
);

const options = fc.record({
  detectors: fc.subarray<StackTraceLanguage>(['java', 'python', 'go', 'node']),
  startPattern: fc.option(fc.constantFrom(/^\d{4}-/, /^[A-Z]/, /^\S/), { nil: undefined }),
  maxLines: fc.integer({ min: 1, max: 6 }),
  maxBytes: fc.integer({ min: 1, max: 120 }),
  timeoutMs: fc.integer({ min: 1, max: 500 }),
});

describe('multiline joining, for any lines, streams, options and timing', () => {
  it('loses, reorders and duplicates nothing, keeps the limits, and spans each record\'s first to last line', () => {
    fc.assert(
      fc.property(
        options,
        fc.array(fc.tuple(traceishLine, fc.constantFrom<ContainerStream>('stdout', 'stderr'), fc.boolean()), { maxLength: 40 }),
        (opts, script) => {
          const joiner = createMultilineJoiner(opts);
          const input: ContainerEntry[] = script.map(([message, stream], i) => ({ message, stream, timestamp: '', offset: i * 10, endOffset: i * 10 + 10, format: 'docker' }));
          const output: ContainerEntry[] = [];
          input.forEach((entry, i) => {
            output.push(...joiner.push(entry));
            if (script[i]![2]) output.push(...joiner.flushStale(i * 100));
          });
          output.push(...joiner.flush());
          expect(joiner.pendingFrom()).toBeUndefined();

          for (const stream of ['stdout', 'stderr'] as const) {
            const mine = input.filter((e) => e.stream === stream);
            const out = output.filter((e) => e.stream === stream);
            expect(out.flatMap((e) => e.message.split('\n'))).toEqual(mine.map((e) => e.message));
            let next = 0;
            for (const record of out) {
              const lines = record.joinedLines ?? 1;
              expect(record.offset).toBe(mine[next]!.offset);
              expect(record.endOffset).toBe(mine[next + lines - 1]!.endOffset);
              expect(lines).toBeLessThanOrEqual(opts.maxLines);
              if (lines > 1) expect(Buffer.byteLength(record.message)).toBeLessThanOrEqual(opts.maxBytes);
              next += lines;
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
