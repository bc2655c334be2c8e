import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { renderKustomization, resourceId } from '../../helpers/kustomize.ts';
import { validateObject } from './k8s-schema.ts';

const ROOT = join(import.meta.dirname, '../../..');
const K8S = join(ROOT, 'k8s');

/** Every kustomization under k8s/ that can be applied (components are rendered through the overlays). */
function kustomizations(dir = K8S): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...kustomizations(path));
    else if (entry === 'kustomization.yaml' && (parseYaml(readFileSync(path, 'utf8')) as { kind?: string }).kind !== 'Component') out.push(relative(ROOT, dir));
  }
  return out.sort();
}

describe('the Kubernetes manifests', () => {
  const dirs = kustomizations();

  it('include the base, both overlays and the examples', () => {
    expect(dirs).toEqual(expect.arrayContaining(['k8s/base', 'k8s/overlays/embedded', 'k8s/overlays/forward', 'k8s/examples/nginx-sidecar', 'k8s/examples/nginx-injected']));
  });

  for (const dir of dirs) {
    it(`${dir} renders objects that all validate against the Kubernetes API schemas, with no unknown field`, async () => {
      const resources = renderKustomization(join(ROOT, dir));
      expect(resources.length).toBeGreaterThan(0);
      const problems: string[] = [];
      for (const resource of resources) {
        for (const problem of await validateObject(resource)) problems.push(`${resourceId(resource)}${problem.startsWith('/') ? '' : ' '}${problem}`);
      }
      expect(problems).toEqual([]);
    });
  }

  it('both overlays contain the aggregator, the collector, the injector and its webhook', () => {
    for (const dir of ['k8s/overlays/embedded', 'k8s/overlays/forward']) {
      const ids = renderKustomization(join(ROOT, dir)).map(resourceId);
      expect(ids).toEqual(expect.arrayContaining([
        'Namespace//logging',
        'StatefulSet/logging/logship-aggregator',
        'Service/logging/logship-es',
        'Service/logging/logship-ui',
        'DaemonSet/logging/logship-collector',
        'ClusterRole//logship-collector',
        'ClusterRoleBinding//logship-collector',
        'PriorityClass//logship-node-critical',
        'Deployment/logging/logship-injector',
        'Service/logging/logship-injector',
        'MutatingWebhookConfiguration//logship-injector',
        'Certificate/logging/logship-injector',
      ]));
    }
  });

  it('label every object of both overlays as part of logship, so `kubectl get -l app.kubernetes.io/part-of=logship` finds them all', () => {
    for (const dir of ['k8s/overlays/embedded', 'k8s/overlays/forward']) {
      const unlabelled = renderKustomization(join(ROOT, dir)).filter((r) => r.metadata.labels?.['app.kubernetes.io/part-of'] !== 'logship').map(resourceId);
      expect(unlabelled, dir).toEqual([]);
    }
  });
});

describe('the schema validator used above', () => {
  const pod = (container: Record<string, unknown>): Record<string, unknown> => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', labels: { 'any.key/is-fine': 'yes' } },
    spec: { containers: [{ name: 'c', image: 'nginx', ...container }] },
  });

  it('accepts a valid pod, with free-form maps such as labels', async () => {
    expect(await validateObject(pod({ securityContext: { readOnlyRootFilesystem: true } }))).toEqual([]);
  });

  it('reports a misspelt field that the API schema alone would let through', async () => {
    expect(await validateObject(pod({ securityContext: { readOnlyRootFileSystem: true } }))).toEqual([
      '/spec/containers/0/securityContext/readOnlyRootFileSystem: unknown field',
    ]);
  });

  it('reports a value of the wrong type and a missing required field', async () => {
    const problems = await validateObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ image: 'nginx', ports: [{ containerPort: 'http' }] }] } });
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/containers\/0.*name/),
      expect.stringMatching(/containerPort.*integer/),
    ]));
  });

  it('refuses a kind it has no schema for', async () => {
    expect(await validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual(['no schema known for example.com/v1 Widget']);
  });
});
