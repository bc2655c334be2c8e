/**
 * What the injector adds to a pod, as an RFC 6902 JSON Patch. Pure: a pod (untrusted JSON from the API
 * server) and the settings in, a decision out; it never throws.
 *
 * A pod annotated `logship.io/inject: nginx` gets:
 * - an `emptyDir` (with a `sizeLimit`) mounted at /var/log/nginx in the nginx container (the first
 *   container, or the one named by `logship.io/inject-container`), unless that container already mounts
 *   something there, in which case the sidecar reads that volume instead;
 * - a `downwardAPI` volume with the pod's labels and annotations at /etc/podinfo, and a small `emptyDir`
 *   for the sidecar's checkpoints (it survives container restarts, which is what a checkpoint is for);
 * - the `logship-sidecar` container with the Downward API environment and the restricted security context
 *   (or, with `nativeSidecar`, the same as a native sidecar: an init container with `restartPolicy: Always`);
 * - the annotation `logship.io/status: injected`.
 * A pod that already has a container named `logship-sidecar` is left alone, so injecting is idempotent.
 */

export const SIDECAR_NAME = 'logship-sidecar';
export const INJECT_ANNOTATION = 'logship.io/inject';
export const CONTAINER_ANNOTATION = 'logship.io/inject-container';
export const STATUS_ANNOTATION = 'logship.io/status';
export const LOG_VOLUME = 'logship-nginx-logs';
export const PODINFO_VOLUME = 'logship-podinfo';
export const STATE_VOLUME = 'logship-state';
export const NGINX_LOG_DIR = '/var/log/nginx';
export const PODINFO_DIR = '/etc/podinfo';
export const STATE_DIR = '/var/lib/logship';
export const SIDECAR_METRICS_PORT = 9464;
/** The sidecar runs as this user; the image creates it (see the Dockerfile). */
export const SIDECAR_UID = 10001;

export interface SidecarSettings {
  readonly image: string;
  readonly imagePullPolicy: 'IfNotPresent' | 'Always' | 'Never';
  /** Elasticsearch-compatible URL the sidecar ships to. */
  readonly to: string;
  /** Secret in the pod's namespace whose `api-key` key is the sidecar's API key; referenced as optional. */
  readonly credentialsSecret?: string | undefined;
  readonly logVolumeSizeLimit: string;
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  readonly memoryRequest: string;
  readonly memoryLimit: string;
  /**
   * Add the sidecar as a Kubernetes native sidecar (an init container with `restartPolicy: Always`,
   * Kubernetes 1.29+): it then stops only after nginx has, so nginx's last lines are still shipped.
   */
  readonly nativeSidecar?: boolean | undefined;
}

export interface AddOperation {
  readonly op: 'add';
  readonly path: string;
  readonly value: unknown;
}

export type InjectionDecision =
  | { readonly inject: true; readonly container: string; readonly patch: readonly AddOperation[] }
  /** `warning` is set when the pod asked for injection but cannot get it; it is shown to the user. */
  | { readonly inject: false; readonly reason: string; readonly warning?: string };

type Json = Record<string, unknown>;

/** RFC 6901: `~` → `~0`, `/` → `~1`. */
export function pointerSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function planInjection(pod: unknown, settings: SidecarSettings): InjectionDecision {
  if (!isObject(pod)) return { inject: false, reason: 'the object is not a pod', warning: 'logship: the admitted object is not a JSON object; nothing injected' };
  const metadata = isObject(pod.metadata) ? pod.metadata : {};
  const annotations = isObject(metadata.annotations) ? metadata.annotations : {};
  const wanted = annotations[INJECT_ANNOTATION];
  if (wanted === undefined) return { inject: false, reason: `no ${INJECT_ANNOTATION} annotation` };
  if (wanted !== 'nginx') {
    return { inject: false, reason: `unsupported ${INJECT_ANNOTATION} value`, warning: `logship: ${INJECT_ANNOTATION}: ${JSON.stringify(wanted)} is not supported (only "nginx"); nothing injected` };
  }
  const spec = isObject(pod.spec) ? pod.spec : undefined;
  const containers = spec !== undefined && Array.isArray(spec.containers) ? spec.containers.filter(isObject) : [];
  if (spec === undefined || containers.length === 0) {
    return { inject: false, reason: 'the pod has no containers', warning: 'logship: the pod has no containers; nothing injected' };
  }
  const initContainers = Array.isArray(spec.initContainers) ? spec.initContainers.filter(isObject) : [];
  if ([...containers, ...initContainers].some((c) => c.name === SIDECAR_NAME)) {
    return { inject: false, reason: `${SIDECAR_NAME} is already present` };
  }

  const requested = annotations[CONTAINER_ANNOTATION];
  const index = typeof requested === 'string' ? containers.findIndex((c) => c.name === requested) : 0;
  const target = containers[index];
  if (target === undefined) {
    return { inject: false, reason: 'the named container does not exist', warning: `logship: ${CONTAINER_ANNOTATION}: no container named ${JSON.stringify(requested)}; nothing injected` };
  }
  const targetName = typeof target.name === 'string' ? target.name : `#${index}`;
  const volumes = Array.isArray(spec.volumes) ? spec.volumes.filter(isObject) : [];
  const mounts = Array.isArray(target.volumeMounts) ? target.volumeMounts.filter(isObject) : [];
  const existingLogMount = mounts.find((m) => typeof m.mountPath === 'string' && m.mountPath.replace(/\/+$/, '') === NGINX_LOG_DIR);
  const logVolume = existingLogMount !== undefined && typeof existingLogMount.name === 'string' ? existingLogMount.name : LOG_VOLUME;

  const ours = existingLogMount === undefined ? [LOG_VOLUME, PODINFO_VOLUME, STATE_VOLUME] : [PODINFO_VOLUME, STATE_VOLUME];
  const taken = ours.filter((name) => volumes.some((v) => v.name === name));
  if (taken.length > 0) {
    return { inject: false, reason: 'volume names in use', warning: `logship: the pod already has volume(s) ${taken.join(', ')}; nothing injected` };
  }

  const patch: AddOperation[] = [];
  const newVolumes: Json[] = [];
  if (existingLogMount === undefined) newVolumes.push({ name: LOG_VOLUME, emptyDir: { sizeLimit: settings.logVolumeSizeLimit } });
  newVolumes.push(
    {
      name: PODINFO_VOLUME,
      downwardAPI: {
        items: [
          { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
          { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
        ],
      },
    },
    { name: STATE_VOLUME, emptyDir: { sizeLimit: '16Mi' } },
  );
  if (Array.isArray(spec.volumes)) for (const volume of newVolumes) patch.push({ op: 'add', path: '/spec/volumes/-', value: volume });
  else patch.push({ op: 'add', path: '/spec/volumes', value: newVolumes });

  if (existingLogMount === undefined) {
    const mount = { name: LOG_VOLUME, mountPath: NGINX_LOG_DIR };
    const base = `/spec/containers/${index}/volumeMounts`;
    if (Array.isArray(target.volumeMounts)) patch.push({ op: 'add', path: `${base}/-`, value: mount });
    else patch.push({ op: 'add', path: base, value: [mount] });
  }

  const sidecar = sidecarContainer(settings, targetName, logVolume);
  if (settings.nativeSidecar !== true) patch.push({ op: 'add', path: '/spec/containers/-', value: sidecar });
  else if (Array.isArray(spec.initContainers)) patch.push({ op: 'add', path: '/spec/initContainers/-', value: { ...sidecar, restartPolicy: 'Always' } });
  else patch.push({ op: 'add', path: '/spec/initContainers', value: [{ ...sidecar, restartPolicy: 'Always' }] });
  if (isObject(metadata.annotations)) {
    patch.push({ op: 'add', path: `/metadata/annotations/${pointerSegment(STATUS_ANNOTATION)}`, value: 'injected' });
  }
  return { inject: true, container: targetName, patch };
}

/**
 * Memory settings of an injected sidecar, the same as the sidecar container of
 * k8s/examples/nginx-sidecar (a test holds the two together; BENCHMARKS.md has the measurements): V8's
 * heap bounded tightly (32 MiB old and 2 MiB young generation: ~10 MiB is live, and the sidecar makes
 * little garbage per line; peaks of 94–98 MiB RSS against 98–104 with 64 / 4 MiB, for ~6 % more CPU), one
 * malloc arena instead of one per thread, buffers of 128 KiB and up given back to the system when freed, and a
 * small record buffer — a sidecar ships one pod's lines, and larger batches cost memory, not CPU.
 */
export const SIDECAR_MEMORY_ENV: ReadonlyArray<{ readonly name: string; readonly value: string }> = [
  { name: 'NODE_OPTIONS', value: '--max-old-space-size=32 --max-semi-space-size=2' },
  { name: 'MALLOC_ARENA_MAX', value: '1' },
  { name: 'MALLOC_MMAP_THRESHOLD_', value: '131072' },
  { name: 'LOGSHIP_BATCH_MAX_BYTES', value: '1MiB' },
  { name: 'LOGSHIP_MAX_BUFFER_BYTES', value: '4MiB' },
];

/** The injected container (k8s/examples/nginx-sidecar spells out the same one by hand). */
export function sidecarContainer(settings: SidecarSettings, appContainer: string, logVolume: string = LOG_VOLUME): Json {
  const fieldEnv = (name: string, fieldPath: string): Json => ({ name, valueFrom: { fieldRef: { fieldPath } } });
  const env: Json[] = [
    fieldEnv('POD_NAME', 'metadata.name'),
    fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
    fieldEnv('POD_UID', 'metadata.uid'),
    fieldEnv('POD_IP', 'status.podIP'),
    fieldEnv('NODE_NAME', 'spec.nodeName'),
    // The container whose logs these are (the Downward API has no field for it).
    { name: 'CONTAINER_NAME', value: appContainer },
    { name: 'LOGSHIP_TO', value: settings.to },
    { name: 'LOGSHIP_PATH', value: `${NGINX_LOG_DIR}/*.log` },
    { name: 'LOGSHIP_STATE_DIR', value: STATE_DIR },
    { name: 'LOGSHIP_LABELS_FILE', value: `${PODINFO_DIR}/labels` },
    { name: 'LOGSHIP_ANNOTATIONS_FILE', value: `${PODINFO_DIR}/annotations` },
    { name: 'LOGSHIP_METRICS_LISTEN', value: `0.0.0.0:${SIDECAR_METRICS_PORT}` },
    // V8 sizes its heap lazily and would grow past the container's memory limit while catching up a backlog.
    ...SIDECAR_MEMORY_ENV.map((entry) => ({ ...entry })),
  ];
  if (settings.credentialsSecret !== undefined) {
    env.push({ name: 'LOGSHIP_API_KEY', valueFrom: { secretKeyRef: { name: settings.credentialsSecret, key: 'api-key', optional: true } } });
  }
  return {
    name: SIDECAR_NAME,
    image: settings.image,
    imagePullPolicy: settings.imagePullPolicy,
    args: ['sidecar'],
    env,
    ports: [{ name: 'logship-metrics', containerPort: SIDECAR_METRICS_PORT, protocol: 'TCP' }],
    // Liveness only: a readiness probe on a sidecar gates the whole pod, and a logging outage must not
    // take the application out of its Service.
    livenessProbe: {
      httpGet: { path: '/healthz', port: SIDECAR_METRICS_PORT },
      initialDelaySeconds: 5,
      periodSeconds: 20,
      timeoutSeconds: 3,
      failureThreshold: 3,
    },
    resources: {
      requests: { cpu: settings.cpuRequest, memory: settings.memoryRequest },
      limits: { cpu: settings.cpuLimit, memory: settings.memoryLimit },
    },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: SIDECAR_UID,
      runAsGroup: SIDECAR_UID,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: [
      { name: logVolume, mountPath: NGINX_LOG_DIR, readOnly: true },
      { name: PODINFO_VOLUME, mountPath: PODINFO_DIR, readOnly: true },
      { name: STATE_VOLUME, mountPath: STATE_DIR },
    ],
  };
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
