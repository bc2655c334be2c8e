/**
 * Runs the real `logship aggregator` as a child process, for tests that need a real listening server,
 * real restarts and real crashes:
 *
 *   const aggregator = await startAggregator();            // free ports, fresh temp data dir, waits for /readyz and the search page's port
 *   const client = new Client({ node: aggregator.url });
 *   await aggregator.kill();                                // SIGKILL: a crash, nothing flushed on purpose
 *   await aggregator.restart();                             // same data dir and port, waits for /readyz again
 *   await aggregator.stop();                                // SIGTERM, waits for a clean exit
 *   await aggregator.cleanup();                             // stop if running, delete the temp data dir
 *
 * `runAggregatorToExit(args)` runs it with arguments that should make it refuse to start and returns the
 * exit code and output. Children still running when the test process exits are SIGKILLed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from './eventually.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO, 'shipper/bin/logship.js');
/** The CLI needs Node 24; vitest may run under it already, else use the repo's node@24. */
const NODE = Number(process.versions.node.split('.')[0]) >= 24 ? process.execPath : join(REPO, 'node_modules/.bin/node');

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface StartOptions {
  /** Data directory to use (kept by cleanup); default a fresh temp directory (deleted by cleanup). */
  readonly dataDir?: string;
  /** Extra CLI flags, e.g. ['--max-concurrent-bulks', '1']. */
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Time allowed from spawn to /readyz answering 200. */
  readonly readyTimeoutMs?: number;
}

export interface AggregatorProcess {
  /** `http://127.0.0.1:<port>` of the Elasticsearch-compatible API. */
  readonly url: string;
  readonly port: number;
  readonly uiUrl: string;
  readonly dataDir: string;
  readonly pid: () => number | undefined;
  /** Everything the process wrote to stdout and stderr so far (all runs). */
  output(): string;
  /** SIGKILL (default) or another signal; resolves once the process is gone, with its exit code (128 when a signal ended it). */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** Starts again on the same data directory and ports (after kill or stop). */
  restart(): Promise<void>;
  /** Stops if running and removes the data directory if this helper created it. */
  cleanup(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startAggregator(options: StartOptions = {}): Promise<AggregatorProcess> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'logship-aggregator-')));
  const port = await freePort();
  const uiPort = await freePort();
  const args = ['aggregator', '--listen', `127.0.0.1:${port}`, '--ui-listen', `127.0.0.1:${uiPort}`, '--data-dir', dataDir, '--log-level', 'warn', ...(options.args ?? [])];
  let output = '';
  let child: ChildProcess | undefined;
  let exited: Promise<number | null> = Promise.resolve(null);

  const launch = async (): Promise<void> => {
    const spawned = spawn(NODE, [CLI, ...args], { cwd: REPO, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child = spawned;
    running.add(spawned);
    const append = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.length > 1_000_000) output = output.slice(-500_000);
    };
    spawned.stdout?.on('data', append);
    spawned.stderr?.on('data', append);
    let hasExited = false;
    exited = new Promise((resolve) => {
      spawned.once('exit', (code, signal) => {
        hasExited = true;
        running.delete(spawned);
        resolve(code ?? (signal === null ? null : 128));
      });
    });
    await eventually(async () => {
      if (hasExited) throw new StartFailed(`the aggregator exited before it was ready:\n${output}`);
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (response.status !== 200) throw new Error(`/readyz answered ${response.status}`);
      // The search page starts right after the API: wait until its port answers too (any status).
      await fetch(`http://127.0.0.1:${uiPort}/`).then((r) => r.body?.cancel());
    }, { timeoutMs: options.readyTimeoutMs ?? 20_000, intervalMs: 50 }).catch((error: unknown) => {
      if (!hasExited) spawned.kill('SIGKILL');
      throw error instanceof StartFailed ? error : new Error(`the aggregator did not become ready: ${(error as Error).message}\n${output}`);
    });
  };

  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> => {
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill(signal);
    return exited;
  };

  await launch();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    dataDir,
    pid: () => child?.pid,
    output: () => output,
    kill,
    stop: () => kill('SIGTERM'),
    restart: launch,
    async cleanup() {
      await kill('SIGKILL');
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

class StartFailed extends Error {}

/** Runs `logship aggregator <args>` expecting it to exit by itself (e.g. refused configuration). */
export async function runAggregatorToExit(args: readonly string[], timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(NODE, [CLI, 'aggregator', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  running.delete(child);
  return { code, stdout, stderr };
}
