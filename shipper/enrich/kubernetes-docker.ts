/**
 * Kubernetes identity of a docker container from docker's own `config.v2.json`, without API access.
 *
 * dockershim and cri-dockerd label every container they create:
 *   io.kubernetes.pod.name / .pod.namespace / .pod.uid, io.kubernetes.container.name,
 *   io.kubernetes.docker.type (`container` or `podsandbox`), io.kubernetes.sandbox.id,
 *   annotation.io.kubernetes.* (the container's annotations).
 * The pod sandbox (`k8s_POD_…`) additionally carries the pod's own labels as plain labels and the pod's
 * annotations as `annotation.<key>` labels, so a node without API access still learns them.
 * A container without these labels is a plain docker container (not Kubernetes); it is still shipped.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DockerContainerInfo {
  readonly id: string;
  /** docker's name without the leading `/`. */
  readonly name: string;
  /** Image reference as given to docker (`nginx:1.27`), falling back to the image id. */
  readonly image: string | undefined;
  /** A pod sandbox (pause) container: never shipped. */
  readonly sandbox: boolean;
  /** Present when the container was created by Kubernetes. */
  readonly kubernetes: DockerKubernetesLabels | undefined;
}

export interface DockerKubernetesLabels {
  readonly namespace: string;
  readonly podName: string;
  readonly podUid: string;
  /** Absent on a sandbox. */
  readonly containerName: string | undefined;
  readonly sandboxId: string | undefined;
  /** The pod's labels (only a sandbox carries them). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** The pod's annotations (only a sandbox carries them, as `annotation.<key>` labels). */
  readonly podAnnotations: Readonly<Record<string, string>>;
}

interface ConfigV2 {
  ID?: unknown;
  Name?: unknown;
  Image?: unknown;
  Config?: { Image?: unknown; Labels?: unknown } | null;
}

/** Parses the text of a `config.v2.json`; undefined when it is not one. Pure, never throws. */
export function parseDockerConfig(text: string): DockerContainerInfo | undefined {
  let parsed: ConfigV2;
  try {
    parsed = JSON.parse(text) as ConfigV2;
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || typeof parsed.ID !== 'string') return undefined;
  const labels = stringRecord(parsed.Config?.Labels);
  const configImage = typeof parsed.Config?.Image === 'string' && parsed.Config.Image !== '' ? parsed.Config.Image : undefined;
  const imageId = typeof parsed.Image === 'string' && parsed.Image !== '' ? parsed.Image : undefined;
  const sandbox = labels['io.kubernetes.docker.type'] === 'podsandbox';
  return {
    id: parsed.ID,
    name: typeof parsed.Name === 'string' ? parsed.Name.replace(/^\//, '') : '',
    image: configImage ?? imageId,
    sandbox,
    kubernetes: kubernetesLabels(labels, sandbox),
  };
}

/** Reads `<dockerRoot>/<id>/config.v2.json`; undefined when it is missing or unreadable. */
export async function readDockerContainer(dockerRoot: string, id: string): Promise<DockerContainerInfo | undefined> {
  try {
    return parseDockerConfig(await readFile(join(dockerRoot, id, 'config.v2.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

function kubernetesLabels(labels: Record<string, string>, sandbox: boolean): DockerKubernetesLabels | undefined {
  const namespace = labels['io.kubernetes.pod.namespace'];
  const podName = labels['io.kubernetes.pod.name'];
  const podUid = labels['io.kubernetes.pod.uid'];
  if (namespace === undefined || podName === undefined || podUid === undefined) return undefined;
  const podLabels: Record<string, string> = {};
  const podAnnotations: Record<string, string> = {};
  if (sandbox) {
    for (const [key, value] of Object.entries(labels)) {
      if (key.startsWith('annotation.')) podAnnotations[key.slice('annotation.'.length)] = value;
      else if (!key.startsWith('io.kubernetes.')) podLabels[key] = value;
    }
  }
  return {
    namespace,
    podName,
    podUid,
    containerName: sandbox ? undefined : labels['io.kubernetes.container.name'],
    sandboxId: labels['io.kubernetes.sandbox.id'],
    podLabels,
    podAnnotations,
  };
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return out;
  for (const [key, entry] of Object.entries(value)) if (typeof entry === 'string') out[key] = entry;
  return out;
}
