import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createDecoder } from '../../../shipper/decode/decoder.ts';
import type { ContainerEntry } from '../../../shipper/decode/container-entry.ts';
import type { Line } from '../../../shipper/record.ts';
import {
  BIG_JSON_LINE, BIG_STDERR_LINE, BIG_STDOUT_LINE, WORKLOAD_SAMPLES, decodeAll, readLines, workloadStderr, workloadStdout,
} from './corpus.ts';

const MAX_BYTES = 1024 * 1024;

function decodeSample(path: string): { lines: Line[]; entries: ContainerEntry[] } {
  const lines = readLines(path);
  return { lines, entries: decodeAll(createDecoder({ format: 'auto', maxBytes: MAX_BYTES }), lines) };
}

function messagesOf(entries: readonly ContainerEntry[], stream: 'stdout' | 'stderr'): string[] {
  return entries.filter((e) => e.stream === stream).map((e) => e.message);
}

/** The time the runtime wrote on a physical line, read straight from the line. */
function rawTimeOf(line: Line, format: 'docker' | 'cri'): string {
  return format === 'docker' ? (JSON.parse(line.text) as { time: string }).time : line.text.slice(0, line.text.indexOf(' '));
}

/**
 * UTC with 9 digits, computed a different way than the decoder does: Date handles the calendar and
 * the offset at millisecond precision, and the remaining fraction digits are appended untouched.
 */
function independentUtc(raw: string): string {
  const match = /^(.*T\d\d:\d\d:\d\d)\.(\d+)(Z|[+-]\d\d:\d\d)$/.exec(raw);
  if (match === null) throw new Error(`unexpected runtime time ${raw}`);
  const [, seconds, fraction, zone] = match;
  const nine = fraction!.padEnd(9, '0');
  const iso = new Date(Date.parse(`${seconds}.${nine.slice(0, 3)}${zone}`)).toISOString();
  return `${iso.slice(0, 23)}${nine.slice(3)}Z`;
}

describe.each(WORKLOAD_SAMPLES)('the workload captured by $runtime', (sample) => {
  const { lines, entries } = decodeSample(sample.path);
  const fileSize = statSync(sample.path).size;

  it('decodes to the 28 lines gen.sh printed, per stream and in print order', () => {
    expect(entries).toHaveLength(28);
    expect(messagesOf(entries, 'stdout')).toEqual(workloadStdout(sample.pid));
    expect(messagesOf(entries, 'stderr')).toEqual(workloadStderr());
  });

  it('detects its format from the first line and reports no decoding error', () => {
    expect(new Set(entries.map((e) => e.format))).toEqual(new Set([sample.format]));
    expect(entries.filter((e) => e.error !== undefined)).toEqual([]);
    expect(entries.filter((e) => e.truncated === true)).toEqual([]);
  });

  it('gives every entry ranges that tile the file from its first byte to its last, with no gap or overlap', () => {
    const sorted = [...entries].sort((a, b) => a.offset - b.offset);
    let expectedStart = 0;
    for (const entry of sorted) {
      expect(entry.offset).toBe(expectedStart);
      expect(entry.endOffset).toBeGreaterThan(entry.offset);
      expectedStart = entry.endOffset;
    }
    expect(expectedStart).toBe(fileSize);
  });

  it('keeps the time of each entry\'s first fragment in UTC with all nine fraction digits', () => {
    const lineAt = new Map(lines.map((line) => [line.offset, line]));
    for (const entry of entries) {
      const raw = rawTimeOf(lineAt.get(entry.offset)!, sample.format);
      expect(entry.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      expect(entry.timestamp).toBe(independentUtc(raw));
    }
  });
});

describe('reassembly of the long lines, against the fragment counts the corpus README states', () => {
  const expectedFragments: Record<string, [number, number, number]> = {
    'dockerd 20.10': [3, 2, 2],
    'containerd 1.6': [3, 2, 2],
    'conmon, UTC': [11, 6, 6],
    'conmon, -03:30': [7, 6, 6],
  };
  it.each(WORKLOAD_SAMPLES)('$runtime joins the 40 KiB, 17 KiB and 20 KiB lines from the stated number of fragments', (sample) => {
    const { lines, entries } = decodeSample(sample.path);
    const fragmentsOf = (message: string) => {
      const entry = entries.find((e) => e.message === message)!;
      expect(entry).toBeDefined();
      return lines.filter((l) => l.offset >= entry.offset && l.endOffset <= entry.endOffset).length;
    };
    expect([fragmentsOf(BIG_STDOUT_LINE), fragmentsOf(BIG_JSON_LINE), fragmentsOf(BIG_STDERR_LINE)]).toEqual(expectedFragments[sample.runtime]);
    expect([BIG_STDOUT_LINE.length, BIG_JSON_LINE.length, BIG_STDERR_LINE.length]).toEqual([40_960, 17_012, 20_480]);
  });
});

describe('the same workload through every runtime', () => {
  it('decodes to the same message sequences per stream on dockerd, containerd and conmon (UTC and -03:30)', () => {
    const normalise = (messages: string[]) => messages.map((m) => m.replace(/^(demo-app starting version=1\.4\.2 pid=)\d+$/, '$1<pid>'));
    const [reference, ...others] = WORKLOAD_SAMPLES.map((sample) => decodeSample(sample.path).entries);
    for (const entries of others) {
      expect(normalise(messagesOf(entries, 'stdout'))).toEqual(normalise(messagesOf(reference!, 'stdout')));
      expect(messagesOf(entries, 'stderr')).toEqual(messagesOf(reference!, 'stderr'));
    }
  });

  it('keeps the trimmed-zero docker time of the second stack frame as 9 digits', () => {
    const { entries } = decodeSample(WORKLOAD_SAMPLES[0].path);
    const frame = entries.find((e) => e.message === '\tat com.example.demo.Pool.acquire(Pool.java:88)')!;
    expect(readFileSync(WORKLOAD_SAMPLES[0].path, 'utf8')).toContain('"time":"2026-11-23T06:49:27.84254693Z"');
    expect(frame.timestamp).toBe('2026-11-23T06:49:27.842546930Z');
  });

  it('converts conmon\'s -03:30 local time to UTC by adding three and a half hours, digits kept', () => {
    const { entries } = decodeSample(WORKLOAD_SAMPLES[3].path);
    expect(readFileSync(WORKLOAD_SAMPLES[3].path, 'utf8').startsWith('2026-11-23T03:18:27.499033813-03:30 stdout F demo-app')).toBe(true);
    expect(entries[0]!.timestamp).toBe('2026-11-23T06:48:27.499033813Z');
  });
});

describe('a line the container never finished', () => {
  const sample = WORKLOAD_SAMPLES[1];
  const lines = readLines(sample.path);

  it('stays pending, is reported by pendingFrom, and is emitted once after the stale timeout', () => {
    const decoder = createDecoder({ format: 'cri', maxBytes: MAX_BYTES });
    const pushed = lines.flatMap((line) => decoder.push(line));
    const lastLine = lines[lines.length - 1]!;
    expect(pushed.map((e) => e.message)).not.toContain('final line without trailing newline');
    expect(decoder.pendingFrom()).toBe(lastLine.offset);
    expect(decoder.flushStale(10_000, 5_000)).toEqual([]);
    expect(decoder.flushStale(14_999, 5_000)).toEqual([]);
    const stale = decoder.flushStale(15_000, 5_000);
    expect(stale.map((e) => [e.message, e.offset, e.endOffset])).toEqual([['final line without trailing newline', lastLine.offset, lastLine.endOffset]]);
    expect(decoder.pendingFrom()).toBeUndefined();
    expect(decoder.flushStale(99_999, 5_000)).toEqual([]);
    expect(decoder.flush()).toEqual([]);
  });

  it('restarts its wait when another fragment of the same line arrives', () => {
    const decoder = createDecoder({ format: 'cri', maxBytes: MAX_BYTES });
    const line = (text: string, offset: number): Line => ({ source: 's', path: 'p', text, offset, endOffset: offset + 100 });
    decoder.push(line('2026-11-23T06:51:12.1Z stdout P first ', 0));
    expect(decoder.flushStale(0, 1000)).toEqual([]);
    decoder.push(line('2026-11-23T06:51:13.1Z stdout P second ', 100));
    expect(decoder.flushStale(1500, 1000)).toEqual([]);
    expect(decoder.flushStale(2500, 1000).map((e) => e.message)).toEqual(['first second ']);
  });
});

describe('partials of both streams pending at once', () => {
  it('reports the older one in pendingFrom and flushes both in file order', () => {
    const decoder = createDecoder({ format: 'docker', maxBytes: MAX_BYTES });
    const at = (offset: number, log: string, stream: string): Line => ({ source: 's', path: 'p', text: JSON.stringify({ log, stream, time: '2026-11-23T06:00:00Z' }), offset, endOffset: offset + 10 });
    expect(decoder.push(at(0, 'err-part ', 'stderr'))).toEqual([]);
    expect(decoder.push(at(10, 'out-part ', 'stdout'))).toEqual([]);
    expect(decoder.push(at(20, 'out-end\n', 'stdout')).map((e) => [e.message, e.offset, e.endOffset])).toEqual([['out-part out-end', 10, 30]]);
    expect(decoder.pendingFrom()).toBe(0);
    expect(decoder.push(at(30, 'out-again', 'stdout'))).toEqual([]);
    expect(decoder.flush().map((e) => [e.stream, e.message, e.offset, e.endOffset])).toEqual([
      ['stderr', 'err-part ', 0, 10],
      ['stdout', 'out-again', 30, 40],
    ]);
    expect(decoder.pendingFrom()).toBeUndefined();
  });
});
