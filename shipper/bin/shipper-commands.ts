/**
 * The two node-level agents, sidecar and collector: the commands the shipper bundle holds
 * (shipper/bin/bundle.ts). They run in every pod or on every node, so their memory counts many times over;
 * keeping them apart from the aggregator's code lets the bundle carry only what they need.
 */
import type { Command } from './commands.ts';

export const shipperCommands: Record<string, Command> = {
  sidecar: {
    spec: (await import('../sidecar/config.ts')).sidecarCommand,
    load: async () => (await import('../sidecar/main.ts')).runSidecar as never,
  },
  collector: {
    spec: (await import('../collector/config.ts')).collectorCommand,
    load: async () => (await import('../collector/main.ts')).runCollector as never,
  },
};
