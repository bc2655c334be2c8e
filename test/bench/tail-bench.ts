/**
 * Tailer throughput: lines/s reading a big generated nginx access log through the tailer (identity,
 * checkpoint settling, UTF-8 decoding, Line objects), against baselines measured in the same run:
 * the raw floor (read 1 MiB chunks, count newlines) and the usual Node idiom (fs.createReadStream +
 * split2, which also decodes each line). Then the idle cost of following 500 quiet files.
 */
import { createReadStream, writeFileSync, appendFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import split2 from 'split2';
import { createCheckpointStore } from '../../shipper/checkpoint.ts';
import { createTailer } from '../../shipper/tail/tailer.ts';
import { createLogger } from '../../shipper/kit/logger.ts';
import { Registry } from '../../shipper/kit/metrics.ts';
import { MiB, SHORT, fmt, printTable, rawReadAndSplit, writeNginxFile } from './bench-kit.ts';

const dir = await mkdtemp(join(tmpdir(), 'logship-tail-bench-'));
const logger = createLogger('silent', 'bench');

async function split2Baseline(path: string): Promise<{ lines: number; seconds: number; cpuSeconds: number }> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  let lines = 0;
  let chars = 0;
  for await (const line of createReadStream(path, { highWaterMark: MiB }).pipe(split2())) {
    lines++;
    chars += (line as string).length;
  }
  if (chars < 0) throw new Error('unreachable');
  const used = process.cpuUsage(cpu);
  return { lines, seconds: (performance.now() - t0) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
}

async function throughTailer(path: string, stateDir: string): Promise<{ lines: number; seconds: number; cpuSeconds: number }> {
  const registry = new Registry();
  const checkpoints = createCheckpointStore({ dir: stateDir, logger, registry });
  await checkpoints.load();
  const tailer = createTailer({ include: [path], readFrom: 'beginning', maxLineBytes: MiB, pollIntervalMs: 250, checkpoints, logger, registry });
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await tailer.start();
  const { size } = statSync(path);
  const abort = new AbortController();
  let lines = 0;
  let chars = 0;
  for await (const chunk of tailer.lines(abort.signal)) {
    for (const line of chunk) chars += line.text.length;
    lines += chunk.length;
    const last = chunk[chunk.length - 1]!;
    // The pipeline settles each delivered batch; one settle per chunk is what it costs per batch.
    checkpoints.settle(last.source, chunk[0]!.offset, last.endOffset);
    if (last.endOffset >= size) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  abort.abort();
  await tailer.close();
  await checkpoints.close();
  if (chars < 0) throw new Error('unreachable');
  return { lines, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

async function idleCost(files: number, seconds: number): Promise<{ cpuPercent: number; latencyMs: number }> {
  const filesDir = join(dir, 'many');
  await mkdir(filesDir);
  for (let i = 0; i < files; i++) writeFileSync(join(filesDir, `app-${i}.log`), `first line of file ${i}\n`);
  const registry = new Registry();
  const checkpoints = createCheckpointStore({ dir: join(dir, 'state-many'), logger, registry });
  await checkpoints.load();
  const tailer = createTailer({ include: [join(filesDir, '*.log')], readFrom: 'beginning', maxLineBytes: MiB, pollIntervalMs: 250, checkpoints, logger, registry });
  await tailer.start();
  const abort = new AbortController();
  let received = 0;
  let lastAt = 0;
  const consuming = (async () => {
    for await (const chunk of tailer.lines(abort.signal)) {
      received += chunk.length;
      lastAt = performance.now();
      for (const line of chunk) checkpoints.settle(line.source, line.offset, line.endOffset);
    }
  })();
  while (received < files) await new Promise((resolve) => setTimeout(resolve, 20));
  const cpu = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const used = process.cpuUsage(cpu);
  const writtenAt = performance.now();
  appendFileSync(join(filesDir, `app-${files - 1}.log`), 'one more\n');
  while (received < files + 1) await new Promise((resolve) => setTimeout(resolve, 1));
  const latencyMs = lastAt - writtenAt;
  abort.abort();
  await tailer.close();
  await consuming;
  await checkpoints.close();
  return { cpuPercent: ((used.user + used.system) / 1e6 / seconds) * 100, latencyMs };
}

try {
  const path = join(dir, 'access.log');
  const lines = await writeNginxFile(path, SHORT ? 32 * MiB : 256 * MiB);
  // Warm the page cache so every contender reads from memory.
  await rawReadAndSplit(path);
  const raw = await rawReadAndSplit(path);
  const viaSplit2 = await split2Baseline(path);
  const tail = await throughTailer(path, join(dir, 'state'));
  if (tail.lines !== lines || viaSplit2.lines !== lines) throw new Error(`line counts differ: file ${lines}, tailer ${tail.lines}, split2 ${viaSplit2.lines}`);
  const rate = (result: { lines: number; seconds: number }): number => result.lines / result.seconds;
  // The machine may be shared: lines per CPU-second is the steadier figure, lines/s the wall-clock one.
  const perCpu = (result: { lines: number; cpuSeconds: number }): number => result.lines / result.cpuSeconds;
  const row = (contender: string, result: { lines: number; seconds: number; cpuSeconds: number }): Record<string, string> => ({
    contender, 'lines/s': fmt(rate(result)), 'lines/CPU-s': fmt(perCpu(result)), 'CPU per line vs tailer': `${fmt(perCpu(tail) / perCpu(result), 2)}x`,
  });
  printTable(`tail: ${fmt(lines)} nginx lines (${fmt(statSync(path).size / MiB)} MiB)`, [
    row('raw read + count newlines (floor)', raw),
    row('createReadStream + split2', viaSplit2),
    row('logship tailer (Line objects, settle per chunk)', tail),
  ]);
  const idle = await idleCost(500, SHORT ? 3 : 10);
  printTable('tail: 500 quiet files', [
    { measure: 'CPU while idle', value: `${fmt(idle.cpuPercent, 2)} %` },
    { measure: 'latency of one written line', value: `${fmt(idle.latencyMs, 1)} ms` },
  ]);
  process.stdout.write(`BENCH_RESULT ${JSON.stringify({
    bench: 'tail', lines, tailerLinesPerSecond: Math.round(rate(tail)), split2LinesPerSecond: Math.round(rate(viaSplit2)),
    rawLinesPerSecond: Math.round(rate(raw)), tailerLinesPerCpuSecond: Math.round(perCpu(tail)), split2LinesPerCpuSecond: Math.round(perCpu(viaSplit2)), idleCpuPercent500Files: idle.cpuPercent, idleLatencyMs: idle.latencyMs,
  })}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
