/**
 * The pods of this node, as the API server last described them, keyed by uid (every log path and every
 * docker label carries the uid). A deleted pod is kept for `deletedGraceMs` (at least a minute), so the
 * last lines its containers wrote — read after the deletion — are still tagged. The size is bounded:
 * past `maxPods`, the pods deleted longest ago go first, and live pods are never evicted for deleted ones.
 */

import type { PodMeta } from './kubernetes-pod.ts';

export interface PodCache {
  get(uid: string): PodMeta | undefined;
  upsert(pod: PodMeta): void;
  /** Marks a pod deleted; it stays readable for the grace period. */
  delete(uid: string): void;
  /** A full relist: pods absent from `pods` are marked deleted (not dropped at once). */
  replaceAll(pods: readonly PodMeta[]): void;
  /** Drops deleted pods whose grace has passed. Called by the owner on a timer; cheap. */
  sweep(): void;
  /** Increases whenever any pod changes: lets callers memoise what they derived from the cache. */
  readonly version: number;
  readonly size: number;
  readonly liveSize: number;
}

export interface PodCacheOptions {
  /** How long a deleted pod stays readable (default 5 minutes; never below one minute). */
  readonly deletedGraceMs?: number;
  /** Upper bound on pods kept, live and deleted together (default 20 000). */
  readonly maxPods?: number;
  readonly now?: () => number;
}

interface Entry {
  pod: PodMeta;
  deletedAt: number | undefined;
}

export function createPodCache(options: PodCacheOptions = {}): PodCache {
  const graceMs = Math.max(60_000, options.deletedGraceMs ?? 300_000);
  const maxPods = Math.max(1, options.maxPods ?? 20_000);
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  /** Uids of deleted pods in the order they were deleted (oldest first). */
  const deletedOrder = new Map<string, number>();
  let version = 0;
  let live = 0;

  const markDeleted = (uid: string, at: number): void => {
    const entry = entries.get(uid);
    if (entry === undefined || entry.deletedAt !== undefined) return;
    entry.deletedAt = at;
    live--;
    deletedOrder.set(uid, at);
    version++;
  };

  const enforceBound = (): void => {
    for (const uid of deletedOrder.keys()) {
      if (entries.size <= maxPods) return;
      deletedOrder.delete(uid);
      entries.delete(uid);
    }
  };

  return {
    get(uid) {
      return entries.get(uid)?.pod;
    },
    upsert(pod) {
      const entry = entries.get(pod.uid);
      if (entry === undefined) {
        entries.set(pod.uid, { pod, deletedAt: undefined });
        live++;
      } else {
        entry.pod = pod;
        if (entry.deletedAt !== undefined) {
          entry.deletedAt = undefined;
          deletedOrder.delete(pod.uid);
          live++;
        }
      }
      version++;
      enforceBound();
    },
    delete(uid) {
      markDeleted(uid, now());
    },
    replaceAll(pods) {
      const seen = new Set<string>();
      for (const pod of pods) {
        seen.add(pod.uid);
        this.upsert(pod);
      }
      const at = now();
      for (const [uid, entry] of entries) if (entry.deletedAt === undefined && !seen.has(uid)) markDeleted(uid, at);
      enforceBound();
    },
    sweep() {
      const cutoff = now() - graceMs;
      for (const [uid, at] of deletedOrder) {
        if (at > cutoff) break;
        deletedOrder.delete(uid);
        entries.delete(uid);
        version++;
      }
    },
    get version() {
      return version;
    },
    get size() {
      return entries.size;
    },
    get liveSize() {
      return live;
    },
  };
}
