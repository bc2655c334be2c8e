import type { Static } from '../kit/options.ts';
import type { Logger } from '../kit/logger.ts';
import type { Lifecycle } from '../kit/lifecycle.ts';
import type { collectorCommand } from './config.ts';

export type CollectorConfig = Static<typeof collectorCommand.options>;

export async function runCollector(_config: CollectorConfig, _logger: Logger, _lifecycle: Lifecycle): Promise<void> {
  throw new Error('the collector is being built');
}
