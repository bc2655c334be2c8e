import type { Static } from '../kit/options.ts';
import type { Logger } from '../kit/logger.ts';
import type { Lifecycle } from '../kit/lifecycle.ts';
import type { sidecarCommand } from './config.ts';

export type SidecarConfig = Static<typeof sidecarCommand.options>;

export async function runSidecar(_config: SidecarConfig, _logger: Logger, _lifecycle: Lifecycle): Promise<void> {
  throw new Error('the sidecar is being built');
}
