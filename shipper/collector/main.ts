/**
 * `logship collector`: every container log file on the node → decode → Kubernetes metadata → ship.
 * Wiring only; each stage lives in its own file:
 *
 *   container-resolver.ts   path → which container (docker config.v2.json, CRI path, kubelet links)
 *   ../kube/pod-watcher.ts  this node's pods from the API server (list/watch), into a bounded cache
 *   container-streams.ts    lines → entries (decoder, multiline) → records with kubernetes.* fields
 *   ../runtime.ts           checkpoints, pipeline, sink, ops server (shared with the sidecar)
 */
import { hostname } from 'node:os';
import type { Static } from '../kit/options.ts';
import type { Logger } from '../kit/logger.ts';
import type { Lifecycle } from '../kit/lifecycle.ts';
import { Counter, Gauge } from '../kit/metrics.ts';
import type { collectorCommand } from './config.ts';
import { startShipperRuntime } from '../runtime.ts';
import { createTailer } from '../tail/tailer.ts';
import { compileAccessFormat } from '../parse/nginx-access.ts';
import { createErrorParser } from '../parse/nginx-error.ts';
import { annotationFilter } from '../enrich/kubernetes-pod.ts';
import { createPodCache, type PodCache } from '../enrich/kubernetes-pod-cache.ts';
import { createKubeClient } from '../kube/client.ts';
import { kubeConnection } from '../kube/in-cluster.ts';
import { createPodWatcher, type PodWatcher } from '../kube/pod-watcher.ts';
import { createContainerResolver } from './container-resolver.ts';
import { createContainerStreams } from './container-streams.ts';
import type { StackTraceLanguage } from '../decode/stack-trace-rules.ts';

export type CollectorConfig = Static<typeof collectorCommand.options>;

/** Per-file decoder state of files idle this long (and with nothing pending) is dropped. */
const IDLE_FILE_MS = 10 * 60_000;
/** How often idle files' decoder state, deleted pods and the files gauge are looked after. */
const HOUSEKEEPING_MS = 30_000;
/** Bytes read from a log file at a time (see createTailer below). */
const COLLECTOR_READ_BYTES = 1024 * 1024;

export async function runCollector(config: CollectorConfig, logger: Logger, lifecycle: Lifecycle): Promise<void> {
  const nodeName = config.nodeName !== '' ? config.nodeName : (process.env.NODE_NAME ?? hostname());
  // host.name (set by the shared runtime from NODE_NAME) is this node, also when it was given as --node-name.
  process.env.NODE_NAME ??= nodeName;
  const runtime = await startShipperRuntime('collector', config, logger, lifecycle);
  const selfPod = config.selfPod !== '' ? config.selfPod
    : process.env.POD_NAMESPACE !== undefined && process.env.POD_NAME !== undefined ? `${process.env.POD_NAMESPACE}/${process.env.POD_NAME}` : undefined;
  const keepAnnotation = annotationFilter(config.annotations);
  const skipped = new Counter({ name: 'logship_collector_skipped_total', help: 'Files and bytes not shipped on purpose, by reason.', labelNames: ['reason', 'unit'], registers: [runtime.registry] });
  const filesGauge = new Gauge({ name: 'logship_collector_files', help: 'Container log files with decoder state.', registers: [runtime.registry] });

  const api = await startPodMetadata(config, nodeName, keepAnnotation, logger, lifecycle, runtime.registry);
  const pods = api?.cache;

  const resolver = createContainerResolver({ dockerRoot: config.dockerRoot, podsRoot: config.podsRoot, nonKubernetes: config.nonKubernetes });
  const streams = createContainerStreams({
    resolver,
    pods,
    nodeName,
    keepAnnotation,
    records: {
      namespace: config.namespace,
      accessParser: compileAccessFormat(config.accessFormat),
      errorParser: createErrorParser(config.timeZone !== undefined ? { timeZone: config.timeZone } : process.env.TZ ? { timeZone: process.env.TZ } : {}),
      parseJson: config.parseJson,
      enrich: runtime.commonEnricher,
      commonFields: runtime.commonEnricher({}, { source: '', path: '', text: '', offset: 0, endOffset: 0 }),
    },
    maxBytes: config.maxLineBytes,
    partialTimeoutMs: config.partialTimeout,
    multiline: config.multiline.length === 0 ? undefined : {
      detectors: config.multiline as StackTraceLanguage[],
      maxLines: config.multilineMaxLines,
      timeoutMs: config.multilineTimeout,
    },
    excludeNamespaces: config.excludeNamespaces,
    selfPod,
    ...(api === undefined ? {} : { apiHealthy: () => api.watcher.healthy, podWaitMs: config.podWait }),
    settle: (source, offset, endOffset) => runtime.checkpoints.settle(source, offset, endOffset),
    onSkip: (reason, bytes) => (bytes === 0 ? skipped.inc({ reason, unit: 'files' }) : skipped.inc({ reason, unit: 'bytes' }, bytes)),
  });

  const tailer = createTailer({
    include: [...resolver.include],
    exclude: (path) => !streams.wanted(path),
    readFrom: config.readFrom,
    maxLineBytes: config.maxLineBytes,
    // Whole lines as bytes: most docker lines are copied into their records without a string (container-streams.ts).
    byteLines: true,
    // Reads of 1 MiB rather than the tailer's 256 KiB: each read also re-reads the file's first bytes to
    // check it is still the same file, so a catch-up makes a quarter of the reads and checks (paired runs,
    // 256 MiB: ~6 % less CPU). Lines are still split 16 KiB at a time; a quiet file's small reads touch
    // only the buffer's first pages.
    readChunkBytes: COLLECTOR_READ_BYTES,
    pollIntervalMs: config.pollInterval,
    pollBackoffMaxMs: config.pollBackoffMax,
    scanIntervalMs: config.scanInterval,
    checkpoints: runtime.checkpoints,
    logger,
    registry: runtime.registry,
  });

  const reading = new AbortController();
  let loop: Promise<void> = Promise.resolve();
  let flushing: Promise<void> = Promise.resolve();
  // Partial lines, multiline groups and lines held for their pod's metadata that waited long enough are
  // shipped by a timer. Each of them began with lines read and is due at most the longest of those waits
  // after them, so the timer runs only until then after the last lines (per-file work every half second
  // on a quiet node was part of the collector's idle CPU) and is started again by the next lines.
  const flushEveryMs = Math.max(50, Math.floor(Math.min(config.partialTimeout, config.multilineTimeout) / 2));
  const pendingForMs = Math.max(config.partialTimeout, config.multilineTimeout, api === undefined ? 0 : config.podWait) + 2 * flushEveryMs;
  let linesAt = 0;
  let flushTimer: NodeJS.Timeout | undefined;
  let housekeeping: NodeJS.Timeout | undefined;
  await lifecycle.add({
    name: 'tailer',
    start: async () => {
      await tailer.start();
      loop = shipLines();
      housekeeping = setInterval(() => {
        flushing = flushing.then(keepHouse);
      }, HOUSEKEEPING_MS);
      housekeeping.unref();
    },
    close: async () => {
      clearInterval(flushTimer);
      clearInterval(housekeeping);
      reading.abort();
      await tailer.close();
      await loop;
      await flushing;
    },
  });
  runtime.setReady(undefined);
  logger.info({ dockerRoot: config.dockerRoot, podsRoot: config.podsRoot, node: nodeName, api: pods !== undefined, to: config.to }, 'collector started');

  async function shipLines(): Promise<void> {
    try {
      for await (const lines of tailer.lines(reading.signal)) {
        flushStaleSoon();
        const records = streams.push(lines);
        if (records.length > 0) await runtime.pipeline.push(records);
      }
    } catch (error) {
      if (!reading.signal.aborted) {
        logger.fatal({ err: error }, 'reading stopped unexpectedly');
        void lifecycle.shutdown('reader failure');
      }
    }
  }

  /** Lines were read: stale partial lines and groups are looked for until `pendingForMs` after the last ones. */
  function flushStaleSoon(): void {
    linesAt = Date.now();
    if (flushTimer !== undefined || reading.signal.aborted) return;
    flushTimer = setInterval(() => {
      flushing = flushing.then(flushStale);
      if (Date.now() - linesAt > pendingForMs) {
        // This tick's flush is the last one needed: whatever those lines left pending is due by now.
        clearInterval(flushTimer);
        flushTimer = undefined;
      }
    }, flushEveryMs);
    flushTimer.unref();
  }

  async function flushStale(): Promise<void> {
    if (reading.signal.aborted) return;
    try {
      const records = streams.flushStale();
      if (records.length > 0) await runtime.pipeline.push(records);
    } catch (error) {
      if (!reading.signal.aborted) logger.error({ err: error }, 'shipping stale partial lines failed');
    }
  }

  async function keepHouse(): Promise<void> {
    if (reading.signal.aborted) return;
    try {
      streams.sweep(IDLE_FILE_MS);
      filesGauge.set(streams.files);
      pods?.sweep();
    } catch (error) {
      logger.error({ err: error }, 'housekeeping failed');
    }
  }
}

/** The API watch, when configured and reachable; undefined when metadata comes from paths only. */
async function startPodMetadata(
  config: CollectorConfig,
  nodeName: string,
  keepAnnotation: (key: string) => boolean,
  logger: Logger,
  lifecycle: Lifecycle,
  registry: import('../kit/metrics.ts').Registry,
): Promise<{ cache: PodCache; watcher: PodWatcher } | undefined> {
  if (config.kubeApi === 'off') return undefined;
  const connection = kubeConnection({
    url: config.kubeApiUrl,
    ...(config.kubeTokenFile === undefined ? {} : { tokenFile: config.kubeTokenFile }),
    ...(config.kubeCaFile === undefined ? {} : { caFile: config.kubeCaFile }),
  });
  const log = logger.child({ component: 'kube' });
  if (!connection.ok) {
    log.info({ reason: connection.reason }, 'no Kubernetes API: metadata from log paths and runtime files only');
    return undefined;
  }
  const cache = createPodCache({ deletedGraceMs: config.deletedPodGrace });
  const watcher = createPodWatcher({ client: createKubeClient(connection.options), cache, nodeName, keepAnnotation, logger: log, registry });
  await lifecycle.add({ name: 'kube-pod-watcher', start: async () => watcher.start(), close: () => watcher.close() });
  const synced = await watcher.synced(config.kubeSyncWait);
  if (!synced) log.warn({ server: connection.where, waitedMs: config.kubeSyncWait }, 'pod metadata not synced yet; shipping with path metadata meanwhile');
  return { cache, watcher };
}
