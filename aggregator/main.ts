/**
 * `logship aggregator`: opens the store, builds the Elasticsearch-compatible API on it, listens on
 * `--listen`, and serves the search page on `--ui-listen`. Wiring only; each piece lives in its own file.
 * Shutdown (lifecycle, reverse order): the search page, then the API (draining requests in flight), then
 * the store.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { ConfigurationError, type Static } from '../shipper/kit/options.ts';
import type { Logger } from '../shipper/kit/logger.ts';
import type { Lifecycle } from '../shipper/kit/lifecycle.ts';
import { createRegistry } from '../shipper/kit/metrics.ts';
import { splitListen } from '../shipper/kit/ops-server.ts';
import type { aggregatorCommand } from './config.ts';
import type { Registry } from 'prom-client';
import type { Store } from './store/types.ts';
import { openEmbeddedStore } from './store/index.ts';
import { StoreFormatError } from './store/format.ts';
import { openForwardingStore } from './forward/index.ts';
import { buildApp } from './app.ts';
import { loadCredentials, CredentialsError, type Credentials } from './auth/credentials.ts';
import { listenProblems } from './auth/listen-policy.ts';
import { registerUi } from './routes/ui.ts';

export type AggregatorConfig = Static<typeof aggregatorCommand.options>;

export async function runAggregator(config: AggregatorConfig, logger: Logger, lifecycle: Lifecycle): Promise<void> {
  const credentials = readCredentials(config);
  const refused = listenProblems(config, credentials !== undefined);
  if (refused.length > 0) exitWithConfigurationErrors(refused);

  const registry = createRegistry('aggregator');
  const store = await openStore(config, logger, registry);
  await lifecycle.add({ name: 'store', close: () => store.close() });

  let publishAddress = config.listen;
  const api = buildApp({
    store,
    logger,
    registry,
    clusterUuid: clusterUuidFor(config.dataDir),
    esVersion: config.esVersion,
    clusterName: config.clusterName,
    nodeName: hostname(),
    maxBodyBytes: config.maxBodyBytes,
    requestTimeoutMs: config.requestTimeout,
    maxConcurrentBulks: config.maxConcurrentBulks,
    ...(credentials === undefined ? {} : { credentials }),
    publishAddress: () => publishAddress,
  });
  await lifecycle.add({
    name: 'api',
    async start() {
      await api.listen(splitListen(config.listen));
      publishAddress = reachableAddress(api, config.listen);
    },
    close: () => api.close(),
  });

  // Hook for the search page: its own server, given the API app to read through.
  const ui: FastifyInstance = Fastify({ loggerInstance: logger.child({ component: 'ui' }) as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) });
  await registerUi(ui, { apiApp: api });
  await lifecycle.add({
    name: 'ui',
    async start() {
      await ui.listen(splitListen(config.uiListen));
    },
    close: () => ui.close(),
  });

  logger.info({ api: `http://${publishAddress}`, ui: `http://${reachableAddress(ui, config.uiListen)}`, auth: credentials !== undefined, dataDir: config.dataDir }, 'aggregator listening');
}

/** The embedded store, or with `--forward-to` a real cluster behind a durable queue in the data directory. */
function openStore(config: AggregatorConfig, logger: Logger, registry: Registry): Promise<Store> {
  if (config.forwardTo !== undefined) {
    return openForwardingStore({
      url: config.forwardTo,
      dataDir: config.dataDir,
      logger,
      registry,
      maxQueueBytes: config.forwardMaxQueueBytes,
      requestTimeoutMs: config.requestTimeout,
      ...(config.forwardUsername === undefined ? {} : { username: config.forwardUsername }),
      ...(config.forwardPassword === undefined ? {} : { password: config.forwardPassword }),
      ...(config.forwardApiKey === undefined ? {} : { apiKey: config.forwardApiKey }),
      ...(config.forwardCaFile === undefined ? {} : { caFile: config.forwardCaFile }),
    });
  }
  return openEmbeddedStore({
    dataDir: config.dataDir,
    logger,
    registry,
    ...(config.retention === undefined ? {} : { retentionMs: config.retention }),
    ...(config.maxDiskBytes === undefined ? {} : { maxDiskBytes: config.maxDiskBytes }),
  }).catch((error: unknown) => {
    if (error instanceof StoreFormatError) exitWithConfigurationErrors([`--data-dir: ${error.message}`]);
    throw error;
  });
}

function readCredentials(config: AggregatorConfig): Credentials | undefined {
  if (config.authFile === undefined) return undefined;
  try {
    return loadCredentials(config.authFile);
  } catch (error) {
    if (error instanceof CredentialsError) exitWithConfigurationErrors(error.problems.map((problem) => `--auth-file: ${config.authFile}: ${problem}`));
    throw error;
  }
}

/** Reported by the CLI like its own configuration errors (CONVENTIONS.md: every problem, exit code 2). */
function exitWithConfigurationErrors(problems: readonly string[]): never {
  throw new ConfigurationError(problems);
}

/** A stable 22-character id per data directory, so the cluster keeps its identity across restarts. */
export function clusterUuidFor(dataDir: string): string {
  return createHash('sha256').update(resolve(dataDir)).digest('base64url').slice(0, 22);
}

function reachableAddress(app: FastifyInstance, listen: string): string {
  const address = app.server.address();
  const { host } = splitListen(listen);
  const port = typeof address === 'object' && address !== null ? address.port : splitListen(listen).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? hostname() : host.includes(':') ? `[${host}]` : host;
  return `${shownHost}:${port}`;
}
