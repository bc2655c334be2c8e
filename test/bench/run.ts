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
for (const row of summary) process.stdout.write(`${JSON.stringify(row)}\n`);
process.exit(failed === 0 ? 0 : 1);
