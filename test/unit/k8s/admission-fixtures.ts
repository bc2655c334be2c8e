/**
 * AdmissionReview v1 requests as the API server sends them for a pod created by a ReplicaSet: the pod has
 * been defaulted and the ServiceAccount admission plugin has already added the projected token volume.
 */
type Json = Record<string, unknown>;

export interface PodOptions {
  readonly annotations?: Record<string, string> | undefined;
  /** Replaces the default single nginx container. */
  readonly containers?: Json[];
  readonly initContainers?: Json[];
  /** Extra volumes beside the projected token volume; `null` leaves `volumes` out altogether. */
  readonly volumes?: Json[] | null;
}

export function nginxContainer(name = 'nginx', extra: Json = {}): Json {
  return {
    name,
    image: 'nginxinc/nginx-unprivileged:1.27',
    imagePullPolicy: 'IfNotPresent',
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    volumeMounts: [{ name: 'kube-api-access-x7k2p', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }],
    ...extra,
  };
}

export function admittedPod(options: PodOptions = {}): Json {
  const tokenVolume = {
    name: 'kube-api-access-x7k2p',
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
  const metadata: Json = {
    generateName: 'storefront-7d9c5b6f4-',
    namespace: 'shop',
    labels: { 'app.kubernetes.io/name': 'storefront', 'pod-template-hash': '7d9c5b6f4' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'storefront-7d9c5b6f4', uid: '3f0b3c1e-55a8-4f5e-9d1c-1b7f0e2c9a41', controller: true, blockOwnerDeletion: true }],
  };
  if (options.annotations !== undefined) metadata.annotations = options.annotations;
  const spec: Json = {
    containers: options.containers ?? [nginxContainer()],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    serviceAccountName: 'default',
    serviceAccount: 'default',
    securityContext: {},
    schedulerName: 'default-scheduler',
    tolerations: [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ],
    priority: 0,
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
  };
  if (options.volumes !== null) spec.volumes = [tokenVolume, ...(options.volumes ?? [])];
  if (options.initContainers !== undefined) spec.initContainers = options.initContainers;
  return { kind: 'Pod', apiVersion: 'v1', metadata, spec, status: {} };
}

export function admissionReview(pod: unknown, overrides: Json = {}): Json {
  return {
    kind: 'AdmissionReview',
    apiVersion: 'admission.k8s.io/v1',
    request: {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      name: '',
      namespace: 'shop',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', uid: 'a1b2c3d4', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] },
      object: pod,
      oldObject: null,
      dryRun: false,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
      ...overrides,
    },
  };
}
