/**
 * Orderly start and shutdown. Components start in order and close in reverse order; `close` must be
 * idempotent. SIGTERM/SIGINT trigger shutdown, which must finish inside `deadlineMs` or the process
 * exits with code 1 (Kubernetes would SIGKILL it at the end of the grace period anyway).
 */
import type { Logger } from './logger.ts';

export interface Component {
  readonly name: string;
  start?(): Promise<void>;
  close(): Promise<void>;
}

export interface Lifecycle {
  /** Starts a component and registers it for shutdown. */
  add<C extends Component>(component: C): Promise<C>;
  /** Closes everything in reverse order of start; safe to call more than once. */
  shutdown(reason: string): Promise<void>;
  readonly closed: Promise<void>;
}

export function createLifecycle(logger: Logger, { deadlineMs = 10_000, handleSignals = true } = {}): Lifecycle {
  const started: Component[] = [];
  let shuttingDown: Promise<void> | undefined;
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));

  const shutdown = (reason: string): Promise<void> => {
    shuttingDown ??= (async () => {
      logger.info({ reason }, 'shutting down');
      const timer = setTimeout(() => {
        logger.error({ deadlineMs }, 'shutdown deadline passed; exiting');
        process.exit(1);
      }, deadlineMs);
      timer.unref();
      for (const component of [...started].reverse()) {
        try {
          await component.close();
        } catch (error) {
          logger.error({ err: error, component: component.name }, 'component failed to close');
        }
      }
      clearTimeout(timer);
      logger.info('stopped');
      markClosed();
    })();
    return shuttingDown;
  };

  if (handleSignals) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void shutdown(signal));
  }

  return {
    async add(component) {
      await component.start?.();
      started.push(component);
      return component;
    },
    shutdown,
    closed,
  };
}
