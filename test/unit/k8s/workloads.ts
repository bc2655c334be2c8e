/**
 * Helpers for reading rendered manifests in the k8s tests: the pod templates of the workloads, the
 * containers in them, and a container's effective security context.
 */
import type { Resource } from '../../helpers/kustomize.ts';

export type Json = Record<string, unknown>;

export interface PodTemplate {
  readonly owner: Resource;
  /** `Kind/namespace/name` of the workload. */
  readonly id: string;
  readonly metadata: Json;
  readonly spec: Json;
}

export interface ContainerRef {
  readonly pod: PodTemplate;
  readonly container: Json;
  readonly name: string;
  /** `Kind/namespace/name:container`, the key of the exception lists. */
  readonly id: string;
  readonly init: boolean;
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

export function podTemplates(resources: readonly Resource[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const r of resources) {
    const id = `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`;
    if (r.kind === 'Pod') out.push({ owner: r, id, metadata: r.metadata, spec: r.spec as Json });
    else if (WORKLOADS.has(r.kind)) {
      const template = (r.spec as Json).template as Json;
      out.push({ owner: r, id, metadata: (template.metadata ?? {}) as Json, spec: template.spec as Json });
    }
  }
  return out;
}

export function containersOf(pod: PodTemplate): ContainerRef[] {
  const list = (field: string, init: boolean): ContainerRef[] =>
    ((pod.spec[field] ?? []) as Json[]).map((container) => ({ pod, container, name: String(container.name), id: `${pod.id}:${String(container.name)}`, init }));
  return [...list('initContainers', true), ...list('containers', false)];
}

/** The container's security context with the pod-level defaults filled in, as the kubelet applies them. */
export function effectiveSecurityContext(ref: ContainerRef): Json {
  const pod = (ref.pod.spec.securityContext ?? {}) as Json;
  const own = (ref.container.securityContext ?? {}) as Json;
  const inherited: Json = {};
  for (const key of ['runAsNonRoot', 'runAsUser', 'runAsGroup', 'seccompProfile']) if (pod[key] !== undefined) inherited[key] = pod[key];
  return { ...inherited, ...own };
}

export function envOf(container: Json): Json[] {
  return (container.env ?? []) as Json[];
}

/** The literal value of an env variable, or undefined. */
export function envValue(container: Json, name: string): string | undefined {
  const entry = envOf(container).find((e) => e.name === name);
  return typeof entry?.value === 'string' ? entry.value : undefined;
}
