/**
 * What the sidecar and the collector share: checkpoints, the Elasticsearch sink, the delivery pipeline,
 * the ops server (/metrics, /healthz, /readyz) and a stats line a minute — registered on the lifecycle
 * so that shutdown runs in reverse: stop reading, drain the pipeline, close the sink, write checkpoints.
 */
import { hostname } from 'node:os';
import packageJson from '../package.json' with { type: 'json' };
import type { Static } from '@sinclair/typebox';
import type { Logger } from './kit/logger.ts';
import type { Lifecycle } from './kit/lifecycle.ts';
import { Counter, createRegistry, type Registry } from './kit/metrics.ts';
import { createOpsServer } from './kit/ops-server.ts';
import { Type } from './kit/options.ts';
import { shipperOptions } from './kit/common-options.ts';
import { createCheckpointStore, type CheckpointStore } from './checkpoint.ts';
import { createElasticsearchSink } from './sink/elasticsearch.ts';
import { createPipeline, type Pipeline } from './pipeline.ts';
import { deadLetterIndexName } from './dead-letter.ts';
import { agentFieldsEnricher, staticTagsEnricher } from './enrich/static-tags.ts';
import type { Enricher } from './record.ts';

export const shipperSchema = Type.Object(shipperOptions);
export type ShipperConfig = Static<typeof shipperSchema>;

export interface ShipperRuntime {
  readonly registry: Registry;
  readonly checkpoints: CheckpointStore;
  readonly pipeline: Pipeline;
  /** host.name, agent.*, and the --tag fields: applied to every record. */
  readonly commonEnricher: Enricher;
  /** Set to false while a program is not able to ship (e.g. before its first scan). */
  setReady(reason: string | undefined): void;
}

// Imported rather than read at run time so that the shipper bundle (shipper/bin/bundle.ts) carries it.
export const AGENT_VERSION: string = packageJson.version;

export async function startShipperRuntime(program: 'sidecar' | 'collector', config: ShipperConfig, logger: Logger, lifecycle: Lifecycle): Promise<ShipperRuntime> {
  const registry = createRegistry(program);
  const checkpoints = createCheckpointStore({ dir: config.stateDir, logger: logger.child({ component: 'checkpoint' }), registry });
  await lifecycle.add({ name: 'checkpoints', start: () => checkpoints.load(), close: () => checkpoints.close() });

  const detailRequests = new Counter({
    name: 'logship_bulk_detail_requests_total',
    help: 'Bulk bodies sent again to learn each item\'s verdict, after an answer said errors without them.',
    registers: [registry],
  });
  const sink = createElasticsearchSink({
    url: config.to,
    username: config.username,
    password: config.password,
    apiKey: config.apiKey,
    caFile: config.caFile,
    insecureSkipVerify: config.insecureSkipVerify,
    gzip: config.gzip,
    maxInFlight: config.maxInFlight,
    userAgent: `logship/${AGENT_VERSION}`,
    onDetailRequest: () => detailRequests.inc(),
  });
  await lifecycle.add({ name: 'sink', close: () => sink.close() });

  const pipeline = createPipeline({
    sink,
    checkpoints,
    logger,
    registry,
    batchMaxDocs: config.batchMaxDocs,
    batchMaxBytes: config.batchMaxBytes,
    batchMaxWaitMs: config.batchMaxWait,
    maxInFlight: config.maxInFlight,
    maxBufferBytes: config.maxBufferBytes,
    retryMaxBackoffMs: config.retryMaxBackoff,
    deadLetterIndex: deadLetterIndexName(config.namespace),
    closeTimeoutMs: Math.max(100, config.shutdownTimeout - 1_000),
  });
  await lifecycle.add(pipeline);

  let notReady: string | undefined = 'starting';
  await lifecycle.add(createOpsServer(config.metricsListen, registry, () => notReady));
  await lifecycle.add(startStatsLine(registry, logger));

  const agent = agentFieldsEnricher({ hostName: process.env.NODE_NAME ?? hostname(), version: AGENT_VERSION });
  const tags = staticTagsEnricher(config.tag);
  return {
    registry,
    checkpoints,
    pipeline,
    commonEnricher: (record, line) => tags(agent(record, line), line),
    setReady: (reason) => (notReady = reason),
  };
}

/** One info line a minute with the totals that tell whether shipping keeps up; never per record. */
function startStatsLine(registry: Registry, logger: Logger) {
  const log = logger.child({ component: 'stats' });
  const timer = setInterval(async () => {
    const metrics = await registry.getMetricsAsJSON();
    const total = (name: string): number => metrics.find((m) => m.name === name)?.values.reduce((sum, v) => sum + Number(v.value), 0) ?? 0;
    log.info({
      shipped: total('logship_records_shipped_total'),
      deadLettered: total('logship_records_dead_lettered_total'),
      retried: total('logship_records_retried_total'),
      bufferBytes: total('logship_buffer_bytes'),
      linesRead: total('logship_tail_lines_total'),
    }, 'stats');
  }, 60_000);
  timer.unref();
  return { name: 'stats', close: async () => clearInterval(timer) };
}
