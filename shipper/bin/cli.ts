/**
 * `logship <command> [flags]`: reads the command's configuration, stops with exit code 2 listing every
 * problem, or runs the program until it is told to stop.
 */
import { loadConfig } from '../kit/options.ts';
import { createLogger } from '../kit/logger.ts';
import { createLifecycle } from '../kit/lifecycle.ts';
import { commands } from './commands.ts';

const USAGE = `logship — Kubernetes log shipping to an Elasticsearch-compatible store

Usage: logship <command> [options]     (logship <command> --help for its options)

Commands:
${Object.entries(commands).map(([name, c]) => `  ${name.padEnd(11)} ${c.spec.summary}`).join('\n')}
`;

export async function main(argv: readonly string[]): Promise<void> {
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
  const config = loaded.config as { logLevel: 'info' };
  const logger = createLogger(config.logLevel, name);
  const lifecycle = createLifecycle(logger, { deadlineMs: Number((config as { shutdownTimeout?: number }).shutdownTimeout ?? 10_000) + 2_000 });
  const run = await command.load();
  try {
    await run(config as never, logger, lifecycle);
  } catch (error) {
    logger.fatal({ err: error }, 'failed to start');
    await lifecycle.shutdown('startup failure');
    process.exit(1);
  }
  await lifecycle.closed;
  process.exit(0);
}
