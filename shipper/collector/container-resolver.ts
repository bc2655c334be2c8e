/**
 * Log file path → which container wrote it (discovery's half of Kubernetes metadata, without the API).
 *
 * - `<docker-root>/<id>/<id>-json.log[.N]`: docker's `config.v2.json` gives the pod, namespace, uid,
 *   container name and image; the pod sandbox's `config.v2.json` gives the pod's labels and annotations.
 *   Sandboxes are skipped.
 * - `<pods-root>/<ns>_<pod>_<uid>/<container>/<n>.log[.<ts>]`: the path gives the pod; the kubelet's
 *   `/var/log/containers/<pod>_<ns>_<container>-<id>.log` links (next to the pods root) give the id.
 *   With dockershim/cri-dockerd, `<n>.log` is a symlink to the docker log: that file is read through the
 *   docker root (once, with docker's richer metadata), and skipped here.
 *
 * Reads are synchronous and cached per container: a `config.v2.json` is a few KB read once per
 * container, and discovery asks for a path only when a file is first seen.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { parseDockerConfig, type DockerContainerInfo } from '../enrich/kubernetes-docker.ts';
import { parseContainerLinkName, parseDockerLogPath, parsePodLogPath, podContainerKey } from '../enrich/kubernetes-path.ts';
import { ownersFromPodName } from '../enrich/kubernetes-pod.ts';
import type { ContainerRef } from '../enrich/kubernetes-fields.ts';

export type Resolution =
  | { readonly kind: 'container'; readonly ref: ContainerRef; readonly key: string }
  /** A file the collector must not read: why, for the debug log and a counter. */
  | { readonly kind: 'skip'; readonly reason: 'sandbox' | 'compressed' | 'unknown-path' | 'docker-duplicate' | 'not-kubernetes' };

export interface ContainerResolverOptions {
  /** Empty string: docker logs are not read. */
  readonly dockerRoot: string;
  /** Empty string: CRI logs are not read. */
  readonly podsRoot: string;
  /** The kubelet's link directory; default: `containers` next to the pods root. */
  readonly containerLinksDir?: string;
  readonly nonKubernetes: boolean;
  readonly now?: () => number;
}

export interface ContainerResolver {
  resolve(path: string): Resolution;
  /**
   * The container id of a CRI log file from the kubelet's links, for a file resolved before its link
   * existed. Cheap when the id is not known yet: the link directory is re-read at most every 2 s.
   */
  containerIdOf(path: string): string | undefined;
  /** Globs the tailer should watch. */
  readonly include: readonly string[];
}

const RETRY_MISSING_MS = 2_000;

export function createContainerResolver(options: ContainerResolverOptions): ContainerResolver {
  const dockerRoot = options.dockerRoot === '' ? undefined : resolve(options.dockerRoot);
  const podsRoot = options.podsRoot === '' ? undefined : resolve(options.podsRoot);
  const linksDir = options.containerLinksDir ?? (podsRoot === undefined ? undefined : join(dirname(podsRoot), 'containers'));
  const now = options.now ?? Date.now;
  const dockerInfo = new Map<string, { info: DockerContainerInfo | undefined; readAt: number }>();
  let linkIndex = new Map<string, string>();
  let linksReadAt = Number.NEGATIVE_INFINITY;

  const docker = (id: string): DockerContainerInfo | undefined => {
    const cached = dockerInfo.get(id);
    if (cached !== undefined && (cached.info !== undefined || now() - cached.readAt < RETRY_MISSING_MS)) return cached.info;
    let info: DockerContainerInfo | undefined;
    try {
      info = parseDockerConfig(readFileSync(join(dockerRoot!, id, 'config.v2.json'), 'utf8'));
    } catch {
      info = undefined;
    }
    if (dockerInfo.size > 10_000) dockerInfo.clear();
    dockerInfo.set(id, { info, readAt: now() });
    return info;
  };

  /** `<pod dir>/<container>/<n>` → container id, from the kubelet's links. */
  const containerIdOf = (path: string, restartCount: number): string | undefined => {
    const key = `${podContainerKey(path)}/${restartCount}`;
    const known = linkIndex.get(key);
    if (known !== undefined || linksDir === undefined || now() - linksReadAt < RETRY_MISSING_MS) return known;
    linksReadAt = now();
    const next = new Map<string, string>();
    let names: string[];
    try {
      names = readdirSync(linksDir);
    } catch {
      names = [];
    }
    for (const name of names) {
      const link = parseContainerLinkName(name);
      if (link === undefined) continue;
      try {
        const target = readlinkSync(join(linksDir, name));
        const file = basename(target);
        const restart = /^(\d+)\.log$/.exec(file);
        if (restart !== null) next.set(`${podContainerKey(target)}/${restart[1]}`, link.containerId);
      } catch {
        // not a link (or gone): no id from it
      }
    }
    linkIndex = next;
    return linkIndex.get(key);
  };

  const resolveDocker = (path: string): Resolution => {
    const parsed = parseDockerLogPath(path, dockerRoot!);
    if (parsed === undefined) return { kind: 'skip', reason: 'unknown-path' };
    const info = docker(parsed.containerId);
    if (info?.sandbox === true) return { kind: 'skip', reason: 'sandbox' };
    const k8s = info?.kubernetes;
    if (k8s === undefined && !options.nonKubernetes && info !== undefined) return { kind: 'skip', reason: 'not-kubernetes' };
    const sandbox = k8s?.sandboxId === undefined ? undefined : docker(k8s.sandboxId)?.kubernetes;
    const podLabels = sandbox?.podLabels ?? {};
    const ref: ContainerRef = {
      runtime: 'docker',
      containerId: parsed.containerId,
      image: info?.image,
      pod: k8s === undefined ? undefined : { namespace: k8s.namespace, name: k8s.podName, uid: k8s.podUid, containerName: k8s.containerName },
      podLabels,
      podAnnotations: sandbox?.podAnnotations ?? {},
      owners: k8s === undefined ? [] : ownersFromPodName(k8s.podName, podLabels),
    };
    return { kind: 'container', ref, key: `docker:${parsed.containerId}` };
  };

  const resolvePod = (path: string): Resolution => {
    if (path.endsWith('.gz')) return { kind: 'skip', reason: 'compressed' };
    const parsed = parsePodLogPath(path, podsRoot!);
    if (parsed === undefined) return { kind: 'skip', reason: 'unknown-path' };
    if (dockerRoot !== undefined && intoDockerRoot(path, dockerRoot)) return { kind: 'skip', reason: 'docker-duplicate' };
    const ref: ContainerRef = {
      runtime: undefined,
      containerId: containerIdOf(path, parsed.restartCount),
      image: undefined,
      pod: { namespace: parsed.namespace, name: parsed.podName, uid: parsed.podUid, containerName: parsed.containerName },
      podLabels: {},
      podAnnotations: {},
      owners: [],
    };
    return { kind: 'container', ref, key: `pod:${podContainerKey(path)}/${parsed.restartCount}` };
  };

  const include: string[] = [];
  // One pattern per root (live file and rotations together): the tailer expands them on every rescan.
  if (dockerRoot !== undefined) include.push(join(dockerRoot, '*', '*-json.log*'));
  if (podsRoot !== undefined) include.push(join(podsRoot, '*', '*', '*.log*'));

  return {
    include,
    containerIdOf(path) {
      if (podsRoot === undefined) return undefined;
      const parsed = parsePodLogPath(resolve(path), podsRoot);
      return parsed === undefined ? undefined : containerIdOf(path, parsed.restartCount);
    },
    resolve(path) {
      const absolute = resolve(path);
      if (dockerRoot !== undefined && absolute.startsWith(dockerRoot + sep)) return resolveDocker(absolute);
      if (podsRoot !== undefined && absolute.startsWith(podsRoot + sep)) return resolvePod(absolute);
      return { kind: 'skip', reason: 'unknown-path' };
    },
  };
}

/**
 * True when a pod log path is a symlink to a file under the docker root (dockershim, cri-dockerd).
 * Relative targets resolve inside the tree; absolute ones (`/var/lib/docker/containers/…`, what the
 * kubelet writes) are matched by their `<id>/<id>-json.log` tail, so a collector whose docker root is
 * mounted elsewhere still recognises them.
 */
function intoDockerRoot(path: string, dockerRoot: string): boolean {
  try {
    if (!lstatSync(path).isSymbolicLink()) return false;
    const target = readlinkSync(path);
    if (/(^|\/)([0-9a-f]{64})\/\2-json\.log$/.test(target)) return true;
    return realpathSync(path).startsWith(realpathSync(dockerRoot) + sep);
  } catch {
    return false;
  }
}
