/**
 * A small kustomize for the tests: renders `k8s/` kustomizations without a kustomize binary, for the subset
 * of kustomize the manifests use, and refuses anything else (an unknown field is an error, never ignored).
 *
 * Supported: `resources` (files and kustomization directories), `components` (kind: Component), `namespace`,
 * `labels` (pairs, includeSelectors: false), `patches` (strategic merge by kind + name, or JSON 6902 with a
 * target) and `images`. Transformers run in kustomize's order: patches, namespace, labels, images.
 * Where kubectl is installed, `kubectl kustomize` gives the same objects (checked by hand; see k8s/README.md).
 */
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';

export interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

type Json = Record<string, unknown>;

/** Kinds that are not namespaced (only those that can appear here). */
export const CLUSTER_SCOPED = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PriorityClass', 'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration', 'CustomResourceDefinition', 'StorageClass', 'PersistentVolume', 'ClusterIssuer',
]);

const KUSTOMIZATION_FIELDS = new Set(['apiVersion', 'kind', 'namespace', 'labels', 'resources', 'components', 'patches', 'images']);

/** Strategic merge keys of the lists the patches touch (from the Kubernetes API's patchMergeKey). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
};

export function renderKustomization(dir: string): Resource[] {
  return render(resolve(dir), 'Kustomization');
}

function render(dir: string, expectedKind: 'Kustomization' | 'Component', accumulated: Resource[] = []): Resource[] {
  const file = join(dir, 'kustomization.yaml');
  const k = parseYaml(readFileSync(file, 'utf8')) as Json;
  for (const key of Object.keys(k)) if (!KUSTOMIZATION_FIELDS.has(key)) throw new Error(`${file}: the test renderer does not support ${key}`);
  if ((k.kind ?? 'Kustomization') !== expectedKind) throw new Error(`${file}: expected kind ${expectedKind}, found ${String(k.kind)}`);

  // A Component works on what its parent has accumulated; a Kustomization starts afresh.
  const out: Resource[] = expectedKind === 'Component' ? accumulated : [];
  for (const entry of asStrings(k.resources, file, 'resources')) {
    const path = resolve(dir, entry);
    if (statSync(path).isDirectory()) out.push(...render(path, 'Kustomization'));
    else out.push(...readResources(path));
  }
  for (const entry of asStrings(k.components, file, 'components')) render(resolve(dir, entry), 'Component', out);
  assertUnique(out, file);

  for (const patch of (k.patches ?? []) as Json[]) applyPatch(out, patch, dir, file);
  if (typeof k.namespace === 'string') setNamespace(out, k.namespace);
  for (const entry of (k.labels ?? []) as Json[]) {
    if (entry.includeSelectors === true || entry.includeTemplates === true) throw new Error(`${file}: labels with selectors/templates are not supported`);
    for (const resource of out) resource.metadata.labels = { ...resource.metadata.labels, ...(entry.pairs as Record<string, string>) };
  }
  for (const image of (k.images ?? []) as Json[]) setImage(out, image);
  return out;
}

export function readResources(path: string): Resource[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS() as Resource | null;
    })
    .filter((r): r is Resource => r !== null);
}

function asStrings(value: unknown, file: string, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error(`${file}: ${field} must be a list of paths`);
  return value;
}

function assertUnique(resources: Resource[], file: string): void {
  const seen = new Set<string>();
  for (const r of resources) {
    const id = resourceId(r);
    if (seen.has(id)) throw new Error(`${file}: ${id} is defined twice`);
    seen.add(id);
  }
}

export function resourceId(r: Resource): string {
  return `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`;
}

function applyPatch(resources: Resource[], entry: Json, dir: string, file: string): void {
  const text = typeof entry.path === 'string' ? readFileSync(resolve(dir, entry.path), 'utf8') : entry.patch;
  if (typeof text !== 'string') throw new Error(`${file}: a patch needs path or patch`);
  const body = parseYaml(text) as unknown;
  const target = entry.target as Json | undefined;
  if (Array.isArray(body)) {
    if (target === undefined) throw new Error(`${file}: a JSON 6902 patch needs a target`);
    const matches = resources.filter((r) => matchesTarget(r, target));
    if (matches.length === 0) throw new Error(`${file}: patch target ${JSON.stringify(target)} matches nothing`);
    for (const r of matches) {
      const patched = fastJsonPatch.applyPatch(r, body as Operation[], true, false).newDocument;
      Object.assign(r, patched);
    }
    return;
  }
  const patch = body as Resource;
  const matches = target !== undefined
    ? resources.filter((r) => matchesTarget(r, target))
    : resources.filter((r) => r.kind === patch.kind && r.metadata.name === patch.metadata.name && (patch.metadata.namespace === undefined || r.metadata.namespace === patch.metadata.namespace));
  if (matches.length === 0) throw new Error(`${file}: strategic merge patch for ${patch.kind}/${patch.metadata?.name} matches nothing`);
  for (const r of matches) {
    const merged = strategicMerge(r, patch) as Resource;
    for (const key of Object.keys(r)) delete r[key];
    Object.assign(r, merged);
  }
}

function matchesTarget(r: Resource, target: Json): boolean {
  const [group, version] = r.apiVersion.includes('/') ? r.apiVersion.split('/') : ['', r.apiVersion];
  return (target.kind === undefined || target.kind === r.kind)
    && (target.name === undefined || target.name === r.metadata.name)
    && (target.namespace === undefined || target.namespace === r.metadata.namespace)
    && (target.group === undefined || target.group === group)
    && (target.version === undefined || target.version === version);
}

/** Strategic merge patch for maps and the keyed lists above; other lists are replaced; null deletes. */
export function strategicMerge(base: unknown, patch: unknown, field = ''): unknown {
  if (Array.isArray(patch)) {
    const key = MERGE_KEYS[field];
    if (key === undefined || !Array.isArray(base)) return structuredClone(patch);
    const out = structuredClone(base) as Json[];
    const added: Json[] = [];
    for (const item of patch as Json[]) {
      if (typeof item !== 'object' || item === null || '$patch' in item) throw new Error(`unsupported list item in a patch of ${field}`);
      const index = out.findIndex((existing) => existing[key] === item[key]);
      if (index === -1) added.push(structuredClone(item));
      else out[index] = strategicMerge(out[index], item) as Json;
    }
    // kustomize (kyaml) puts the items a patch adds before the existing ones.
    return [...added, ...out];
  }
  if (typeof patch === 'object' && patch !== null) {
    if ('$patch' in patch || Object.keys(patch).some((k) => k.startsWith('$'))) throw new Error('patch directives are not supported');
    const out: Json = typeof base === 'object' && base !== null && !Array.isArray(base) ? structuredClone(base as Json) : {};
    for (const [k, v] of Object.entries(patch as Json)) {
      if (v === null) delete out[k];
      else out[k] = strategicMerge(out[k], v, k);
    }
    return out;
  }
  return patch;
}

function setNamespace(resources: Resource[], namespace: string): void {
  for (const r of resources) {
    if (r.kind === 'Namespace') r.metadata.name = namespace;
    else if (!CLUSTER_SCOPED.has(r.kind)) r.metadata.namespace = namespace;
    if (r.kind === 'ClusterRoleBinding' || r.kind === 'RoleBinding') {
      for (const subject of (r.subjects ?? []) as Json[]) if (subject.kind === 'ServiceAccount') subject.namespace = namespace;
    }
    if (r.kind === 'MutatingWebhookConfiguration' || r.kind === 'ValidatingWebhookConfiguration') {
      for (const webhook of (r.webhooks ?? []) as Json[]) {
        const service = (webhook.clientConfig as Json | undefined)?.service as Json | undefined;
        if (service !== undefined) service.namespace = namespace;
      }
    }
  }
}

function setImage(resources: Resource[], image: Json): void {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const object = node as Json;
    for (const field of ['containers', 'initContainers']) {
      for (const container of (Array.isArray(object[field]) ? object[field] : []) as Json[]) {
        if (typeof container.image !== 'string') continue;
        const parsed = /^(?<name>[^@]+?)(?::(?<tag>[^:/@]+))?(?:@(?<digest>.+))?$/.exec(container.image)?.groups;
        if (parsed === undefined || parsed.name !== image.name) continue;
        const name = typeof image.newName === 'string' ? image.newName : parsed.name;
        if (typeof image.digest === 'string') container.image = `${name}@${image.digest}`;
        else if (typeof image.newTag === 'string') container.image = `${name}:${image.newTag}`;
        else container.image = `${name}${parsed.tag === undefined ? '' : `:${parsed.tag}`}${parsed.digest === undefined ? '' : `@${parsed.digest}`}`;
      }
    }
    Object.values(object).forEach(visit);
  };
  visit(resources);
}
