/**
 * `logship <command> [flags]`: reads the command's configuration, stops with exit code 2 listing every
 * problem, or runs the program until it is told to stop.
 *
 * Signals: SIGTERM/SIGINT shut down in order (drain, write checkpoints) and exit. SIGHUP reloads: the
 * configuration is read again (flags, environment, the --config file); if it is valid the program is
 * shut down in order and started again with it — checkpoints make this lose and repeat nothing — and if
 * it is not, the problems are logged and the running program carries on untouched.
 */
import { ConfigurationError, loadConfig, type CommandSpec, type TObject } from '../kit/options.ts';
import { createLogger, type Logger } from '../kit/logger.ts';
import { createLifecycle } from '../kit/lifecycle.ts';
import type { Command } from './commands.ts';

function usage(commands: Record<string, Command>): string {
  return `logship — Kubernetes log shipping to an Elasticsearch-compatible store

Usage: logship <command> [options]     (logship <command> --help for its options)

Commands:
${Object.entries(commands).map(([name, c]) => `  ${name.padEnd(11)} ${c.spec.summary}`).join('\n')}
`;
}

type Signal = 'SIGTERM' | 'SIGINT' | 'SIGHUP';

/** Runs one of `commands` (all of them, from shipper/bin/commands.ts; the agents alone in the bundle). */
export async function main(argv: readonly string[], commands: Record<string, Command>): Promise<void> {
  const USAGE = usage(commands);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`logship: unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    process.exit(2);
  }
  const loaded = loadConfig(command.spec, rest);
  if (loaded.ok === 'help') {
    process.stdout.write(`${loaded.text}\n`);
    return;
  }
  if (loaded.ok === false) {
    process.stderr.write(`logship ${name}: invalid configuration\n${loaded.errors.map((e) => `  ${e}`).join('\n')}\n`);
    process.exit(2);
  }

  const signals = signalQueue();
  const run = await command.load();
  let config = loaded.config as unknown as ProgramConfig;
  let logger = createLogger(config.logLevel, name);
  for (;;) {
    const lifecycle = createLifecycle(logger, { deadlineMs: (config.shutdownTimeout ?? 10_000) + 2_000, handleSignals: false });
    const stopped = lifecycle.closed.then(() => 'stopped' as const);
    try {
      await run(config as never, logger, lifecycle);
    } catch (error) {
      await lifecycle.shutdown('startup failure');
      if (error instanceof ConfigurationError) {
        process.stderr.write(`logship ${name}: invalid configuration\n${error.problems.map((p) => `  ${p}`).join('\n')}\n`);
        process.exit(2);
      }
      logger.fatal({ err: error }, 'failed to start');
      process.exit(1);
    }
    let reloaded: ProgramConfig | undefined;
    while (reloaded === undefined) {
      const event = await Promise.race([signals.next(), stopped]);
      if (event === 'stopped') process.exit(0); // the program stopped itself (e.g. a fatal reader error)
      if (event !== 'SIGHUP') {
        await lifecycle.shutdown(event);
        process.exit(0);
      }
      reloaded = reloadConfig(command.spec, rest, logger);
    }
    await lifecycle.shutdown('SIGHUP: configuration reloaded');
    config = reloaded;
    logger = createLogger(config.logLevel, name);
    logger.info('restarting with the reloaded configuration');
  }
}

interface ProgramConfig {
  logLevel: 'info';
  shutdownTimeout?: number;
}

function reloadConfig(spec: CommandSpec<TObject>, argv: readonly string[], logger: Logger): ProgramConfig | undefined {
  const loaded = loadConfig(spec, argv);
  if (loaded.ok === true) return loaded.config as unknown as ProgramConfig;
  logger.error({ errors: loaded.ok === false ? loaded.errors : [] }, 'SIGHUP: the new configuration is invalid; keeping the running one');
  return undefined;
}

/** Signals as a queue, so one arriving while the program restarts is not lost. */
function signalQueue(): { next(): Promise<Signal> } {
  const queued: Signal[] = [];
  const waiting: Array<(signal: Signal) => void> = [];
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(signal, () => {
      const waiter = waiting.shift();
      if (waiter === undefined) queued.push(signal);
      else waiter(signal);
    });
  }
  return {
    next: () => {
      const signal = queued.shift();
      return signal === undefined ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve(signal);
    },
  };
}
