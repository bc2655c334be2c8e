/**
 * The compact form of a Pod that the collector keeps: what records are tagged with, nothing more, so a
 * node with thousands of pods stays small (a full Pod object is 5–20 KB of JSON; this is a few hundred
 * bytes). Built from the API server's Pod JSON. Pure.
 */

export interface PodOwner {
  /** `Deployment`, `StatefulSet`, `DaemonSet`, `Job`, `ReplicaSet`, `CronJob`, or another controller kind. */
  readonly kind: string;
  readonly name: string;
}

export interface PodContainer {
  readonly image: string | undefined;
  /** Container ids this container has had (current first), without the `<runtime>://` prefix. */
  readonly ids: readonly string[];
  /** `docker`, `containerd`, `cri-o` — from `containerID`'s scheme. */
  readonly runtime: string | undefined;
}

export interface PodMeta {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly ip: string | undefined;
  readonly nodeName: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  /** Annotations that the configuration asked for, plus every `logship.io/*` one. */
  readonly annotations: Readonly<Record<string, string>>;
  /** The controlling owner, resolved through a ReplicaSet to its Deployment when the name shows it. */
  readonly owners: readonly PodOwner[];
  readonly containers: Readonly<Record<string, PodContainer>>;
  readonly resourceVersion: string | undefined;
}

/** Decides which annotations are kept (the `--annotations` allow-list). `logship.io/*` are always kept. */
export type AnnotationFilter = (key: string) => boolean;

export const LOGSHIP_ANNOTATION_PREFIX = 'logship.io/';

/**
 * An allow-list of annotation keys; an entry ending in `*` is a prefix (`example.com/*`).
 */
export function annotationFilter(allow: readonly string[]): AnnotationFilter {
  const exact = new Set(allow.filter((key) => !key.endsWith('*')));
  const prefixes = allow.filter((key) => key.endsWith('*')).map((key) => key.slice(0, -1));
  return (key) => exact.has(key) || prefixes.some((prefix) => key.startsWith(prefix));
}

interface ApiPod {
  metadata?: {
    name?: unknown;
    namespace?: unknown;
    uid?: unknown;
    labels?: unknown;
    annotations?: unknown;
    ownerReferences?: unknown;
    resourceVersion?: unknown;
  };
  spec?: { nodeName?: unknown; containers?: unknown; initContainers?: unknown; ephemeralContainers?: unknown };
  status?: { podIP?: unknown; containerStatuses?: unknown; initContainerStatuses?: unknown; ephemeralContainerStatuses?: unknown };
}

/** Pod JSON (as listed or watched) → PodMeta; undefined when it lacks a namespace, name or uid. */
export function podMetaFromApi(value: unknown, keepAnnotation: AnnotationFilter): PodMeta | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const pod = value as ApiPod;
  const meta = pod.metadata;
  if (typeof meta?.name !== 'string' || typeof meta.namespace !== 'string' || typeof meta.uid !== 'string') return undefined;
  const labels = stringRecord(meta.labels);
  const annotations: Record<string, string> = {};
  for (const [key, entry] of Object.entries(stringRecord(meta.annotations))) {
    if (key.startsWith(LOGSHIP_ANNOTATION_PREFIX) || keepAnnotation(key)) annotations[key] = entry;
  }
  const containers: Record<string, { image: string | undefined; ids: string[]; runtime: string | undefined }> = {};
  for (const list of [pod.spec?.initContainers, pod.spec?.containers, pod.spec?.ephemeralContainers]) {
    for (const container of arrayOf(list)) {
      const name = (container as { name?: unknown }).name;
      const image = (container as { image?: unknown }).image;
      if (typeof name === 'string') containers[name] = { image: typeof image === 'string' ? image : undefined, ids: [], runtime: undefined };
    }
  }
  for (const list of [pod.status?.initContainerStatuses, pod.status?.containerStatuses, pod.status?.ephemeralContainerStatuses]) {
    for (const status of arrayOf(list)) {
      const s = status as { name?: unknown; image?: unknown; containerID?: unknown; lastState?: { terminated?: { containerID?: unknown } } };
      if (typeof s.name !== 'string') continue;
      const entry = (containers[s.name] ??= { image: typeof s.image === 'string' ? s.image : undefined, ids: [], runtime: undefined });
      for (const raw of [s.containerID, s.lastState?.terminated?.containerID]) {
        const parsed = parseContainerId(raw);
        if (parsed === undefined) continue;
        if (!entry.ids.includes(parsed.id)) entry.ids.push(parsed.id);
        entry.runtime ??= parsed.runtime;
      }
    }
  }
  return {
    namespace: meta.namespace,
    name: meta.name,
    uid: meta.uid,
    ip: typeof pod.status?.podIP === 'string' && pod.status.podIP !== '' ? pod.status.podIP : undefined,
    nodeName: typeof pod.spec?.nodeName === 'string' ? pod.spec.nodeName : undefined,
    labels,
    annotations,
    owners: resolveOwners(meta.ownerReferences, labels),
    containers,
    resourceVersion: typeof meta.resourceVersion === 'string' ? meta.resourceVersion : undefined,
  };
}

/** `containerd://abc…` → `{ runtime: 'containerd', id: 'abc…' }`. */
export function parseContainerId(value: unknown): { runtime: string; id: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^([a-z0-9-]+):\/\/(.+)$/.exec(value);
  return match === null ? undefined : { runtime: match[1]!, id: match[2]! };
}

/**
 * The pod's controlling owner (the `controller: true` reference, else the first), plus what can be
 * derived from it without another API call:
 * - a ReplicaSet named `<deployment>-<pod-template-hash>` belongs to that Deployment (the kubelet's pods
 *   carry `pod-template-hash` in their labels, so the suffix is checked, not guessed);
 * - a Job named `<cronjob>-<scheduled minutes>` belongs to that CronJob.
 */
export function resolveOwners(ownerReferences: unknown, labels: Readonly<Record<string, string>>): PodOwner[] {
  const refs = arrayOf(ownerReferences)
    .map((ref) => ref as { kind?: unknown; name?: unknown; controller?: unknown })
    .filter((ref): ref is { kind: string; name: string; controller?: unknown } => typeof ref.kind === 'string' && typeof ref.name === 'string');
  const owner = refs.find((ref) => ref.controller === true) ?? refs[0];
  if (owner === undefined) return [];
  const owners: PodOwner[] = [{ kind: owner.kind, name: owner.name }];
  if (owner.kind === 'ReplicaSet') {
    const deployment = deploymentOfReplicaSet(owner.name, labels['pod-template-hash']);
    if (deployment !== undefined) owners.push({ kind: 'Deployment', name: deployment });
  } else if (owner.kind === 'Job') {
    const match = /^(.+)-(\d{8,})$/.exec(owner.name);
    if (match !== null) owners.push({ kind: 'CronJob', name: match[1]! });
  }
  return owners;
}

/** `checkout-7d9c5b6f4` with hash `7d9c5b6f4` → `checkout`. */
export function deploymentOfReplicaSet(replicaSet: string, podTemplateHash: string | undefined): string | undefined {
  if (podTemplateHash === undefined || podTemplateHash === '') return undefined;
  const suffix = `-${podTemplateHash}`;
  return replicaSet.endsWith(suffix) && replicaSet.length > suffix.length ? replicaSet.slice(0, -suffix.length) : undefined;
}

/**
 * Owners known from a pod's name and labels alone (docker sandbox labels, no API): a pod named
 * `<rs>-<5 chars>` with label `pod-template-hash=<h>` where `<rs>` ends in `-<h>` is a Deployment's.
 */
export function ownersFromPodName(podName: string, labels: Readonly<Record<string, string>>): PodOwner[] {
  const hash = labels['pod-template-hash'];
  if (hash === undefined) return [];
  const match = /^(.+)-[a-z0-9]{5}$/.exec(podName);
  if (match === null) return [];
  const deployment = deploymentOfReplicaSet(match[1]!, hash);
  return deployment === undefined ? [] : [{ kind: 'ReplicaSet', name: match[1]! }, { kind: 'Deployment', name: deployment }];
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return out;
  for (const [key, entry] of Object.entries(value)) if (typeof entry === 'string') out[key] = entry;
  return out;
}
