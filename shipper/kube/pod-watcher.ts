/**
 * Keeps a PodCache in step with the pods scheduled on this node, the way client-go's reflector does:
 *
 *   list  (fieldSelector=spec.nodeName=<node>, in pages of `pageSize`)  → replace the cache, remember resourceVersion
 *   watch (resourceVersion=<rv>, allowWatchBookmarks=true)               → apply ADDED / MODIFIED / DELETED,
 *                                                                         follow BOOKMARK resourceVersions
 *   the server ends the watch (timeoutSeconds)  → watch again from the last resourceVersion
 *   410 Gone (HTTP status or an ERROR event)    → list again
 *   any other failure                            → back off (exponential, full jitter), then resume
 *
 * The API server is never on the shipping path: while it is unreachable the cache keeps what it had,
 * and records fall back to what the log path and the runtime's files say.
 */
import type { Logger } from '../kit/logger.ts';
import { Counter, Gauge, type Registry } from '../kit/metrics.ts';
import { KubeApiError, type KubeClient } from './client.ts';
import { podMetaFromApi, type AnnotationFilter, type PodMeta } from '../enrich/kubernetes-pod.ts';
import type { PodCache } from '../enrich/kubernetes-pod-cache.ts';
import { pause } from '../retry-backoff.ts';

export interface PodWatcherOptions {
  readonly client: KubeClient;
  readonly cache: PodCache;
  readonly nodeName: string;
  readonly keepAnnotation: AnnotationFilter;
  readonly logger: Logger;
  readonly registry?: Registry;
  /** Items per list page (default 500). */
  readonly pageSize?: number;
  /** Server-side watch timeout (default 300 s, randomised up to twice that like client-go). */
  readonly watchTimeoutSeconds?: number;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export interface PodWatcher {
  start(): void;
  /** Resolves after the first successful list (true), or false when `timeoutMs` passes first. */
  synced(timeoutMs: number): Promise<boolean>;
  /** True once a list succeeded and no failure happened since. */
  readonly healthy: boolean;
  close(): Promise<void>;
}

interface PodList {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: unknown[];
}

interface WatchEvent {
  type?: string;
  object?: { metadata?: { uid?: string; resourceVersion?: string }; code?: number; reason?: string; message?: string };
}

class Gone extends Error {}

export function createPodWatcher(options: PodWatcherOptions): PodWatcher {
  const { client, cache, logger } = options;
  const pageSize = options.pageSize ?? 500;
  const watchTimeout = options.watchTimeoutSeconds ?? 300;
  const minBackoff = options.minBackoffMs ?? 500;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  const selector = `fieldSelector=${encodeURIComponent(`spec.nodeName=${options.nodeName}`)}`;
  const abort = new AbortController();
  const metrics = createMetrics(options.registry);
  let resourceVersion: string | undefined;
  let healthy = false;
  let failures = 0;
  let running: Promise<void> | undefined;
  let markSynced!: () => void;
  const firstSync = new Promise<void>((resolve) => (markSynced = resolve));

  const list = async (): Promise<void> => {
    const pods: PodMeta[] = [];
    let next: string | undefined;
    let version: string | undefined;
    do {
      const page = await client.getJson<PodList>(
        `/api/v1/pods?${selector}&limit=${pageSize}${next === undefined ? '' : `&continue=${encodeURIComponent(next)}`}`,
        abort.signal,
      );
      for (const item of page.items ?? []) {
        const pod = podMetaFromApi(item, options.keepAnnotation);
        if (pod !== undefined) pods.push(pod);
      }
      version = page.metadata?.resourceVersion;
      next = page.metadata?.continue === '' ? undefined : page.metadata?.continue;
    } while (next !== undefined);
    cache.replaceAll(pods);
    resourceVersion = version;
    metrics.lists.inc();
    metrics.pods.set(cache.liveSize);
  };

  /** Watches until the server ends the response; returns the number of events seen. */
  const watch = async (): Promise<number> => {
    let seen = 0;
    const timeoutSeconds = Math.round(watchTimeout * (1 + Math.random()));
    const path = `/api/v1/pods?${selector}&watch=true&allowWatchBookmarks=true&timeoutSeconds=${timeoutSeconds}` +
      (resourceVersion === undefined ? '' : `&resourceVersion=${encodeURIComponent(resourceVersion)}`);
    for await (const raw of client.watch(path, abort.signal, (timeoutSeconds + 60) * 1000)) {
      const event = raw as WatchEvent;
      seen++;
      metrics.events.inc({ type: event.type ?? 'unknown' });
      const object = event.object;
      if (event.type !== 'ERROR' && !healthy) {
        healthy = true;
        metrics.up.set(1);
        logger.info('kubernetes API reachable again; watch resumed');
      }
      if (event.type === 'ERROR') {
        if (object?.code === 410) throw new Gone(object.message ?? 'resource version too old');
        throw new KubeApiError(object?.code ?? 500, object?.reason, `watch error event: ${object?.message ?? 'unknown'}`);
      }
      const version = object?.metadata?.resourceVersion;
      if (event.type === 'ADDED' || event.type === 'MODIFIED') {
        const pod = podMetaFromApi(object, options.keepAnnotation);
        if (pod !== undefined) cache.upsert(pod);
      } else if (event.type === 'DELETED') {
        const uid = object?.metadata?.uid;
        if (uid !== undefined) cache.delete(uid);
      }
      if (version !== undefined) resourceVersion = version;
      metrics.pods.set(cache.liveSize);
      failures = 0;
    }
    return seen;
  };

  const loop = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      try {
        if (resourceVersion === undefined) {
          await list();
          if (!healthy) logger.info({ pods: cache.liveSize, node: options.nodeName }, 'kubernetes pod metadata synced');
          healthy = true;
          metrics.up.set(1);
          markSynced();
        }
        const began = Date.now();
        const events = await watch();
        // A watch the server ends at once, with nothing in it, must not turn into a busy loop.
        if (events === 0 && Date.now() - began < 1000) await pause(minBackoff, abort.signal);
      } catch (error) {
        if (abort.signal.aborted) return;
        if (error instanceof Gone || (error instanceof KubeApiError && error.status === 410)) {
          logger.info('kubernetes watch expired (410 Gone); listing pods again');
          metrics.relists.inc();
          resourceVersion = undefined;
          continue;
        }
        failures++;
        if (healthy || failures === 1) {
          logger.warn({ err: error, failures }, 'kubernetes API unavailable; records carry path metadata until it is back');
        }
        healthy = false;
        metrics.up.set(0);
        metrics.failures.inc();
        const ceiling = Math.min(maxBackoff, minBackoff * 2 ** Math.min(failures - 1, 20));
        await pause(Math.max(50, Math.random() * ceiling), abort.signal);
      }
    }
  };

  return {
    start() {
      running ??= loop();
    },
    async synced(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const result = await Promise.race([firstSync.then(() => true as const), timeout]);
      clearTimeout(timer);
      return result;
    },
    get healthy() {
      return healthy;
    },
    async close() {
      abort.abort();
      await running;
    },
  };
}

function createMetrics(registry: Registry | undefined) {
  const registers = registry === undefined ? [] : [registry];
  return {
    lists: new Counter({ name: 'logship_kube_pod_lists_total', help: 'Full lists of the pods on this node.', registers }),
    relists: new Counter({ name: 'logship_kube_watch_expired_total', help: 'Watches that ended in 410 Gone and forced a relist.', registers }),
    failures: new Counter({ name: 'logship_kube_api_failures_total', help: 'Failed list or watch calls to the Kubernetes API.', registers }),
    events: new Counter({ name: 'logship_kube_watch_events_total', help: 'Pod watch events received, by type.', labelNames: ['type'], registers }),
    pods: new Gauge({ name: 'logship_kube_pods', help: 'Live pods of this node in the metadata cache.', registers }),
    up: new Gauge({ name: 'logship_kube_api_up', help: '1 while the pod list/watch works, 0 while it fails.', registers }),
  };
}
