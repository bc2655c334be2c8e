/**
 * The composition root: the one place that knows every program. Each command is a spec (its options)
 * and a run function; nothing else in the code base imports across programs.
 */
import type { CommandSpec, TObject } from '../kit/options.ts';
import type { Logger } from '../kit/logger.ts';
import type { Lifecycle } from '../kit/lifecycle.ts';
import { shipperCommands } from './shipper-commands.ts';

export interface Command {
  readonly spec: CommandSpec<TObject>;
  /** Starts the program's components on the lifecycle; resolves once it runs. */
  readonly load: () => Promise<(config: never, logger: Logger, lifecycle: Lifecycle) => Promise<void>>;
}

export const commands: Record<string, Command> = {
  aggregator: {
    spec: (await import('../../aggregator/config.ts')).aggregatorCommand,
    load: async () => (await import('../../aggregator/main.ts')).runAggregator as never,
  },
  ...shipperCommands,
  injector: {
    spec: (await import('../../aggregator/injector/config.ts')).injectorCommand,
    load: async () => (await import('../../aggregator/injector/main.ts')).runInjector as never,
  },
  demo: {
    spec: (await import('../demo/config.ts')).demoCommand,
    load: async () => (await import('../demo/main.ts')).runDemo as never,
  },
};
