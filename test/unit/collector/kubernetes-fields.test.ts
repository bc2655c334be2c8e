import { describe, expect, it } from 'vitest';
import { containerMetadata, datasetName, policyOf, type ContainerRef } from '../../../shipper/enrich/kubernetes-fields.ts';
import { annotationFilter, type PodMeta } from '../../../shipper/enrich/kubernetes-pod.ts';

const ref: ContainerRef = {
  runtime: undefined,
  containerId: undefined,
  image: undefined,
  pod: { namespace: 'shop', name: 'web-7d9c5b6f4-x2k8p', uid: 'u-1', containerName: 'web' },
  podLabels: {},
  podAnnotations: {},
  owners: [],
};

const apiPod: PodMeta = {
  namespace: 'shop',
  name: 'web-7d9c5b6f4-x2k8p',
  uid: 'u-1',
  ip: '10.0.0.7',
  nodeName: 'node-1',
  labels: { app: 'web', 'app.kubernetes.io/name': 'web' },
  annotations: { 'logship.io/parser': 'nginx', 'team.example.com/owner': 'shop' },
  owners: [{ kind: 'ReplicaSet', name: 'web-7d9c5b6f4' }, { kind: 'Deployment', name: 'web' }],
  containers: { web: { image: 'nginx:1.27', ids: ['abc'], runtime: 'containerd' } },
  resourceVersion: '5',
};

describe('kubernetes.* and container.* fields of a container', () => {
  it('uses the path alone when nothing else is known', () => {
    expect(containerMetadata(ref, undefined, { nodeName: 'node-1', keepAnnotation: () => false })).toEqual({
      fields: { kubernetes: { namespace: 'shop', pod: { name: 'web-7d9c5b6f4-x2k8p', uid: 'u-1' }, node: { name: 'node-1' }, container: { name: 'web' } } },
      policy: { exclude: false, parser: undefined, dataset: undefined },
    });
  });

  it('prefers the API pod: IP, dotted label keys as _, configured annotations only, owners, image and runtime', () => {
    const { fields, policy } = containerMetadata(ref, apiPod, { nodeName: 'node-1', keepAnnotation: annotationFilter(['team.example.com/owner']) });
    expect(fields).toEqual({
      container: { id: 'abc', runtime: 'containerd', image: { name: 'nginx:1.27' } },
      kubernetes: {
        namespace: 'shop',
        pod: { name: 'web-7d9c5b6f4-x2k8p', uid: 'u-1', ip: '10.0.0.7' },
        node: { name: 'node-1' },
        container: { name: 'web' },
        labels: { app: 'web', 'app_kubernetes_io/name': 'web' },
        annotations: { 'team_example_com/owner': 'shop' },
        replicaset: { name: 'web-7d9c5b6f4' },
        deployment: { name: 'web' },
      },
    });
    expect(policy.parser).toBe('nginx');
    expect(Object.isFrozen(fields.kubernetes)).toBe(true);
  });

  it('falls back to the docker sandbox labels and annotations when the API is not there', () => {
    const docker: ContainerRef = { ...ref, runtime: 'docker', containerId: 'd1', image: 'web:1', podLabels: { app: 'web' }, podAnnotations: { 'logship.io/exclude': 'true' } };
    const { fields, policy } = containerMetadata(docker, undefined, { nodeName: undefined, keepAnnotation: () => false });
    expect(fields.container).toEqual({ id: 'd1', runtime: 'docker', image: { name: 'web:1' } });
    expect((fields.kubernetes as { labels: unknown }).labels).toEqual({ app: 'web' });
    expect(policy.exclude).toBe(true);
  });

  it('gives a non-Kubernetes container only container.* fields', () => {
    const plain: ContainerRef = { ...ref, pod: undefined, runtime: 'docker', containerId: 'p1', image: 'ubuntu:jammy' };
    expect(containerMetadata(plain, undefined, { nodeName: 'n', keepAnnotation: () => true }).fields).toEqual({ container: { id: 'p1', runtime: 'docker', image: { name: 'ubuntu:jammy' } } });
  });
});

describe('logship.io annotations', () => {
  it.each([
    [{ 'logship.io/exclude': 'true' }, { exclude: true, parser: undefined, dataset: undefined }],
    [{ 'logship.io/exclude': 'TRUE ' }, { exclude: true, parser: undefined, dataset: undefined }],
    [{ 'logship.io/exclude': 'yes' }, { exclude: false, parser: undefined, dataset: undefined }],
    [{ 'logship.io/parser': 'nginx' }, { exclude: false, parser: 'nginx', dataset: undefined }],
    [{ 'logship.io/parser': 'apache' }, { exclude: false, parser: undefined, dataset: undefined }],
    [{ 'logship.io/dataset': 'payments' }, { exclude: false, parser: undefined, dataset: 'payments' }],
  ])('%j → %j', (annotations, policy) => {
    expect(policyOf(annotations)).toEqual(policy);
  });

  it('makes any dataset annotation a valid data stream part', () => {
    expect(datasetName('Shop-Orders v2')).toBe('shop_orders_v2');
    expect(datasetName('..hidden')).toBe('hidden');
    expect(datasetName('  ')).toBeUndefined();
    expect(datasetName('x'.repeat(300))).toHaveLength(100);
  });
});
