/**
 * The `kubernetes.*` and `container.*` fields of one container, and what its pod's `logship.io/*`
 * annotations ask the collector to do. Pure: computed once per container (and again only when the
 * pod's metadata changes), then shared by every record of that container.
 *
 * Sources, best first: the API server's Pod (labels, annotations, owner, IP, image, runtime), then
 * what the node's own files say (docker's `config.v2.json` labels and the pod sandbox's labels), then
 * the log path (namespace, pod, uid, container).
 */
import type { LogRecord } from '../record.ts';
import { deepFreeze } from '../parse/fields.ts';
import { sanitizeLabelKey } from './downward-api.ts';
import { LOGSHIP_ANNOTATION_PREFIX, type AnnotationFilter, type PodMeta, type PodOwner } from './kubernetes-pod.ts';

/** What the node's files say about a container. */
export interface ContainerRef {
  /** `docker`, `containerd`, `cri-o`, or undefined when only the CRI path is known. */
  readonly runtime: string | undefined;
  readonly containerId: string | undefined;
  readonly image: string | undefined;
  /** Absent for a container that Kubernetes did not create. */
  readonly pod: {
    readonly namespace: string;
    readonly name: string;
    readonly uid: string;
    readonly containerName: string | undefined;
  } | undefined;
  /** Pod labels and annotations known without the API (docker's pod sandbox labels). */
  readonly podLabels: Readonly<Record<string, string>>;
  readonly podAnnotations: Readonly<Record<string, string>>;
  /** Owners derivable without the API (a Deployment from the pod name and its pod-template-hash). */
  readonly owners: readonly PodOwner[];
}

export interface ContainerPolicy {
  /** `logship.io/exclude: "true"`: nothing of this container is shipped. */
  readonly exclude: boolean;
  /** `logship.io/parser: nginx`: lines are parsed as nginx access (stdout) / error (stderr) logs. */
  readonly parser: 'nginx' | undefined;
  /** `logship.io/dataset: <name>`: records go to `logs-<name>-<namespace>` instead. */
  readonly dataset: string | undefined;
}

export interface ContainerMetadata {
  /** `{ kubernetes: {…}, container: {…} }`, to be merged into each record. */
  readonly fields: LogRecord;
  readonly policy: ContainerPolicy;
}

export interface ContainerFieldsOptions {
  readonly nodeName: string | undefined;
  /** Which annotations become `kubernetes.annotations.*` (the `--annotations` allow-list). */
  readonly keepAnnotation: AnnotationFilter;
}

const OWNER_FIELDS: Record<string, string> = {
  Deployment: 'deployment',
  ReplicaSet: 'replicaset',
  StatefulSet: 'statefulset',
  DaemonSet: 'daemonset',
  Job: 'job',
  CronJob: 'cronjob',
};

/** Builds the fields (`{ kubernetes, container }`, dotted label keys as `_`) and the policy of one container from what is known of it. */
export function containerMetadata(ref: ContainerRef, pod: PodMeta | undefined, options: ContainerFieldsOptions): ContainerMetadata {
  const container: LogRecord = {};
  const containerName = ref.pod?.containerName;
  const apiContainer = containerName === undefined ? undefined : pod?.containers[containerName];
  const containerId = ref.containerId ?? (apiContainer?.ids.length === 1 ? apiContainer.ids[0] : undefined);
  if (containerId !== undefined) container.id = containerId;
  const runtime = apiContainer?.runtime ?? ref.runtime;
  if (runtime !== undefined) container.runtime = runtime;
  const image = apiContainer?.image ?? ref.image;
  if (image !== undefined) container.image = { name: image };

  const fields: LogRecord = {};
  if (Object.keys(container).length > 0) fields.container = container;
  if (ref.pod === undefined) return { fields: deepFreeze(fields), policy: { exclude: false, parser: undefined, dataset: undefined } };

  const labels = pod?.labels ?? ref.podLabels;
  const annotations = pod?.annotations ?? ref.podAnnotations;
  const kubernetes: LogRecord = {
    namespace: ref.pod.namespace,
    pod: { name: ref.pod.name, uid: ref.pod.uid, ...(pod?.ip === undefined ? {} : { ip: pod.ip }) },
  };
  if (options.nodeName !== undefined && options.nodeName !== '') kubernetes.node = { name: options.nodeName };
  if (containerName !== undefined) kubernetes.container = { name: containerName };
  if (Object.keys(labels).length > 0) kubernetes.labels = sanitizedRecord(labels, () => true);
  const kept = sanitizedRecord(annotations, options.keepAnnotation);
  if (Object.keys(kept).length > 0) kubernetes.annotations = kept;
  for (const owner of pod?.owners ?? ref.owners) {
    const field = OWNER_FIELDS[owner.kind];
    if (field !== undefined) kubernetes[field] = { name: owner.name };
  }
  fields.kubernetes = kubernetes;
  // Shared by every record of the container: frozen so that no later stage can change it through one record.
  return { fields: deepFreeze(fields), policy: policyOf(annotations) };
}

/** What the pod's `logship.io/*` annotations ask for. */
export function policyOf(annotations: Readonly<Record<string, string>>): ContainerPolicy {
  const exclude = (annotations[`${LOGSHIP_ANNOTATION_PREFIX}exclude`] ?? '').trim().toLowerCase() === 'true';
  const parser = (annotations[`${LOGSHIP_ANNOTATION_PREFIX}parser`] ?? '').trim().toLowerCase() === 'nginx' ? 'nginx' : undefined;
  return { exclude, parser, dataset: datasetName(annotations[`${LOGSHIP_ANNOTATION_PREFIX}dataset`]) };
}

/**
 * A dataset name usable in a data stream name: lower case, and `-` (the separator of
 * `logs-<dataset>-<namespace>`), spaces and characters Elasticsearch forbids in index names become `_`.
 */
export function datasetName(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const cleaned = raw.trim().toLowerCase().replace(/[^a-z0-9._]/g, '_').replace(/^[._]+/, '').slice(0, 100);
  return cleaned === '' ? undefined : cleaned;
}

function sanitizedRecord(values: Readonly<Record<string, string>>, keep: (key: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) if (keep(key)) out[sanitizeLabelKey(key)] = value;
  return out;
}
