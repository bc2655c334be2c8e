/**
 * The benchmarks' short mode as a smoke test (issue 8): every benchmark runs to the end at a small size and
 * reports its figures. Nothing here judges speed — figures belong in BENCHMARKS.md — only that each
 * benchmark still works and measures something.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NODE } from '../../helpers/logship-process.ts';

const RUNNER = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));
const BENCHES = readdirSync(fileURLToPath(new URL('../../bench/', import.meta.url))).filter((f) => f.endsWith('-bench.ts'));

describe('npm run bench -- --short', () => {
  it('runs every benchmark to the end and each reports positive figures', () => {
    const run = spawnSync(NODE, [RUNNER, '--short'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 280_000 });
    expect(run.status, run.stdout.slice(-3000)).toBe(0);
    const summary = run.stdout.slice(run.stdout.indexOf('=== summary')).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    // The runner exits non-zero if any benchmark failed; these report machine-readable figures too.
    for (const name of ['sidecar', 'collector', 'tail', 'decode', 'nginx-parse']) expect(summary.map((r) => r.bench)).toContain(name);
    for (const file of BENCHES) expect(run.stdout).toContain(`=== ${file}`);
    const sidecar = summary.find((r) => r.bench === 'sidecar')!;
    expect(sidecar.linesPerSec).toBeGreaterThan(0);
    expect(sidecar.baselineLinesPerSec).toBeGreaterThan(sidecar.linesPerSec as number);
  }, 300_000);
});
