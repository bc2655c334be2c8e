import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startFakeKubeApi, type FakeKubeApi, type KubePod } from '../../helpers/fake-kube-api.ts';
import { createKubeClient, splitJsonLines } from '../../../shipper/kube/client.ts';
import { createPodWatcher, type PodWatcher } from '../../../shipper/kube/pod-watcher.ts';
import { createPodCache, type PodCache } from '../../../shipper/enrich/kubernetes-pod-cache.ts';
import { annotationFilter } from '../../../shipper/enrich/kubernetes-pod.ts';
import { kubeConnection } from '../../../shipper/kube/in-cluster.ts';
import { Registry } from '../../../shipper/kit/metrics.ts';
import { eventually } from '../../helpers/eventually.ts';
import { makeCertificate } from '../../helpers/certificates.ts';
import { CORPUS_ROOT } from '../../helpers/corpus.ts';

const NODE = 'ip-10-49-18-80.eu-west-1.compute.internal';
const realPod = JSON.parse(readFileSync(`${CORPUS_ROOT}/containers/kubernetes-metadata/public/fluent-bit_core_base-with-owner-references.meta`, 'utf8')) as KubePod;

/** A copy of the real Pod sample with its own name, uid and node. */
function podLike(name: string, uid: string, node = NODE, extra: Partial<KubePod['metadata']> = {}): KubePod {
  const pod = structuredClone(realPod);
  pod.metadata = { ...pod.metadata, name, uid, ...extra };
  pod.spec = { ...pod.spec, nodeName: node };
  return pod;
}

describe('Kubernetes pod list/watch against a local API server', () => {
  let api: FakeKubeApi | undefined;
  let watcher: PodWatcher | undefined;
  const logger = pino({ level: 'silent' });

  afterEach(async () => {
    await watcher?.close();
    await api?.close();
    watcher = undefined;
    api = undefined;
  });

  const start = (server: FakeKubeApi, cache: PodCache, extra: { token?: string; registry?: Registry; pageSize?: number } = {}): PodWatcher => {
    const dir = mkdtempSync(join(tmpdir(), 'kube-token-'));
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${extra.token ?? 'secret-token'}\n`);
    const client = createKubeClient({ server: server.url, tokenFile });
    const w = createPodWatcher({
      client,
      cache,
      nodeName: NODE,
      keepAnnotation: annotationFilter(['prometheus.io/port']),
      logger,
      minBackoffMs: 20,
      maxBackoffMs: 100,
      ...(extra.registry === undefined ? {} : { registry: extra.registry }),
      ...(extra.pageSize === undefined ? {} : { pageSize: extra.pageSize }),
    });
    w.start();
    return w;
  };

  it('lists only the pods of its node, page by page, with the service account token', async () => {
    api = await startFakeKubeApi({ token: 'secret-token' });
    for (let i = 0; i < 5; i++) api.addPod(podLike(`mine-${i}`, `uid-${i}`));
    api.addPod(podLike('elsewhere', 'uid-x', 'other-node'));
    const cache = createPodCache();
    watcher = start(api, cache, { pageSize: 2 });
    expect(await watcher.synced(5000)).toBe(true);
    expect(cache.liveSize).toBe(5);
    expect(cache.get('uid-x')).toBeUndefined();
    expect(cache.get('uid-3')?.owners).toEqual([{ kind: 'DaemonSet', name: 'fluentbit-max' }]);
    expect(cache.get('uid-3')?.annotations).toEqual({ 'prometheus.io/port': '2020' });
    const lists = api.requests.filter((r) => !r.watch);
    expect(lists.map((r) => r.query.fieldSelector)).toEqual([`spec.nodeName=${NODE}`, `spec.nodeName=${NODE}`, `spec.nodeName=${NODE}`]);
    expect(lists.map((r) => r.query.limit)).toEqual(['2', '2', '2']);
  });

  it('applies ADDED, MODIFIED and DELETED events and keeps a deleted pod readable', async () => {
    api = await startFakeKubeApi({ splitEvents: true });
    api.addPod(podLike('a', 'uid-a'));
    const cache = createPodCache();
    watcher = start(api, cache);
    await watcher.synced(5000);
    await eventually(() => expect(api!.openWatches).toBe(1));
    const watchRequest = api.requests.find((r) => r.watch);
    expect(watchRequest?.query.allowWatchBookmarks).toBe('true');
    expect(watchRequest?.query.resourceVersion).toBe(String(api.resourceVersion));

    api.addPod(podLike('b', 'uid-b', NODE, { labels: { app: 'ünïcödé-✓' } }));
    await eventually(() => expect(cache.get('uid-b')?.labels).toEqual({ app: 'ünïcödé-✓' }));
    api.updatePod(podLike('b', 'uid-b', NODE, { labels: { app: 'v2' } }));
    await eventually(() => expect(cache.get('uid-b')?.labels).toEqual({ app: 'v2' }));
    api.deletePod('uid-a');
    await eventually(() => expect(cache.liveSize).toBe(1));
    expect(cache.get('uid-a')?.name).toBe('a');
  });

  it('resumes from the last bookmark after the server ends a watch, without listing again', async () => {
    api = await startFakeKubeApi();
    api.addPod(podLike('a', 'uid-a'));
    const cache = createPodCache();
    watcher = start(api, cache);
    await watcher.synced(5000);
    await eventually(() => expect(api!.openWatches).toBe(1));
    api.bookmark();
    const bookmarked = String(api.resourceVersion);
    await eventually(() => {
      api!.endWatches();
      const resumed = api!.requests.filter((r) => r.watch).at(-1);
      expect(resumed?.query.resourceVersion).toBe(bookmarked);
    });
    expect(api.requests.filter((r) => !r.watch)).toHaveLength(1);
    api.addPod(podLike('c', 'uid-c'));
    await eventually(() => expect(cache.get('uid-c')).toBeDefined());
  });

  it('lists again when an open watch receives a 410 Expired ERROR event', async () => {
    api = await startFakeKubeApi();
    api.addPod(podLike('a', 'uid-a'));
    const registry = new Registry();
    const cache = createPodCache();
    watcher = start(api, cache, { registry });
    await watcher.synced(5000);
    await eventually(() => expect(api!.openWatches).toBe(1));
    api.expireWatches();
    await eventually(() => expect(api!.requests.filter((r) => !r.watch)).toHaveLength(2));
    expect(await registry.getSingleMetricAsString('logship_kube_watch_expired_total')).toMatch(/ 1$/m);
  });

  it('relists on an HTTP 410 Gone after an outage, and marks pods deleted meanwhile as deleted', async () => {
    api = await startFakeKubeApi({ goneAsHttpStatus: true });
    api.addPod(podLike('a', 'uid-a'));
    api.addPod(podLike('b', 'uid-b'));
    const cache = createPodCache();
    watcher = start(api, cache);
    await watcher.synced(5000);
    await eventually(() => expect(api!.openWatches).toBe(1));

    api.fail(503);
    await eventually(() => expect(watcher!.healthy).toBe(false));
    api.deletePod('uid-a');
    api.addPod(podLike('c', 'uid-c'));
    api.compact();
    api.recover();

    await eventually(() => expect(cache.get('uid-c')).toBeDefined());
    expect(api.requests.some((r) => r.watch && r.status === 410)).toBe(true);
    expect(cache.liveSize).toBe(2);
    expect(cache.get('uid-a')).toBeDefined();
    expect(watcher.healthy).toBe(true);
  });

  it('keeps what it knows while the API is down and retries with backoff', async () => {
    api = await startFakeKubeApi();
    api.addPod(podLike('a', 'uid-a'));
    const cache = createPodCache();
    watcher = start(api, cache);
    await watcher.synced(5000);
    api.fail(500);
    const before = api.requests.length;
    await eventually(() => expect(api!.requests.length).toBeGreaterThan(before + 2));
    expect(cache.get('uid-a')?.name).toBe('a');
    api.recover();
    api.addPod(podLike('b', 'uid-b'));
    await eventually(() => expect(cache.get('uid-b')).toBeDefined());
  });

  it('reports a rejected token as unsynced instead of hanging', async () => {
    api = await startFakeKubeApi({ token: 'right' });
    watcher = start(api, createPodCache(), { token: 'wrong' });
    expect(await watcher.synced(300)).toBe(false);
    expect(api.requests.some((r) => r.status === 401)).toBe(true);
  });

  it('handles a thousand pods and a burst of events with a bounded cache', async () => {
    api = await startFakeKubeApi();
    for (let i = 0; i < 1000; i++) api.addPod(podLike(`p-${i}`, `u-${i}`));
    const cache = createPodCache({ maxPods: 1100 });
    watcher = start(api, cache);
    await watcher.synced(10_000);
    expect(cache.liveSize).toBe(1000);
    await eventually(() => expect(api!.openWatches).toBe(1));
    for (let i = 0; i < 1000; i++) api.deletePod(`u-${i}`);
    for (let i = 1000; i < 1200; i++) api.addPod(podLike(`p-${i}`, `u-${i}`));
    await eventually(() => expect(cache.liveSize).toBe(200));
    expect(cache.size).toBe(1100);
  });
});

describe('in-cluster connection over HTTPS', () => {
  it('lists and watches with the mounted service account token and CA, and refuses a server its CA did not sign', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kube-tls-'));
    const server = makeCertificate(dir, 'apiserver', 'apiserver');
    const stranger = makeCertificate(dir, 'stranger', 'stranger');
    const api = await startFakeKubeApi({ token: 'sa-token', tls: { cert: readFileSync(server.cert), key: readFileSync(server.key) } });
    const logger = pino({ level: 'silent' });
    const watchers: PodWatcher[] = [];
    try {
      api.addPod(podLike('a', 'uid-a'));
      const port = new URL(api.url).port;
      const account = (ca: string): string => {
        const accountDir = mkdtempSync(join(dir, 'sa-'));
        writeFileSync(join(accountDir, 'token'), 'sa-token\n');
        copyFileSync(ca, join(accountDir, 'ca.crt'));
        return accountDir;
      };
      const connect = (accountDir: string): { watcher: PodWatcher; cache: PodCache } => {
        const connection = kubeConnection({}, { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port }, accountDir);
        if (connection.ok !== true) throw new Error(connection.reason);
        const cache = createPodCache();
        const watcher = createPodWatcher({ client: createKubeClient(connection.options), cache, nodeName: NODE, keepAnnotation: () => false, logger, minBackoffMs: 20, maxBackoffMs: 100 });
        watcher.start();
        watchers.push(watcher);
        return { watcher, cache };
      };

      const trusted = connect(account(server.cert));
      expect(await trusted.watcher.synced(5000)).toBe(true);
      expect(trusted.cache.get('uid-a')?.name).toBe('a');
      await eventually(() => expect(api.openWatches).toBe(1));
      api.addPod(podLike('b', 'uid-b'));
      await eventually(() => expect(trusted.cache.get('uid-b')).toBeDefined());

      const untrusted = connect(account(stranger.cert));
      expect(await untrusted.watcher.synced(300)).toBe(false);
      expect(untrusted.cache.size).toBe(0);
    } finally {
      for (const watcher of watchers) await watcher.close();
      await api.close();
    }
  });
});

describe('watch stream framing', () => {
  it('joins JSON objects split across chunks and UTF-8 characters split across chunks', () => {
    const text = '{"type":"ADDED","object":{"n":"é✓"}}\n{"type":"BOOKMARK"}\n';
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const split = splitJsonLines();
      const lines = [...split.push(bytes.subarray(0, cut)), ...split.push(bytes.subarray(cut))];
      expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([{ type: 'ADDED', object: { n: 'é✓' } }, { type: 'BOOKMARK' }]);
      expect(split.end()).toBeUndefined();
    }
  });
});

describe('in-cluster connection settings', () => {
  it('uses KUBERNETES_SERVICE_HOST/PORT and the mounted service account token and CA', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sa-'));
    writeFileSync(join(dir, 'token'), 't');
    writeFileSync(join(dir, 'ca.crt'), '-----BEGIN CERTIFICATE-----\n');
    const connection = kubeConnection({}, { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, dir);
    expect(connection.ok).toBe(true);
    if (connection.ok !== true) return;
    expect(connection.options.server).toBe('https://10.96.0.1:443');
    expect(connection.options.tokenFile).toBe(join(dir, 'token'));
    expect(String(connection.options.ca)).toContain('BEGIN CERTIFICATE');
  });

  it('says why when not in a cluster', () => {
    expect(kubeConnection({}, {}, '/nonexistent')).toEqual({ ok: false, reason: expect.stringContaining('KUBERNETES_SERVICE_HOST') });
  });

  it('brackets an IPv6 service host', () => {
    const connection = kubeConnection({}, { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' }, '/nonexistent');
    expect(connection.ok && connection.options.server).toBe('https://[fd00::1]:6443');
  });
});
