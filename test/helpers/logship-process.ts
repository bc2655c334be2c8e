/**
 * Runs a real `logship <command>` child process for integration tests: started with flags, stopped with
 * SIGTERM or killed with SIGKILL, restarted with the same flags. Its pino output is kept so a test can
 * assert on what it logged, and its exit is observable.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
export const CLI = fileURLToPath(new URL('../../shipper/bin/logship.js', import.meta.url));

export interface LogshipProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited(): Promise<number | string>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<number | string>;
  /** SIGKILL and wait: a crash at an arbitrary moment. */
  kill(): Promise<number | string>;
}

export function startLogship(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): LogshipProcess {
  const child = spawn(NODE, [CLI, command, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-1_000_000)));
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-1_000_000)));
  const exit = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    output: () => output,
    exited: () => exit,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exit;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exit;
    },
  };
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
