import type { Static } from '../kit/options.ts';
import type { Logger } from '../kit/logger.ts';
import type { Lifecycle } from '../kit/lifecycle.ts';
import type { demoCommand } from './config.ts';

export type DemoConfig = Static<typeof demoCommand.options>;

export async function runDemo(_config: DemoConfig, _logger: Logger, _lifecycle: Lifecycle): Promise<void> {
  throw new Error('the demo is being built');
}
