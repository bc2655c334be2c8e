/**
 * Issue 5's benchmark, two parts, each next to a baseline measured in the same run:
 *
 * 1. Throughput: a docker json-file log (512 MiB; 64 MiB with --short) decoded, tagged with Kubernetes
 *    metadata from docker's config.v2.json and bulk-sent by the real `logship collector` process to a
 *    counting `_bulk` endpoint. Reports MiB of log file per second of wall time and per CPU-second of the
 *    collector (= per core), next to the raw read-and-split baseline; also the steady state, the same
 *    process's rate after the endpoint has acknowledged the first 10 % of the lines (warm-up excluded).
 *    Target: ≥ 150 MB/s of log file per core.
 * 2. Many quiet files: 500 CRI container logs (500 pods) written at low rates while the collector tails
 *    them all, then left idle. Reports peak RSS, CPU while they are written, CPU while idle, and the
 *    collector's end-to-end line count. Targets: ≤ 150 MiB RSS, near-zero CPU when idle.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { appendFile, cp, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCountingEndpoint } from './counting-endpoint.ts';
import { MiB, SHORT, fmt, manifestNodeOptions, printTable, processCpuSeconds, processPeakRss, processPrivateMemory, rawReadAndSplit, warmPageCache } from './bench-kit.ts';
import { buildShipperBundle } from '../../shipper/bin/bundle.ts';
import { createReadStream } from 'node:fs';
import type { Line } from '../../shipper/record.ts';
import { LineSplitter } from '../../shipper/tail/line-splitter.ts';
import { createContainerResolver } from '../../shipper/collector/container-resolver.ts';
import { createContainerStreams } from '../../shipper/collector/container-streams.ts';
import { annotationFilter } from '../../shipper/enrich/kubernetes-pod.ts';
import { compileAccessFormat } from '../../shipper/parse/nginx-access.ts';
import { createErrorParser } from '../../shipper/parse/nginx-error.ts';
import { agentFieldsEnricher } from '../../shipper/enrich/static-tags.ts';
import { CORPUS_ROOT } from '../helpers/corpus.ts';

const CLI = fileURLToPath(new URL('../../shipper/bin/logship.js', import.meta.url));
const CONFIG = `${CORPUS_ROOT}/containers/layout/var/lib/docker/containers/25cc191df2648a2c13b29d54b290c83f5a64217406ce960a794afb8eaae9ebbc/config.v2.json`;
const ID = 'be'.repeat(32);
const dir = await mkdtemp(join(tmpdir(), 'logship-collector-bench-'));
const dockerRoot = join(dir, 'docker');
const podsRoot = join(dir, 'pods');
await mkdir(join(dockerRoot, ID), { recursive: true });
await mkdir(podsRoot, { recursive: true });
await cp(CONFIG, join(dockerRoot, ID, 'config.v2.json'));
// The collector as the image runs it: from the shipper bundle (LOGSHIP_BUNDLE), built here from the sources.
const bundle = await buildShipperBundle(join(dir, 'shippers.mjs'), { quiet: true });

/** Container output as services print it: plain lines, klog lines and JSON lines, 80–400 bytes. */
function messageOf(i: number): string {
  switch (i % 4) {
    case 0: return `GET /api/v1/orders/${i} 200 ${(i % 97) + 3}ms user=${i % 1000} trace=${(i * 2654435761 % 4294967296).toString(16)}`;
    case 1: return `I1124 05:00:00.${String(i % 1_000_000).padStart(6, '0')}       1 controller.go:${i % 500}] "Reconciled" object="shop/checkout-${i % 50}" duration="${i % 13}ms"`;
    case 2: return JSON.stringify({ '@timestamp': '2026-11-24T05:00:00.000Z', 'log.level': 'info', message: `processed batch ${i}`, 'service.name': 'ledger', items: i % 200, took_ms: i % 37 });
    default: return `worker ${i % 8}: ${'payload '.repeat(4 + (i % 30))}end`;
  }
}

async function writeDockerLog(path: string, targetBytes: number): Promise<number> {
  const out = createWriteStream(path);
  let written = 0;
  let lines = 0;
  const base = Date.parse('2026-11-24T05:00:00Z');
  while (written < targetBytes) {
    const chunk: string[] = [];
    for (let j = 0; j < 5000; j++, lines++) {
      const time = new Date(base + lines).toISOString().replace('Z', `${String(lines % 1_000_000).padStart(6, '0')}Z`);
      chunk.push(`${JSON.stringify({ log: `${messageOf(lines)}\n`, stream: lines % 5 === 0 ? 'stderr' : 'stdout', time })}\n`);
    }
    const text = chunk.join('');
    written += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return lines;
}

function startCollector(to: string, stateDir: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [CLI, 'collector', '--docker-root', dockerRoot, '--pods-root', podsRoot, '--to', to, '--state-dir', stateDir,
    '--kube-api', 'off', '--node-name', 'bench-node', '--metrics-listen', '127.0.0.1:0', '--log-level', 'warn', '--no-gzip',
    '--batch-max-docs', '5000', '--batch-max-bytes', '8MiB', '--max-buffer-bytes', '48MiB', ...extra], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, LOGSHIP_BUNDLE: bundle, ...env } });
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await once(child, 'exit');
}

// Part 1: throughput.
const file = join(dockerRoot, ID, `${ID}-json.log`);
const lines = await writeDockerLog(file, SHORT ? 64 * MiB : 512 * MiB);
const { size } = await stat(file);
const baseline = await rawReadAndSplit(file);

/**
 * The collector's own stages in this process: decode, metadata, record JSON — no tailing, no shipping.
 * With `byteLines`, lines are split as the tailer hands them to the collector (byte lines, 16 KiB pieces
 * of 256 KiB reads) and each record is released at once, as the pipeline does once the store answers;
 * without, lines are decoded to text first and records are never released (this row's earlier meaning).
 */
async function stagesInProcess(path: string, byteLines: boolean): Promise<{ seconds: number; cpuSeconds: number; records: number }> {
  const agent = agentFieldsEnricher({ hostName: 'bench-node', version: 'bench' });
  const streams = createContainerStreams({
    resolver: createContainerResolver({ dockerRoot, podsRoot: '', nonKubernetes: true }),
    pods: undefined,
    nodeName: 'bench-node',
    keepAnnotation: annotationFilter([]),
    records: { namespace: 'default', accessParser: compileAccessFormat('combined'), errorParser: createErrorParser({}), parseJson: true, enrich: agent, commonFields: agent({}, { source: '', path: '', text: '', offset: 0, endOffset: 0 }) },
    maxBytes: MiB,
    partialTimeoutMs: 5000,
    multiline: undefined,
    excludeNamespaces: [],
    selfPod: undefined,
    settle: () => undefined,
  });
  if (byteLines) return stagesFromByteLines(path, streams);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let records = 0;
  let position = 0;
  let rest: Buffer<ArrayBufferLike> = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: MiB })) {
    const buffer = rest.length === 0 ? (chunk as Buffer) : Buffer.concat([rest, chunk as Buffer]);
    const lines: Line[] = [];
    let start = 0;
    for (let nl = buffer.indexOf(10); nl !== -1; nl = buffer.indexOf(10, start)) {
      lines.push({ source: 'bench', path, text: buffer.toString('utf8', start, nl), offset: position + start, endOffset: position + nl + 1 });
      start = nl + 1;
    }
    position += start;
    rest = buffer.subarray(start);
    records += streams.push(lines).length;
  }
  const used = process.cpuUsage(cpu0);
  return { seconds: (performance.now() - t0) / 1000, cpuSeconds: (used.user + used.system) / 1e6, records };
}

async function stagesFromByteLines(path: string, streams: ReturnType<typeof createContainerStreams>): Promise<{ seconds: number; cpuSeconds: number; records: number }> {
  const splitter = new LineSplitter(MiB, { byteLines: true });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let records = 0;
  let position = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
    const read = chunk as Buffer;
    for (let at = 0; at < read.length; at += 16 * 1024) {
      const end = Math.min(read.length, at + 16 * 1024);
      const pieceLines: Line[] = [];
      splitter.push(read.subarray(at, end), end - at, position + at, 'bench', path, pieceLines);
      for (const record of streams.push(pieceLines)) {
        records++;
        record.release?.();
      }
    }
    position += read.length;
  }
  const used = process.cpuUsage(cpu0);
  return { seconds: (performance.now() - t0) / 1000, cpuSeconds: (used.user + used.system) / 1e6, records };
}
const stages = await stagesInProcess(file, false);
if (stages.records !== lines) throw new Error(`stages made ${stages.records} records of ${lines} lines`);
const byteStages = await stagesInProcess(file, true);
if (byteStages.records !== lines) throw new Error(`stages from byte lines made ${byteStages.records} records of ${lines} lines`);
const endpoint = await startCountingEndpoint();
await warmPageCache(file);
const t0 = performance.now();
const collector = startCollector(endpoint.url, join(dir, 'state-throughput'));
let peak = 0;
let cpu = 0;
/**
 * The steady state, with warm-up excluded as Rally and lading exclude it: the collector's CPU and the
 * endpoint's count of acknowledged lines sampled once the endpoint has counted ≥ 10 % of the lines (Node's
 * start-up and most of V8's tiering lie before it; a DaemonSet pays them once per node boot) and again at
 * the end. Polled every 20 ms so that the sample lands close to the 10 % mark; the fraction actually
 * reached is reported. /proc's CPU has 10 ms ticks: ≤ 0.5 % of a window of several CPU-seconds.
 */
const WARM_UP_FRACTION = 0.1;
let warm: { lines: number; cpu: number; at: number } | undefined;
let polls = 0;
while (endpoint.count() < lines) {
  if (collector.exitCode !== null) throw new Error(`collector exited with ${collector.exitCode}`);
  await new Promise((resolve) => setTimeout(resolve, 20));
  // Peak RSS every 100 ms as before; CPU on every poll so that the last reading is as fresh as the count.
  if (++polls % 5 === 0) peak = Math.max(peak, await processPeakRss(collector.pid!));
  const counted = endpoint.count();
  cpu = await processCpuSeconds(collector.pid!);
  if (warm === undefined && counted >= lines * WARM_UP_FRACTION) warm = { lines: counted, cpu, at: performance.now() };
}
peak = Math.max(peak, await processPeakRss(collector.pid!));
const seconds = (performance.now() - t0) / 1000;
if (warm === undefined) throw new Error('the endpoint never reached the end of warm-up before the last line');
// Log bytes of the lines counted in the window: the file's lines are uniform enough (a repeating cycle of
// four message kinds, 80–400 bytes) that size × (lines in window / total lines) stands for their bytes.
const steadyLines = lines - warm.lines;
const steadyBytes = size * (steadyLines / lines);
const steadyCpu = cpu - warm.cpu;
const steadySeconds = (performance.now() - warm.at) / 1000;
await stop(collector);
await endpoint.close();
await rm(join(dockerRoot, ID), { recursive: true, force: true });

const MB = 1e6;
printTable(`collector: ${fmt(size / MiB)} MiB docker json-file, ${fmt(lines)} lines → counting _bulk endpoint (collector process incl. start-up)`, [
  { run: 'raw read-and-split (baseline)', 'MB/s wall': fmt(size / MB / baseline.seconds, 1), 'MB/s per core': fmt(size / MB / baseline.cpuSeconds, 1), 'lines/s': fmt(baseline.lines / baseline.seconds), 'peak RSS MiB': 'n/a', 'vs baseline': '1.000×' },
  { run: 'collector stages in-process (read, decode, metadata, record JSON)', 'MB/s wall': fmt(size / MB / stages.seconds, 1), 'MB/s per core': fmt(size / MB / stages.cpuSeconds, 1), 'lines/s': fmt(lines / stages.seconds), 'peak RSS MiB': 'n/a', 'vs baseline': `${fmt(baseline.seconds / stages.seconds, 3)}×` },
  { run: 'the same from byte lines, as the tailer hands them (records released)', 'MB/s wall': fmt(size / MB / byteStages.seconds, 1), 'MB/s per core': fmt(size / MB / byteStages.cpuSeconds, 1), 'lines/s': fmt(lines / byteStages.seconds), 'peak RSS MiB': 'n/a', 'vs baseline': `${fmt(baseline.seconds / byteStages.seconds, 3)}×` },
  { run: 'logship collector from the bundle (decode + k8s metadata + bulk)', 'MB/s wall': fmt(size / MB / seconds, 1), 'MB/s per core': fmt(size / MB / cpu, 1), 'lines/s': fmt(lines / seconds), 'peak RSS MiB': fmt(peak / MiB), 'vs baseline': `${fmt((size / seconds) / (size / baseline.seconds), 3)}×` },
  { run: 'the same process, steady state, after the first 10 % of lines', 'MB/s wall': fmt(steadyBytes / MB / steadySeconds, 1), 'MB/s per core': fmt(steadyBytes / MB / steadyCpu, 1), 'lines/s': fmt(steadyLines / steadySeconds), 'peak RSS MiB': 'n/a', 'vs baseline': `${fmt((steadyBytes / steadySeconds) / (size / baseline.seconds), 3)}×` },
]);
process.stdout.write(`steady state: from ${fmt(100 * warm.lines / lines, 2)} % of the lines acknowledged (${fmt(cpu - steadyCpu, 2)} of ${fmt(cpu, 2)} CPU-s before it) to the last\n`);
process.stdout.write('target: ≥ 150 MB/s of log file per core\n');

// Part 2: 500 quiet files, with Node's defaults and with the memory settings the DaemonSet should use.
const FILES = 500;
const ROUNDS = SHORT ? 5 : 15;
const IDLE_SECONDS = SHORT ? 5 : 15;
const podDirs: string[] = [];
for (let i = 0; i < FILES; i++) {
  const podDir = join(podsRoot, `bench_quiet-${i}_00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, 'app');
  await mkdir(podDir, { recursive: true });
  await appendFile(join(podDir, '0.log'), `2026-11-24T05:00:00.000000001Z stdout F started ${i}\n`);
  podDirs.push(podDir);
}
let written = FILES;

interface QuietResult { cpuBusyPercent: number; cpuIdlePercent: number; peakRss: number; peakPrivate: number; shipped: number }

async function quietRun(name: string, env: NodeJS.ProcessEnv): Promise<QuietResult> {
  const many = await startCountingEndpoint();
  const quiet = startCollector(many.url, join(dir, `state-quiet-${name}`), [], env);
  let peakPrivate = 0;
  const samplePrivate = async () => (peakPrivate = Math.max(peakPrivate, await processPrivateMemory(quiet.pid!).catch(() => 0)));
  const waitFor = async (n: number): Promise<void> => {
    const deadline = Date.now() + 60_000;
    while (many.count() < n) {
      await samplePrivate();
      if (Date.now() > deadline) throw new Error(`only ${many.count()} of ${n} lines arrived`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  await waitFor(written);
  const cpuStart = await processCpuSeconds(quiet.pid!);
  const busyStart = performance.now();
  // Each round, every file gets one line (500 lines/s in total, 1 line/s per file), like quiet services.
  for (let round = 0; round < ROUNDS; round++) {
    const roundStart = performance.now();
    for (let i = 0; i < FILES; i++) {
      await appendFile(join(podDirs[i]!, '0.log'), `2026-11-24T05:00:0${round % 10}.000000001Z stdout F ${messageOf(round * FILES + i)}\n`);
    }
    written += FILES;
    await samplePrivate();
    const left = 1000 - (performance.now() - roundStart);
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  }
  await waitFor(written);
  const busySeconds = (performance.now() - busyStart) / 1000;
  const cpuBusy = (await processCpuSeconds(quiet.pid!)) - cpuStart;
  const idleStart = await processCpuSeconds(quiet.pid!);
  await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
  const cpuIdle = (await processCpuSeconds(quiet.pid!)) - idleStart;
  const peakRss = await processPeakRss(quiet.pid!);
  const shipped = many.count();
  await stop(quiet);
  await many.close();
  return { cpuBusyPercent: (100 * cpuBusy) / busySeconds, cpuIdlePercent: (100 * cpuIdle) / IDLE_SECONDS, peakRss, peakPrivate, shipped };
}

/** What the DaemonSet in k8s/base/collector.yaml sets. */
const MANIFEST_NODE_OPTIONS = await manifestNodeOptions('k8s/base/collector.yaml');
const RECOMMENDED = { NODE_OPTIONS: MANIFEST_NODE_OPTIONS };
const defaults = await quietRun('defaults', {});
const tuned = await quietRun('tuned', RECOMMENDED);
await rm(dir, { recursive: true, force: true });

printTable(`collector: ${FILES} CRI files tailed at once (500 pods), 1 line/s each for ${ROUNDS} s, then ${IDLE_SECONDS} s idle`, [
  { run: 'bundle, Node defaults', 'CPU % writing (500 lines/s)': fmt(defaults.cpuBusyPercent, 1), 'CPU % idle': fmt(defaults.cpuIdlePercent, 2), 'peak RSS MiB': fmt(defaults.peakRss / MiB), 'peak private MiB': fmt(defaults.peakPrivate / MiB), 'lines shipped (cumulative)': fmt(defaults.shipped) },
  { run: `bundle, NODE_OPTIONS=${MANIFEST_NODE_OPTIONS} as in k8s/`, 'CPU % writing (500 lines/s)': fmt(tuned.cpuBusyPercent, 1), 'CPU % idle': fmt(tuned.cpuIdlePercent, 2), 'peak RSS MiB': fmt(tuned.peakRss / MiB), 'peak private MiB': fmt(tuned.peakPrivate / MiB), 'lines shipped (cumulative)': fmt(tuned.shipped) },
]);
process.stdout.write('targets: ≤ 150 MiB RSS with 500 files, near-zero CPU when idle\n');
process.stdout.write(`BENCH_RESULT ${JSON.stringify({
  bench: 'collector',
  bytes: size,
  lines,
  baselineMBps: +(size / MB / baseline.seconds).toFixed(1),
  MBpsWall: +(size / MB / seconds).toFixed(1),
  MBpsPerCore: +(size / MB / cpu).toFixed(1),
  steadyMBpsPerCore: +(steadyBytes / MB / steadyCpu).toFixed(1),
  steadyFromFraction: +(warm.lines / lines).toFixed(4),
  stagesMBpsPerCore: +(size / MB / stages.cpuSeconds).toFixed(1),
  byteStagesMBpsPerCore: +(size / MB / byteStages.cpuSeconds).toFixed(1),
  peakRssMiB: Math.round(peak / MiB),
  quietFiles: FILES,
  quietPeakRssMiB: Math.round(defaults.peakRss / MiB),
  quietPeakRssMiBTuned: Math.round(tuned.peakRss / MiB),
  quietPeakPrivateMiB: Math.round(defaults.peakPrivate / MiB),
  quietPeakPrivateMiBTuned: Math.round(tuned.peakPrivate / MiB),
  quietBusyCpuPercent: +defaults.cpuBusyPercent.toFixed(1),
  idleCpuPercent: +defaults.cpuIdlePercent.toFixed(2),
  idleCpuPercentTuned: +tuned.cpuIdlePercent.toFixed(2),
})}\n`);
