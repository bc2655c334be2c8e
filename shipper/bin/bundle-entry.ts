/**
 * The shipper bundle's entry point (see bundle.ts): the command line with the sidecar and collector only.
 * shipper/bin/logship.js imports the built bundle and calls this when LOGSHIP_BUNDLE is set.
 */
import { main } from './cli.ts';
import { shipperCommands } from './shipper-commands.ts';

export function runShipperCommand(argv: readonly string[]): Promise<void> {
  return main(argv, shipperCommands);
}
