/**
 * Issue 3's benchmark: an nginx combined log (1 GiB; 64 MiB with --short) tailed, parsed and bulk-sent by
 * the real `logship sidecar` process to a counting `_bulk` endpoint. Reports lines/s, MiB/s, CPU seconds
 * per GiB and peak RSS of the sidecar, next to the raw read-and-split baseline measured in the same run.
 * Targets: ≥ 365,000 lines/s on one core, ≤ 15 CPU s/GiB, ≤ 100 MiB peak RSS.
 *
 * Every run has the sidecar container's settings from its manifest (k8s/examples/nginx-sidecar): batch and
 * buffer sizes and the allocator's tuning; the runs differ in NODE_OPTIONS (V8's defaults, or the
 * manifest's heap bounds), gzip, and bundle or sources.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCountingEndpoint } from './counting-endpoint.ts';
import { MiB, SHORT, fmt, manifestNodeOptions, measureChild, printTable, rawReadAndSplit, warmPageCache, writeNginxFile } from './bench-kit.ts';
import { buildShipperBundle } from '../../shipper/bin/bundle.ts';
import { rsyslogToElasticsearch } from '../helpers/rsyslog-config.ts';

const CLI = fileURLToPath(new URL('../../shipper/bin/logship.js', import.meta.url));
const dir = await mkdtemp(join(tmpdir(), 'logship-sidecar-bench-'));
const file = join(dir, 'access.log');
const lines = await writeNginxFile(file, SHORT ? 64 * MiB : 1024 * MiB);
const { size } = await stat(file);
const GiB = size / (1024 * MiB);

const baseline = await rawReadAndSplit(file);
// The sidecar as the image runs it: from the shipper bundle (LOGSHIP_BUNDLE), built here from the sources.
const bundle = await buildShipperBundle(join(dir, 'shippers.mjs'), { quiet: true });

/** The sidecar container as the manifest configures it: what users run. */
const MANIFEST = await manifestNodeOptions('k8s/examples/nginx-sidecar/deployment.yaml', [
  'MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_', 'LOGSHIP_BATCH_MAX_DOCS', 'LOGSHIP_BATCH_MAX_BYTES', 'LOGSHIP_MAX_BUFFER_BYTES',
]);
const BOUNDED_HEAP = MANIFEST.nodeOptions;

async function runSidecar(gzip: boolean, nodeOptions = '', from: 'bundle' | 'sources' = 'bundle') {
  const endpoint = await startCountingEndpoint();
  const stateDir = await mkdtemp(join(dir, 'state-'));
  await warmPageCache(file);
  const child = spawn(process.execPath, [CLI, 'sidecar', '--path', file, '--to', endpoint.url, '--state-dir', stateDir,
    gzip ? '--gzip' : '--no-gzip', '--metrics-listen', '127.0.0.1:0', '--log-level', 'warn', '--labels-file', '/nonexistent', '--annotations-file', '/nonexistent'],
  { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...MANIFEST.env, NODE_OPTIONS: nodeOptions, LOGSHIP_BUNDLE: from === 'bundle' ? bundle : '' } });
  const measured = await measureChild(child, () => endpoint.count() >= lines);
  await endpoint.close();
  return measured;
}

/**
 * A peer shipper on the same input into the same counting endpoint, when its path is given:
 * LOGSHIP_BENCH_PEER_RSYSLOGD=/usr/sbin/rsyslogd (imfile → omelasticsearch, bulk mode; it ships the
 * raw line with a timestamp, no nginx parsing — so it does less work than logship does).
 */
async function runRsyslog(rsyslogd: string) {
  const endpoint = await startCountingEndpoint();
  await warmPageCache(file);
  const work = await mkdtemp(join(dir, 'rsyslog-'));
  const port = new URL(endpoint.url).port;
  await writeFile(join(work, 'rsyslog.conf'), rsyslogToElasticsearch({
    workDirectory: work, file, port, index: 'rsyslog-nginx',
    rulesetParameters: 'queue.type="LinkedList" queue.size="100000" queue.dequeueBatchSize="5000"', actionParameters: 'maxbytes="8m"',
  }));
  const child = spawn(rsyslogd, ['-n', '-f', join(work, 'rsyslog.conf'), '-i', join(work, 'rsyslog.pid')], { stdio: ['ignore', 'inherit', 'inherit'] });
  const measured = await measureChild(child, () => endpoint.count() >= lines);
  await endpoint.close();
  return measured;
}

const plain = await runSidecar(false);
const gzipped = await runSidecar(true);
const bounded = await runSidecar(false, BOUNDED_HEAP);
const sources = await runSidecar(false, '', 'sources');
const rsyslogd = process.env.LOGSHIP_BENCH_PEER_RSYSLOGD;
const peer = rsyslogd === undefined || rsyslogd === '' ? undefined : await runRsyslog(rsyslogd);
await rm(dir, { recursive: true, force: true });

const row = (name: string, seconds: number, cpu: number, peak: number | string, peakPrivate: number | string = 'n/a') => ({
  run: name,
  'lines/s': fmt(lines / seconds),
  'MiB/s': fmt(size / MiB / seconds, 1),
  'CPU s/GiB': fmt(cpu / GiB, 1),
  'peak RSS MiB': typeof peak === 'number' ? fmt(peak / MiB, 0) : peak,
  'peak private MiB': typeof peakPrivate === 'number' ? fmt(peakPrivate / MiB, 0) : peakPrivate,
  'vs baseline': `${fmt((lines / seconds) / (baseline.lines / baseline.seconds), 3)}×`,
});
printTable(`sidecar: ${fmt(size / MiB)} MiB, ${fmt(lines)} nginx combined lines → counting _bulk endpoint`, [
  row('raw read-and-split (baseline)', baseline.seconds, baseline.cpuSeconds, 'n/a'),
  row('logship sidecar (bundle, as the image runs it), no gzip, V8\'s default heap', plain.seconds, plain.cpu, plain.peak, plain.peakPrivate),
  row('logship sidecar (bundle), gzip, V8\'s default heap', gzipped.seconds, gzipped.cpu, gzipped.peak, gzipped.peakPrivate),
  row(`logship sidecar (bundle), no gzip, ${BOUNDED_HEAP} as in k8s/`, bounded.seconds, bounded.cpu, bounded.peak, bounded.peakPrivate),
  row('logship sidecar from the TypeScript sources (npm start), no gzip', sources.seconds, sources.cpu, sources.peak, sources.peakPrivate),
  ...(peer === undefined ? [] : [row('peer: rsyslog imfile → omelasticsearch (no parsing)', peer.seconds, peer.cpu, peer.peak, peer.peakPrivate)]),
]);
if (peer === undefined) process.stdout.write('no peer run: set LOGSHIP_BENCH_PEER_RSYSLOGD=/usr/sbin/rsyslogd to race rsyslog on the same input\n');
else process.stdout.write(`logship / rsyslog: ${fmt(peer.seconds / plain.seconds, 2)}× the throughput, ${fmt(plain.cpu / peer.cpu, 2)}× the CPU\n`);
process.stdout.write(`every run with the manifest's ${Object.entries(MANIFEST.env).map(([name, value]) => `${name}=${value}`).join(' ') || '(no tuning variables)'}\n`);
process.stdout.write(`targets: ≥ 365,000 lines/s, ≤ 15 CPU s/GiB, ≤ 100 MiB peak RSS\n`);
process.stdout.write(`BENCH_RESULT ${JSON.stringify({ bench: 'sidecar', bytes: size, lines, baselineLinesPerSec: Math.round(baseline.lines / baseline.seconds), linesPerSec: Math.round(lines / plain.seconds), linesPerSecGzip: Math.round(lines / gzipped.seconds), linesPerCpuSec: Math.round(lines / plain.cpu), peerRsyslogLinesPerSec: peer === undefined ? null : Math.round(lines / peer.seconds), cpuSecPerGiB: +(plain.cpu / GiB).toFixed(1), peakRssMiB: Math.round(plain.peak / MiB), boundedLinesPerSec: Math.round(lines / bounded.seconds), boundedPeakRssMiB: Math.round(bounded.peak / MiB), boundedCpuSecPerGiB: +(bounded.cpu / GiB).toFixed(1), sourcesPeakRssMiB: Math.round(sources.peak / MiB), peakPrivateMiB: Math.round(plain.peakPrivate / MiB), boundedPeakPrivateMiB: Math.round(bounded.peakPrivate / MiB) })}\n`);
