/**
 * Defaults bind to loopback; listening anywhere else without authentication is refused unless the
 * operator says `--insecure` explicitly (CONVENTIONS.md). The search page reads through the API with the
 * visitor's own credentials, so the same rule covers `--ui-listen`: open only on loopback, unless auth is on.
 */
import { isLoopback } from '../../shipper/kit/ops-server.ts';

export interface ListenSettings {
  readonly listen: string;
  readonly uiListen: string;
  readonly insecure: boolean;
}

/** One message per refused address, each naming its option; empty when starting is safe. */
export function listenProblems(settings: ListenSettings, authConfigured: boolean): string[] {
  if (settings.insecure) return [];
  const problems: string[] = [];
  if (!authConfigured && !isLoopback(settings.listen)) {
    problems.push(`--listen: refusing to serve the Elasticsearch API on ${settings.listen} (not loopback) without authentication; give --auth-file, or --insecure to accept the risk`);
  }
  if (!authConfigured && !isLoopback(settings.uiListen)) {
    problems.push(`--ui-listen: refusing to serve the search page on ${settings.uiListen} (not loopback) without authentication; give --auth-file, or --insecure to accept the risk`);
  }
  return problems;
}
