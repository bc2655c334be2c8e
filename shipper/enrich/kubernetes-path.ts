/**
 * Kubernetes identity from a log file's path alone — no API access, no file reads. Pure.
 *
 *   CRI (containerd, CRI-O), written by the kubelet's layout:
 *     <pods-root>/<namespace>_<pod>_<uid>/<container>/<restart>.log           the live file
 *     <pods-root>/<namespace>_<pod>_<uid>/<container>/<restart>.log.<ts>      kubelet rotation (plain)
 *     <pods-root>/<namespace>_<pod>_<uid>/<container>/<restart>.log.<ts>.gz   kubelet rotation (gzip: never read)
 *   docker json-file:
 *     <docker-root>/<id>/<id>-json.log[.N]                                    docker's own rotations
 *   kubelet's convenience links:
 *     /var/log/containers/<pod>_<namespace>_<container>-<container id>.log
 *
 * Namespaces, pod names and uids never contain `_` (they are DNS labels/subdomains and UUIDs), so the
 * pod directory splits unambiguously on `_`.
 */
import { basename, dirname, relative, sep } from 'node:path';

export interface PodLogPath {
  readonly namespace: string;
  readonly podName: string;
  readonly podUid: string;
  readonly containerName: string;
  /** The `<n>` of `<n>.log`: the container's restart count when the file was created. */
  readonly restartCount: number;
  /** True for a kubelet-rotated file (`<n>.log.<timestamp>`). */
  readonly rotated: boolean;
}

export interface DockerLogPath {
  /** 64 hex characters. */
  readonly containerId: string;
  /** True for docker's own rotations (`-json.log.1`, `.2`, …). */
  readonly rotated: boolean;
}

const POD_DIR = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)_([^_/]+)_([^_/]+)$/;
const CRI_FILE = /^(\d+)\.log(\.\d{8}-\d{6}(\.\d+)?)?$/;
const DOCKER_ID = /^[0-9a-f]{64}$/;
const DOCKER_FILE = /^([0-9a-f]{64})-json\.log(\.\d+)?$/;
const CONTAINER_LINK = /^(.+)_([a-z0-9]([-a-z0-9]*[a-z0-9])?)_(.+)-([0-9a-f]{64})\.log$/;

/** `<ns>_<pod>_<uid>/<container>/<n>.log[.<ts>]` under `podsRoot`; undefined for anything else (including `.gz`). */
export function parsePodLogPath(path: string, podsRoot: string): PodLogPath | undefined {
  const parts = relativeParts(path, podsRoot);
  if (parts?.length !== 3) return undefined;
  const [podDir, containerName, file] = parts as [string, string, string];
  const pod = POD_DIR.exec(podDir);
  const name = CRI_FILE.exec(file);
  if (pod === null || name === null || containerName === '') return undefined;
  return {
    namespace: pod[1]!,
    podName: pod[3]!,
    podUid: pod[4]!,
    containerName,
    restartCount: Number(name[1]),
    rotated: name[2] !== undefined,
  };
}

/** `<id>/<id>-json.log[.N]` under `dockerRoot`; undefined for anything else. */
export function parseDockerLogPath(path: string, dockerRoot: string): DockerLogPath | undefined {
  const parts = relativeParts(path, dockerRoot);
  if (parts?.length !== 2) return undefined;
  const [dir, file] = parts as [string, string];
  const match = DOCKER_FILE.exec(file);
  if (!DOCKER_ID.test(dir) || match === null || match[1] !== dir) return undefined;
  return { containerId: dir, rotated: match[2] !== undefined };
}

/** The kubelet's `/var/log/containers/<pod>_<ns>_<container>-<id>.log` link name, split. */
export function parseContainerLinkName(name: string): { podName: string; namespace: string; containerName: string; containerId: string } | undefined {
  const match = CONTAINER_LINK.exec(basename(name));
  if (match === null) return undefined;
  return { podName: match[1]!, namespace: match[2]!, containerName: match[4]!, containerId: match[5]! };
}

/**
 * Key of one container's log directory, shared by all its files (live and rotated): `<pod dir>/<container>`.
 * Used to pair a `/var/log/containers` link with the pod log files it points to.
 */
export function podContainerKey(path: string): string {
  const dir = dirname(path);
  return `${basename(dirname(dir))}/${basename(dir)}`;
}

function relativeParts(path: string, root: string): string[] | undefined {
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..') || rel.startsWith(sep)) return undefined;
  return rel.split(sep);
}
