/**
 * Shared pieces of the benchmarks: realistic input files, the raw read-and-split baseline every figure is
 * compared with, and CPU / peak-RSS readings of a child process from /proc.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { accessLine, seededRandom } from '../../shipper/demo/nginx-lines.ts';

export const SHORT = process.env.BENCH_SHORT === '1';
export const MiB = 1024 * 1024;

/** Writes nginx combined lines until the file holds about `targetBytes`; returns the line count. */
export async function writeNginxFile(path: string, targetBytes: number): Promise<number> {
  const random = seededRandom(42);
  const start = Date.parse('2026-11-23T00:00:00Z');
  const block: string[] = [];
  for (let i = 0; i < 20_000; i++) block.push(accessLine(random, new Date(start + i * 50)));
  const text = `${block.join('\n')}\n`;
  const blockBytes = Buffer.byteLength(text);
  const out = createWriteStream(path);
  let written = 0;
  let lines = 0;
  while (written + blockBytes <= Math.max(targetBytes, blockBytes)) {
    if (!out.write(text)) await once(out, 'drain');
    written += blockBytes;
    lines += block.length;
  }
  out.end();
  await once(out, 'finish');
  return lines;
}

/** The floor: read the file in big chunks and find every newline, producing nothing. */
export async function rawReadAndSplit(path: string): Promise<{ lines: number; seconds: number; cpuSeconds: number }> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  let lines = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: MiB })) {
    const buffer = chunk as Buffer;
    for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) lines++;
  }
  const used = process.cpuUsage(cpu);
  return { lines, seconds: (performance.now() - t0) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
}

/**
 * Reads a file once, discarding it, so that the shipper measured next finds it in the page cache: this
 * VM gives unused file cache back, and a shipper reading from disk was charged up to 0.4 CPU-s per 256 MiB
 * that had nothing to do with its own work.
 */
export async function warmPageCache(path: string): Promise<void> {
  for await (const chunk of createReadStream(path, { highWaterMark: MiB })) void chunk;
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime in clock ticks (USER_HZ = 100)
}

/** Peak resident set size of a process in bytes (VmHWM). */
export async function processPeakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match === null ? 0 : Number(match[1]) * 1024;
}

/**
 * Memory only this process holds (private pages: its heap, buffers, native allocations), in bytes.
 * RSS also counts the shared, read-only pages of the node binary and its data (about 45–60 MiB), which
 * every process started from the same image file shares through the page cache.
 */
export async function processPrivateMemory(pid: number): Promise<number> {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  let bytes = 0;
  for (const match of rollup.matchAll(/^Private_(?:Clean|Dirty):\s+(\d+) kB/gm)) bytes += Number(match[1]) * 1024;
  return bytes;
}

/**
 * The NODE_OPTIONS a manifest under k8s/ sets for its shipper container: the bench measures what users run.
 * With `envNames`, also the other variables of those names the manifest sets to a literal value (the
 * allocator's and the shipper's own tuning, e.g. `MALLOC_ARENA_MAX`, `LOGSHIP_MAX_BUFFER_BYTES`).
 */
export async function manifestNodeOptions(relativePath: string): Promise<string>;
export async function manifestNodeOptions(relativePath: string, envNames: readonly string[]): Promise<{ nodeOptions: string; env: Record<string, string> }>;
export async function manifestNodeOptions(relativePath: string, envNames?: readonly string[]): Promise<string | { nodeOptions: string; env: Record<string, string> }> {
  const text = await readFile(new URL(`../../${relativePath}`, import.meta.url), 'utf8');
  const match = /- name: NODE_OPTIONS\s+value: (.+)/.exec(text);
  if (match === null) throw new Error(`${relativePath} sets no NODE_OPTIONS`);
  const nodeOptions = match[1]!.trim();
  if (envNames === undefined) return nodeOptions;
  const env: Record<string, string> = {};
  for (const [, name, value] of text.matchAll(/- name: (\w+)\s+value: (.+)/g)) {
    // YAML quoting as the manifests use it: 'single' or "double", or plain.
    if (envNames.includes(name!)) env[name!] = value!.trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return { nodeOptions, env };
}

export function printTable(title: string, rows: Array<Record<string, string | number>>): void {
  const columns = Object.keys(rows[0] ?? {});
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write(`\n${title}\n${line(columns)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const row of rows) process.stdout.write(`${line(columns.map((c) => String(row[c])))}\n`);
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/**
 * Polls a child process until `done()` says the endpoint has everything, keeping its peak RSS (the
 * kernel's high-water mark), its peak private memory (sampled every 100 ms) and CPU seconds; throws if
 * the child dies first.
 */
export async function measureChild(child: import('node:child_process').ChildProcess, done: () => boolean): Promise<{ seconds: number; cpu: number; peak: number; peakPrivate: number }> {
  const t0 = performance.now();
  let peak = 0;
  let peakPrivate = 0;
  let cpu = 0;
  while (!done()) {
    if (child.exitCode !== null) throw new Error(`${child.spawnfile} exited with ${child.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    peak = Math.max(peak, await processPeakRss(child.pid!));
    peakPrivate = Math.max(peakPrivate, await processPrivateMemory(child.pid!).catch(() => 0));
    cpu = await processCpuSeconds(child.pid!);
  }
  const seconds = (performance.now() - t0) / 1000;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  return { seconds, cpu, peak, peakPrivate };
}
