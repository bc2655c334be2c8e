/**
 * pino JSON lines on stdout; one child logger per component (`{ component: 'tail' }`).
 * Nothing logs per record: hot paths count in metrics and use `rateLimited` for samples.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function createLogger(level: LevelWithSilent, program: string): Logger {
  return pino({ level, base: { program }, timestamp: pino.stdTimeFunctions.isoTime });
}

/**
 * Wraps a log call so that it runs at most once per `intervalMs` per key; the calls suppressed in
 * between are counted and reported with the next one, so a flood of the same failure is one line.
 */
export function rateLimited(intervalMs: number): (key: string, log: (suppressed: number) => void) => void {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (key, log) => {
    const now = Date.now();
    const entry = last.get(key);
    if (entry !== undefined && now - entry.at < intervalMs) {
      entry.suppressed++;
      return;
    }
    if (last.size > 1000) last.clear(); // keys are bounded by design; this only guards against a bug
    last.set(key, { at: now, suppressed: 0 });
    log(entry?.suppressed ?? 0);
  };
}
