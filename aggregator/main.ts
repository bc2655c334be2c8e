import type { Static } from '../shipper/kit/options.ts';
import type { Logger } from '../shipper/kit/logger.ts';
import type { Lifecycle } from '../shipper/kit/lifecycle.ts';
import type { aggregatorCommand } from './config.ts';

export type AggregatorConfig = Static<typeof aggregatorCommand.options>;

export async function runAggregator(_config: AggregatorConfig, _logger: Logger, _lifecycle: Lifecycle): Promise<void> {
  throw new Error('the aggregator is being built');
}
