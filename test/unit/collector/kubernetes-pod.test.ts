import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { annotationFilter, deploymentOfReplicaSet, ownersFromPodName, podMetaFromApi, resolveOwners } from '../../../shipper/enrich/kubernetes-pod.ts';
import { createPodCache } from '../../../shipper/enrich/kubernetes-pod-cache.ts';
import type { PodMeta } from '../../../shipper/enrich/kubernetes-pod.ts';
import { CORPUS_ROOT } from '../../helpers/corpus.ts';

const META = `${CORPUS_ROOT}/containers/kubernetes-metadata/public`;
const readJson = (name: string): unknown => JSON.parse(readFileSync(`${META}/${name}`, 'utf8'));

describe('compact pod metadata from the API server', () => {
  it('keeps identity, IP, node, labels, owner, and container images and ids of a real Pod (fluent-bit sample)', () => {
    const pod = podMetaFromApi(readJson('fluent-bit_core_base-with-owner-references.meta'), annotationFilter([]));
    expect(pod).toEqual({
      namespace: 'core',
      name: 'base',
      uid: 'e9f2963f-55f2-11e9-84c5-02e422b8a84a',
      ip: '100.116.192.42',
      nodeName: 'ip-10-49-18-80.eu-west-1.compute.internal',
      labels: { 'app.kubernetes.io/name': 'fluent-bit' },
      annotations: {},
      owners: [{ kind: 'DaemonSet', name: 'fluentbit-max' }],
      containers: {
        'fluent-bit': { image: 'fluent/fluent-bit', ids: ['c9898099f6d235126d564ed38a020007ea7a6fac6e25e718de683c9dd0076c16'], runtime: 'docker' },
      },
      resourceVersion: '74466568',
    });
  });

  it('keeps only the configured annotations, and every logship.io one', () => {
    const raw = readJson('fluent-bit_core_base.meta') as { metadata: { annotations: Record<string, string> } };
    raw.metadata.annotations['logship.io/parser'] = 'nginx';
    const pod = podMetaFromApi(raw, annotationFilter(['prometheus.io/port']));
    expect(pod?.annotations).toEqual({ 'prometheus.io/port': '2020', 'logship.io/parser': 'nginx' });
    expect(podMetaFromApi(raw, annotationFilter(['prometheus.io/*']))?.annotations).toEqual({
      'prometheus.io/path': '/api/v1/metrics/prometheus',
      'prometheus.io/port': '2020',
      'prometheus.io/scrape': 'true',
      'logship.io/parser': 'nginx',
    });
  });

  it('reads every pod of a kubelet PodList sample', () => {
    const list = readJson('fluent-bit_options_use-kubelet-enabled.meta') as { items: unknown[] };
    const pods = list.items.map((item) => podMetaFromApi(item, annotationFilter([])));
    expect(pods.length).toBeGreaterThan(0);
    expect(pods[0]?.namespace).toBe('options');
    expect(pods[0]?.name).toBe('use-kubelet-enabled');
  });

  it('rejects objects without namespace, name or uid', () => {
    expect(podMetaFromApi({ metadata: { name: 'x', namespace: 'y' } }, () => false)).toBeUndefined();
    expect(podMetaFromApi('pod', () => false)).toBeUndefined();
  });

  it('remembers the previous container id of a restarted container', () => {
    const pod = podMetaFromApi({
      metadata: { name: 'p', namespace: 'n', uid: 'u' },
      spec: { containers: [{ name: 'app', image: 'app:1' }] },
      status: { containerStatuses: [{ name: 'app', containerID: 'containerd://new', lastState: { terminated: { containerID: 'containerd://old' } } }] },
    }, () => false);
    expect(pod?.containers.app).toEqual({ image: 'app:1', ids: ['new', 'old'], runtime: 'containerd' });
  });
});

describe('owner resolution', () => {
  it('resolves a ReplicaSet to its Deployment when the name ends in the pod-template-hash', () => {
    expect(resolveOwners([{ kind: 'ReplicaSet', name: 'checkout-7d9c5b6f4', controller: true }], { 'pod-template-hash': '7d9c5b6f4' })).toEqual([
      { kind: 'ReplicaSet', name: 'checkout-7d9c5b6f4' },
      { kind: 'Deployment', name: 'checkout' },
    ]);
  });

  it('does not invent a Deployment for a bare ReplicaSet without the hash label', () => {
    expect(resolveOwners([{ kind: 'ReplicaSet', name: 'legacy-rs', controller: true }], {})).toEqual([{ kind: 'ReplicaSet', name: 'legacy-rs' }]);
    expect(deploymentOfReplicaSet('other-abc', '7d9c5b6f4')).toBeUndefined();
  });

  it('prefers the controller reference and links a scheduled Job to its CronJob', () => {
    expect(resolveOwners([{ kind: 'Node', name: 'n1' }, { kind: 'Job', name: 'backup-29345678', controller: true }], {})).toEqual([
      { kind: 'Job', name: 'backup-29345678' },
      { kind: 'CronJob', name: 'backup' },
    ]);
  });

  it('derives the Deployment from a pod name and its sandbox labels without the API', () => {
    expect(ownersFromPodName('checkout-7d9c5b6f4-x2k8p', { 'pod-template-hash': '7d9c5b6f4' })).toEqual([
      { kind: 'ReplicaSet', name: 'checkout-7d9c5b6f4' },
      { kind: 'Deployment', name: 'checkout' },
    ]);
    expect(ownersFromPodName('ledger-worker-0', {})).toEqual([]);
  });
});

describe('pod cache', () => {
  const pod = (uid: string): PodMeta => ({ namespace: 'n', name: `p-${uid}`, uid, ip: undefined, nodeName: 'node', labels: {}, annotations: {}, owners: [], containers: {}, resourceVersion: '1' });

  it('keeps a deleted pod readable for the grace period (at least a minute), then forgets it', () => {
    let now = 0;
    const cache = createPodCache({ deletedGraceMs: 1, now: () => now });
    cache.upsert(pod('a'));
    cache.delete('a');
    now = 59_000;
    cache.sweep();
    expect(cache.get('a')?.name).toBe('p-a');
    now = 60_001;
    cache.sweep();
    expect(cache.get('a')).toBeUndefined();
  });

  it('marks pods missing from a relist deleted instead of dropping them', () => {
    let now = 0;
    const cache = createPodCache({ now: () => now });
    cache.replaceAll([pod('a'), pod('b')]);
    cache.replaceAll([pod('b')]);
    expect(cache.liveSize).toBe(1);
    expect(cache.get('a')).toBeDefined();
    now = 10 * 60_000;
    cache.sweep();
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBeDefined();
  });

  it('stays within its bound by evicting the pods deleted longest ago, never live ones', () => {
    const cache = createPodCache({ maxPods: 3 });
    for (const uid of ['a', 'b', 'c']) cache.upsert(pod(uid));
    cache.delete('a');
    cache.delete('b');
    cache.upsert(pod('d'));
    expect(cache.size).toBe(3);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBeDefined();
    cache.upsert(pod('e'));
    expect(cache.get('b')).toBeUndefined();
    expect(['c', 'd', 'e'].every((uid) => cache.get(uid) !== undefined)).toBe(true);
  });

  it('a pod re-added after deletion is live again', () => {
    const cache = createPodCache();
    cache.upsert(pod('a'));
    cache.delete('a');
    expect(cache.liveSize).toBe(0);
    cache.upsert(pod('a'));
    expect(cache.liveSize).toBe(1);
  });
});
