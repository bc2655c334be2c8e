/**
 * The sidecar's knowledge of its own pod, from the Kubernetes Downward API: environment variables
 * (`fieldRef`) for the pod's name, namespace, uid, IP and node, and a volume for labels and
 * annotations (which env cannot carry). Read once at start; the enricher then adds the same
 * `kubernetes.*` fields to every record.
 *
 * Manifest side (see k8s/): env POD_NAME ← metadata.name, POD_NAMESPACE ← metadata.namespace,
 * POD_UID ← metadata.uid, POD_IP ← status.podIP, NODE_NAME ← spec.nodeName, CONTAINER_NAME as a
 * literal value (the Downward API has no field for it); a downwardAPI volume with `labels` ←
 * metadata.labels and `annotations` ← metadata.annotations.
 */
import { readFileSync } from 'node:fs';
import type { Enricher, LogRecord } from '../record.ts';
import { deepFreeze, mergeFields, type FieldObject } from '../parse/fields.ts';

export interface PodIdentity {
  readonly namespace?: string;
  readonly podName?: string;
  readonly podUid?: string;
  readonly podIp?: string;
  readonly nodeName?: string;
  readonly containerName?: string;
  /** All labels, keys as Kubernetes has them (`app.kubernetes.io/name`). */
  readonly labels: Readonly<Record<string, string>>;
  /** Only the allow-listed annotations, keys as Kubernetes has them. */
  readonly annotations: Readonly<Record<string, string>>;
  /** What could not be read (a malformed line in a Downward API file), for one log line at start. */
  readonly warnings: readonly string[];
}

export type PodOwner = { readonly kind: 'deployment' | 'statefulset' | 'daemonset' | 'job'; readonly name: string };

/**
 * Label and annotation keys keep their meaning but not their dots (CONVENTIONS.md, as Filebeat
 * does): `app.kubernetes.io/name` → `app_kubernetes_io/name`, so `app` and `app.kubernetes.io/name`
 * on different pods never collide in the mapping.
 */
export function sanitizeLabelKey(key: string): string {
  return key.replaceAll('.', '_');
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34, "'": 39 };

function hexValue(text: string): number | undefined {
  return /^[0-9a-fA-F]+$/.test(text) ? parseInt(text, 16) : undefined;
}

/**
 * Undoes Go's `%q` quoting (strconv.Quote), which the kubelet uses for Downward API values:
 * `\n`, `\"`, `\\`, `\xHH` (a raw byte, possibly part of a UTF-8 sequence), octal `\NNN`,
 * `\uXXXX`, `\UXXXXXXXX`. Returns undefined for text that is not such a quoted string.
 */
export function unquoteGoString(quoted: string): string | undefined {
  if (quoted.length < 2 || !quoted.startsWith('"') || !quoted.endsWith('"')) return undefined;
  const body = quoted.slice(1, -1);
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (c === '"') return undefined; // an unescaped quote cannot occur inside a Go-quoted string
    if (c !== '\\') {
      const codePoint = body.codePointAt(i)!;
      const char = String.fromCodePoint(codePoint);
      bytes.push(...encoder.encode(char));
      i += char.length;
      continue;
    }
    const kind = body[i + 1];
    if (kind === undefined) return undefined;
    const simple = SIMPLE_ESCAPES[kind];
    if (simple !== undefined) {
      bytes.push(simple);
      i += 2;
    } else if (kind === 'x') {
      const byte = hexValue(body.slice(i + 2, i + 4));
      if (byte === undefined || i + 4 > body.length) return undefined;
      bytes.push(byte);
      i += 4;
    } else if (kind === 'u' || kind === 'U') {
      const width = kind === 'u' ? 4 : 8;
      const codePoint = hexValue(body.slice(i + 2, i + 2 + width));
      if (codePoint === undefined || i + 2 + width > body.length || codePoint > 0x10ffff) return undefined;
      bytes.push(...encoder.encode(String.fromCodePoint(codePoint)));
      i += 2 + width;
    } else if (kind >= '0' && kind <= '7') {
      const octal = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(octal) || parseInt(octal, 8) > 255) return undefined;
      bytes.push(parseInt(octal, 8));
      i += 4;
    } else {
      return undefined;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Parses a Downward API volume file: one `key="value"` per line, value Go-quoted, keys sorted.
 * Malformed lines are skipped and reported, so one odd annotation does not cost all the others.
 */
export function parseDownwardApiFile(text: string): { entries: Record<string, string>; invalidLines: number[] } {
  const entries: Record<string, string> = {};
  const invalidLines: number[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim().length === 0) return;
    const equals = line.indexOf('=');
    const value = equals > 0 ? unquoteGoString(line.slice(equals + 1).trimEnd()) : undefined;
    if (value === undefined) invalidLines.push(index + 1);
    else entries[line.slice(0, equals)] = value;
  });
  return { entries, invalidLines };
}

/** An allow-list entry matches a key exactly, or as a prefix when it ends in `*` (`logship.io/*`). */
export function isAllowedAnnotation(key: string, allowList: readonly string[]): boolean {
  return allowList.some((allowed) => (allowed.endsWith('*') ? key.startsWith(allowed.slice(0, -1)) : key === allowed));
}

function readOptionalFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    // A pod without the Downward API volume is a normal setup: no labels, no annotations.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * Reads the pod's identity once at start. `files` are the Downward API volume's paths
 * (e.g. `/etc/podinfo/labels`); a missing file means none of those. Other read errors throw.
 */
export function readPodIdentity(
  env: NodeJS.ProcessEnv,
  files: { readonly labels: string; readonly annotations: string },
  annotationAllowList: readonly string[] = [],
): PodIdentity {
  const warnings: string[] = [];
  const readEntries = (path: string): Record<string, string> => {
    const text = readOptionalFile(path);
    if (text === undefined) return {};
    const { entries, invalidLines } = parseDownwardApiFile(text);
    if (invalidLines.length > 0) warnings.push(`${path}: skipped malformed line(s) ${invalidLines.join(', ')}`);
    return entries;
  };
  const labels = readEntries(files.labels);
  const annotations = Object.fromEntries(
    Object.entries(annotationAllowList.length > 0 ? readEntries(files.annotations) : {}).filter(([key]) => isAllowedAnnotation(key, annotationAllowList)),
  );
  const identity: { -readonly [K in keyof PodIdentity]: PodIdentity[K] } = { labels, annotations, warnings };
  const fromEnv: Array<[keyof PodIdentity, string]> = [
    ['namespace', 'POD_NAMESPACE'], ['podName', 'POD_NAME'], ['podUid', 'POD_UID'],
    ['podIp', 'POD_IP'], ['nodeName', 'NODE_NAME'], ['containerName', 'CONTAINER_NAME'],
  ];
  for (const [field, variable] of fromEnv) {
    const value = nonEmpty(env[variable]);
    if (value !== undefined) (identity as Record<string, unknown>)[field] = value;
  }
  return identity;
}

/**
 * The pod's owner, where its name and labels tell it without asking the API server:
 * - Deployment: `<deployment>-<pod-template-hash>-<5 chars>` with a `pod-template-hash` label;
 * - StatefulSet: `<statefulset>-<ordinal>` with `statefulset.kubernetes.io/pod-name` = the pod's name;
 * - DaemonSet: `<daemonset>-<5 chars>` with `controller-revision-hash` and `pod-template-generation`;
 * - Job: the `job-name` (or `batch.kubernetes.io/job-name`) label.
 */
export function ownerOf(podName: string | undefined, labels: Readonly<Record<string, string>>): PodOwner | undefined {
  const job = labels['batch.kubernetes.io/job-name'] ?? labels['job-name'];
  if (job) return { kind: 'job', name: job };
  if (!podName) return undefined;
  const templateHash = labels['pod-template-hash'];
  if (templateHash) {
    const match = new RegExp(`^(.+)-${templateHash.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-[a-z0-9]{5}$`).exec(podName);
    if (match) return { kind: 'deployment', name: match[1]! };
  }
  if (labels['statefulset.kubernetes.io/pod-name'] === podName) {
    const match = /^(.+)-\d+$/.exec(podName);
    if (match) return { kind: 'statefulset', name: match[1]! };
  }
  if (labels['controller-revision-hash'] && labels['pod-template-generation']) {
    const match = /^(.+)-[a-z0-9]{5}$/.exec(podName);
    if (match) return { kind: 'daemonset', name: match[1]! };
  }
  return undefined;
}

/** The `kubernetes.*` object for an identity; absent facts are left out, not written empty. */
export function kubernetesFields(identity: PodIdentity): FieldObject {
  const kubernetes: FieldObject = {};
  if (identity.namespace) kubernetes.namespace = identity.namespace;
  const pod: FieldObject = {};
  if (identity.podName) pod.name = identity.podName;
  if (identity.podUid) pod.uid = identity.podUid;
  if (identity.podIp) pod.ip = identity.podIp;
  if (Object.keys(pod).length > 0) kubernetes.pod = pod;
  if (identity.nodeName) kubernetes.node = { name: identity.nodeName };
  if (identity.containerName) kubernetes.container = { name: identity.containerName };
  const sanitized = (entries: Readonly<Record<string, string>>): FieldObject =>
    Object.fromEntries(Object.entries(entries).map(([key, value]) => [sanitizeLabelKey(key), value]));
  if (Object.keys(identity.labels).length > 0) kubernetes.labels = sanitized(identity.labels);
  if (Object.keys(identity.annotations).length > 0) kubernetes.annotations = sanitized(identity.annotations);
  const owner = ownerOf(identity.podName, identity.labels);
  if (owner) kubernetes[owner.kind] = { name: owner.name };
  return kubernetes;
}

/**
 * Adds the pod's `kubernetes.*` fields to every record. The fields are computed once and shared,
 * frozen, by all records; the record itself is copied, not changed.
 */
export function podIdentityEnricher(identity: PodIdentity): Enricher {
  const kubernetes = deepFreeze(kubernetesFields(identity));
  if (Object.keys(kubernetes).length === 0) return (record) => record;
  const fields = { kubernetes };
  return (record: LogRecord) => (record.kubernetes === undefined ? { ...record, kubernetes } : mergeFields(record, fields));
}
