/**
 * `npm run bench` runs every benchmark in its own process (so one's heap and JIT state cannot flatter
 * another's) and prints their reports in order. `npm run bench -- --short` is the smoke-test size CI runs.
 * Each benchmark prints a table with its baseline measured in the same run, and a `BENCH_RESULT {json}`
 * line that this runner gathers into the summary at the end.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const short = process.argv.includes('--short') || process.env.BENCH_SHORT === '1';
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const benches = readdirSync(here)
  .filter((f) => f.endsWith('-bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

// The sidecar and collector benches run the shipper bundle (shipper/dist), which nothing else rebuilds: a
// bundle left from another working-tree state would be measured instead of this one. The smoke size, which the
// test suite runs beside tests that load the bundle, leaves it alone (CI builds before testing).
if (!short) {
  const build = spawnSync(process.execPath, [join(here, '../../shipper/bin/bundle.ts')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (build.status !== 0) {
    process.stdout.write(`!! the shipper bundle did not build (exit ${build.status ?? build.signal}); no benchmark ran\n`);
    process.exit(1);
  }
  process.stdout.write(build.stdout);
}

const summary: Array<Record<string, unknown>> = [];
let failed = 0;
for (const file of benches) {
  process.stdout.write(`\n=== ${file}${short ? ' (short)' : ''} ===\n`);
  const result = spawnSync(process.execPath, ['--expose-gc', join(here, file)], {
    env: { ...process.env, BENCH_SHORT: short ? '1' : '0' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const line of (result.stdout ?? '').split('\n')) {
    if (line.startsWith('BENCH_RESULT ')) summary.push(JSON.parse(line.slice('BENCH_RESULT '.length)) as Record<string, unknown>);
    else if (line !== '') process.stdout.write(`${line}\n`);
  }
  if (result.status !== 0) {
    failed++;
    process.stdout.write(`!! ${file} exited with ${result.status ?? result.signal}\n`);
  }
}

process.stdout.write(`\n=== summary (${new Date().toISOString()}, node ${process.version}) ===\n`);
printTargets(summary);
for (const row of summary) process.stdout.write(`${JSON.stringify(row)}\n`);
process.exit(failed === 0 ? 0 : 1);

/** The figures the issues set targets for, next to the target and the same-run baseline where there is one. */
function printTargets(results: ReadonlyArray<Record<string, unknown>>): void {
  const rows: string[][] = [['benchmark', 'figure', 'measured', 'target', 'met', 'same-run baseline']];
  const of = (bench: string) => results.find((r) => r.bench === bench);
  const num = (value: unknown) => (typeof value === 'number' ? value : Number.NaN);
  const add = (bench: string, figure: string, value: unknown, target: number, atLeast: boolean, baseline = '') => {
    const measured = num(value);
    if (Number.isNaN(measured)) return;
    const met = atLeast ? measured >= target : measured <= target;
    rows.push([bench, figure, measured.toLocaleString('en-US'), `${atLeast ? '≥' : '≤'} ${target.toLocaleString('en-US')}`, met ? 'yes' : 'no', baseline]);
  };
  const sidecar = of('sidecar');
  if (sidecar !== undefined) {
    const baseline = `raw read-and-split ${num(sidecar.baselineLinesPerSec).toLocaleString('en-US')} lines/s`;
    add('sidecar', 'lines/s', sidecar.linesPerSec, 365_000, true, baseline);
    add('sidecar', 'lines per CPU-second', sidecar.linesPerCpuSec, 365_000, true);
    add('sidecar', 'CPU s/GiB', sidecar.cpuSecPerGiB, 15, false);
    add('sidecar', 'peak RSS MiB', sidecar.peakRssMiB, 100, false);
    add('sidecar', 'peak RSS MiB, heap bounded as in k8s/', sidecar.boundedPeakRssMiB, 100, false);
    add('sidecar', 'CPU s/GiB, heap bounded as in k8s/', sidecar.boundedCpuSecPerGiB, 15, false);
    // Not the measure (that is RSS), shown beside it: RSS minus the node binary's shared pages.
    for (const [figure, value] of [['peak private MiB (RSS without shared pages)', sidecar.peakPrivateMiB], ['peak private MiB, heap bounded as in k8s/', sidecar.boundedPeakPrivateMiB]] as const) {
      if (typeof value === 'number') rows.push(['sidecar', figure, value.toLocaleString('en-US'), '', '', '']);
    }
    if (typeof sidecar.peerRsyslogLinesPerSec === 'number') rows.push(['sidecar', 'peer rsyslog lines/s (no parsing)', sidecar.peerRsyslogLinesPerSec.toLocaleString('en-US'), '', '', '']);
  }
  const collector = of('collector');
  if (collector !== undefined) {
    add('collector', 'MB/s of log per core', collector.MBpsPerCore, 150, true, `raw read-and-split ${num(collector.baselineMBps).toLocaleString('en-US')} MB/s`);
    // The sustained rate (after the first 10 % of lines; start-up and V8's tiering excluded), next to the whole run's.
    if (typeof collector.steadyMBpsPerCore === 'number') add('collector', 'MB/s of log per core, sustained (after the first 10 %)', collector.steadyMBpsPerCore, 150, true);
    add('collector', 'peak RSS MiB, 500 files', collector.quietPeakRssMiB, 150, false);
    add('collector', 'peak RSS MiB, 500 files, NODE_OPTIONS as in k8s/', collector.quietPeakRssMiBTuned, 150, false);
    // The issue says "near-zero CPU when idle"; 1 % of one core is the line we hold ourselves to.
    add('collector', 'idle CPU %, 500 files', collector.idleCpuPercent, 1, false);
  }
  const store = of('store');
  if (store !== undefined) {
    add('store', 'ingest through _bulk over HTTP, docs/s', store.httpDocsPerSec, 50_000, true);
    add('store', 'ingest through _bulk, docs per aggregator CPU-second', store.httpDocsPerCpuSec, 50_000, true);
    if (typeof store.httpSteadyDocsPerCpuSec === 'number') add('store', 'ingest through _bulk, docs per aggregator CPU-second, sustained (after the first 10 %)', store.httpSteadyDocsPerCpuSec, 50_000, true);
    add('store', 'ingest in process (store.bulk), docs/s', store.docsPerSec, 50_000, true, `JSON.stringify ${num(store.baselineStringifyDocsPerSec).toLocaleString('en-US')} docs/s`);
    // The issue sets these at 10 M documents (STORE_BENCH_DOCS=10000000); the default run is smaller.
    const p99 = (store.p99Ms ?? {}) as Record<string, unknown>;
    const at = `at ${num(store.documents).toLocaleString('en-US')} docs`;
    add('store', `p99 ms, term + 15 min range, ${at}`, p99['term + 15 min range (size 100)'], 300, false);
    add('store', `p99 ms, full text + 24 h histogram, ${at}`, p99['full text + 24 h date_histogram'], 1000, false);
    add('store', `p99 ms, top-10 terms 24 h (url.path), ${at}`, p99['top-10 terms over 24 h (url.path)'], 1000, false);
  }
  if (rows.length === 1) return;
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const [index, row] of rows.entries()) {
    process.stdout.write(`| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |\n`);
    if (index === 0) process.stdout.write(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |\n`);
  }
}
