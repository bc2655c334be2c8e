/**
 * The real collector process on a copy of the corpus's node tree (`layout/var/...`), shipping to a
 * recording `_bulk` endpoint: exact document counts per container and the Kubernetes fields, first from
 * paths and docker's files alone, then with a local API server speaking list/watch.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually.ts';
import { startRecordingBulkEndpoint, type RecordingBulkEndpoint } from '../../helpers/recording-bulk-endpoint.ts';
import { startFakeKubeApi, type FakeKubeApi, type KubePod } from '../../helpers/fake-kube-api.ts';
import { copyLayout, type LayoutCopy } from './layout-copy.ts';
import { metricValue, startCollector, stateFile, type CollectorProcess, type Doc } from './collector-harness.ts';
import { CORPUS_ROOT } from '../../helpers/corpus.ts';

const CONTAINER_LOGS = 'logs-kubernetes.container_logs-default';
const CHECKOUT = '25cc191df2648a2c13b29d54b290c83f5a64217406ce960a794afb8eaae9ebbc';
const AUDIT = '902e2c4bbd0e46ff8b5ee1cd8d54884359eea3ba60e561618a6d2431d1be41cb';
const ESCAPES = 'aa5c41db31328bcf24dc2b3c17dd3a7528bbede4e049e1631ec1e7652791bd1c';
const SANDBOX = '2cdcdc621a0f51cdea04b95d845218899e4ad729c08a52a6bb5999298ef7a2f7';
const PLAIN = '043b521509b63b46e785a897f9264cecb3531ebc83d5072fcaeeeae6336bce57';
const LEDGER_API_ID = '488571d8d4ddb1e56141117aa3772159d8270cc2fbc8e0fe1f0ca5cf9e8101b4';
const SHOP_UID = '2520f245-222d-4e1f-84b9-ccf00ef49738';
const LEDGER_API_UID = '863b9313-ae40-4d22-bdc1-84a7c670795c';
const WORKER_UID = 'cc80baef-3272-4fcd-a290-b97963dbb86b';
const PROBE_UID = 'b229ae30-9c90-443a-87b7-d52357e75b10';
const PROBE_TZ_UID = 'af19f802-0f58-43bb-a875-1f2e651f05ef';

/**
 * Records per container after reassembly (corpus README): the workload prints 28 logical lines
 * (including its final line without a newline, shipped after the partial timeout); `audit` kept seq
 * 163–400 (238 lines) in its three docker files; `escapes` wrote 6; the worker's plain files hold
 * 106 + 33 lines (its `.gz` rotation is not read); the non-Kubernetes container is beats' 21-entry
 * capture (its corrupted entry becomes a parse failure record); the sandbox's log is empty and skipped.
 */
const EXPECTED = new Map<string, number>([
  ['shop/checkout', 28],
  ['shop/audit', 238],
  ['shop/escapes', 6],
  ['payments/ledger-api', 28],
  ['payments/worker', 139],
  ['monitoring/node-probe-6c8f9d7b5-kq2lm/probe', 28],
  ['monitoring/node-probe-tz-0/probe', 28],
  ['docker/' + PLAIN.slice(0, 12), 21],
]);
const TOTAL = [...EXPECTED.values()].reduce((a, b) => a + b, 0);

function containerKey(doc: Doc): string {
  const k = doc.kubernetes;
  if (k === undefined) return `docker/${doc.container?.id?.slice(0, 12)}`;
  if (k.namespace === 'monitoring') return `${k.namespace}/${k.pod?.name}/${k.container?.name}`;
  return `${k.namespace}/${k.container?.name}`;
}

function countByContainer(docs: readonly Doc[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const doc of docs) counts.set(containerKey(doc), (counts.get(containerKey(doc)) ?? 0) + 1);
  return counts;
}

describe('logship collector on the layout tree', () => {
  let layout: LayoutCopy;
  let es: RecordingBulkEndpoint;
  let api: FakeKubeApi | undefined;
  let collector: CollectorProcess | undefined;

  beforeEach(async () => {
    layout = copyLayout();
    es = await startRecordingBulkEndpoint();
  });
  afterEach(async () => {
    await collector?.kill();
    collector = undefined;
    await api?.close();
    api = undefined;
    await es.close();
    layout.remove();
  });

  const docs = (index?: string): Doc[] => es.list(index).map((d) => d.source as Doc);

  it('ships every container exactly once, with metadata from paths and docker files alone', async () => {
    collector = await startCollector({ dockerRoot: layout.dockerRoot, podsRoot: layout.podsRoot, stateDir: join(layout.root, 'state'), to: es.url });
    await eventually(() => expect(es.count(CONTAINER_LOGS)).toBe(TOTAL), { timeoutMs: 30_000 });
    expect(es.count()).toBe(TOTAL);
    expect(countByContainer(docs())).toEqual(EXPECTED);

    const all = docs();
    // The dockershim links under var/log/pods/shop_* name the docker files: read once, through the docker root.
    expect(all.filter((d) => d.log?.file?.path?.includes('/var/log/pods/shop_'))).toEqual([]);
    expect(all.filter((d) => d.container?.id === SANDBOX)).toEqual([]);

    const checkout = all.filter((d) => d.container?.id === CHECKOUT);
    expect(checkout[0]).toMatchObject({
      container: { id: CHECKOUT, runtime: 'docker', image: { name: 'bbstatic:2' } },
      kubernetes: {
        namespace: 'shop',
        pod: { name: 'checkout-7d9c5b6f4-x2k8p', uid: SHOP_UID },
        node: { name: 'node-1' },
        container: { name: 'checkout' },
        labels: { app: 'checkout', 'pod-template-hash': '7d9c5b6f4' },
        deployment: { name: 'checkout' },
        replicaset: { name: 'checkout-7d9c5b6f4' },
      },
      data_stream: { dataset: 'kubernetes.container_logs', namespace: 'default' },
      event: { dataset: 'kubernetes.container_logs' },
    });
    expect(checkout.filter((d) => d.message === 'final line without trailing newline')).toHaveLength(1);
    expect(checkout.find((d) => d.message?.startsWith('big-line-40KiB:'))?.message).toHaveLength(40_960);
    expect(checkout.filter((d) => d.stream === 'stderr').length).toBeGreaterThan(0);
    expect(all.filter((d) => d.container?.id === AUDIT).every((d) => d.kubernetes?.container?.name === 'audit')).toBe(true);
    expect(all.filter((d) => d.container?.id === ESCAPES)).toHaveLength(6);

    const ledger = all.filter((d) => d.kubernetes?.container?.name === 'ledger-api');
    expect(ledger[0]).toMatchObject({
      container: { id: LEDGER_API_ID },
      kubernetes: { namespace: 'payments', pod: { name: 'ledger-api-5f6b8c9d7-q4wz2', uid: LEDGER_API_UID }, node: { name: 'node-1' } },
    });
    expect(ledger.find((d) => d.message?.startsWith('big-stderr-20KiB:'))?.stream).toBe('stderr');
    // A JSON line keeps its fields: ECS keys in place, the application's time wins.
    const ecs = ledger.find((d) => d.message === 'listening on :8080');
    expect(ecs).toMatchObject({ '@timestamp': '2026-11-23T06:00:00.123000000Z', log: { level: 'info' }, service: { name: 'demo-app' } });

    const tz = all.filter((d) => d.kubernetes?.pod?.uid === PROBE_TZ_UID);
    expect(tz.every((d) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/.test(d['@timestamp'] ?? ''))).toBe(true);
    expect(tz.find((d) => d.message?.startsWith('demo-app starting'))?.['@timestamp']).toBe('2026-11-23T06:48:27.499033813Z');

    const plain = all.filter((d) => d.container?.id === PLAIN);
    expect(plain.every((d) => d.kubernetes === undefined && d.container?.image?.name === 'ubuntu:jammy')).toBe(true);
    expect(plain.filter((d) => d.tags?.includes('logship_parse_failure'))).toHaveLength(1);

    // Every byte is settled: the checkpoints reach the end of each shipped file.
    await eventually(async () => {
      const state = JSON.parse(await readFile(stateFile(join(layout.root, 'state')), 'utf8')) as { sources: Record<string, { offset: number; path: string }> };
      const worker = Object.values(state.sources).find((s) => s.path.endsWith('/worker/0.log'));
      expect(worker?.offset).toBe(readFileSync(join(layout.podsRoot, `payments_ledger-worker-0_${WORKER_UID}/worker/0.log`)).length);
    });
  });

  it('tags records with the API server\'s labels, annotations and owners, and honours logship.io annotations', async () => {
    api = await startFakeKubeApi({ token: 'collector-token' });
    await writeFile(join(layout.root, 'token'), 'collector-token\n');
    for (const pod of corpusPods()) api.addPod(pod);
    collector = await startCollector({
      dockerRoot: layout.dockerRoot, podsRoot: layout.podsRoot, stateDir: join(layout.root, 'state'), to: es.url, kubeApiUrl: api.url,
      extra: ['--kube-token-file', join(layout.root, 'token'), '--annotations', 'example.com/team'],
    });
    const expectedTotal = TOTAL - 28 /* excluded probe-tz */;
    await eventually(() => expect(es.count()).toBe(expectedTotal), { timeoutMs: 30_000 });
    expect(es.count('logs-ledger-default')).toBe(139);
    expect(docs().filter((d) => d.kubernetes?.pod?.uid === PROBE_TZ_UID)).toEqual([]);

    const checkout = docs().find((d) => d.container?.id === CHECKOUT);
    expect(checkout?.kubernetes).toEqual({
      namespace: 'shop',
      pod: { name: 'checkout-7d9c5b6f4-x2k8p', uid: SHOP_UID, ip: '10.244.1.17' },
      node: { name: 'node-1' },
      container: { name: 'checkout' },
      labels: { app: 'checkout', 'app_kubernetes_io/name': 'checkout', 'pod-template-hash': '7d9c5b6f4' },
      annotations: { 'example_com/team': 'storefront' },
      replicaset: { name: 'checkout-7d9c5b6f4' },
      deployment: { name: 'checkout' },
    });
    expect(checkout?.container).toEqual({ id: CHECKOUT, runtime: 'docker', image: { name: 'registry.example/checkout:2.1' } });

    const ledger = docs().find((d) => d.kubernetes?.container?.name === 'ledger-api');
    expect(ledger?.container).toEqual({ id: LEDGER_API_ID, runtime: 'containerd', image: { name: 'registry.example/ledger-api:1.4' } });
    expect(ledger?.kubernetes?.deployment).toEqual({ name: 'ledger-api' });
    const worker = docs('logs-ledger-default')[0];
    expect(worker?.kubernetes?.statefulset).toEqual({ name: 'ledger-worker' });
    expect(worker?.data_stream).toEqual({ type: 'logs', dataset: 'ledger', namespace: 'default' });
    expect(docs().find((d) => d.kubernetes?.pod?.uid === PROBE_UID)?.kubernetes?.daemonset).toEqual({ name: 'node-probe' });

    // The excluded pod's bytes were settled without being shipped: its checkpoint reached the file's end.
    await eventually(async () => {
      const state = JSON.parse(await readFile(stateFile(join(layout.root, 'state')), 'utf8')) as { sources: Record<string, { offset: number; path: string }> };
      const probe = Object.values(state.sources).find((s) => s.path.includes(PROBE_TZ_UID));
      expect(probe?.offset).toBe(readFileSync(join(layout.podsRoot, `monitoring_node-probe-tz-0_${PROBE_TZ_UID}/probe/0.log`)).length);
    });
  });

  it('keeps shipping with path metadata while the API server is down, and uses its metadata once it is back', async () => {
    api = await startFakeKubeApi();
    api.fail(503);
    collector = await startCollector({
      dockerRoot: layout.dockerRoot, podsRoot: layout.podsRoot, stateDir: join(layout.root, 'state'), to: es.url, kubeApiUrl: api.url,
      extra: ['--kube-sync-wait', '200ms'],
    });
    await eventually(() => expect(es.count(CONTAINER_LOGS)).toBe(TOTAL), { timeoutMs: 30_000 });
    const before = docs().find((d) => d.kubernetes?.container?.name === 'ledger-api');
    expect(before?.kubernetes).toEqual({ namespace: 'payments', pod: { name: 'ledger-api-5f6b8c9d7-q4wz2', uid: LEDGER_API_UID }, node: { name: 'node-1' }, container: { name: 'ledger-api' } });

    api.recover();
    for (const p of corpusPods()) api.addPod(p);
    await eventually(async () => expect(await metricValue(collector!.metricsUrl, 'logship_kube_api_up')).toBe(1), { timeoutMs: 20_000 });
    await appendFile(join(layout.podsRoot, `payments_ledger-api-5f6b8c9d7-q4wz2_${LEDGER_API_UID}/ledger-api/0.log`), '2026-11-23T07:00:00.000000001Z stdout F after the outage\n');
    await eventually(() => expect(docs().find((d) => d.message === 'after the outage')?.kubernetes?.deployment).toEqual({ name: 'ledger-api' }));
    expect(es.count()).toBe(TOTAL + 1);
  });

  it('applies logship.io/exclude from the first line of a pod whose metadata arrives after its log file', async () => {
    api = await startFakeKubeApi();
    for (const p of corpusPods()) api.addPod(p);
    collector = await startCollector({ dockerRoot: layout.dockerRoot, podsRoot: layout.podsRoot, stateDir: join(layout.root, 'state'), to: es.url, kubeApiUrl: api.url });
    await eventually(() => expect(es.count()).toBe(TOTAL - 28), { timeoutMs: 30_000 });
    const uid = '7f3e2d1c-2222-4f00-9a9a-0123456789ab';
    const dir = join(layout.podsRoot, `secrets_vault-0_${uid}`, 'vault');
    await mkdir(dir, { recursive: true });
    const text = Array.from({ length: 20 }, (_, i) => `2026-11-24T05:00:00.000000001Z stdout F token=${i}\n`).join('');
    const linesBefore = await metricValue(collector.metricsUrl, 'logship_tail_lines_total');
    await writeFile(join(dir, '0.log'), text);
    // The collector has read the lines before the API server describes the pod.
    await eventually(async () => expect(await metricValue(collector!.metricsUrl, 'logship_tail_lines_total')).toBe(linesBefore + 20), { intervalMs: 5 });
    api.addPod(pod('secrets', 'vault-0', uid, { annotations: { 'logship.io/exclude': 'true' }, owner: ['StatefulSet', 'vault'], containers: [['vault', 'vault:1', 'containerd://' + 'cd'.repeat(32)]] }));
    await eventually(async () => {
      const state = JSON.parse(await readFile(stateFile(join(layout.root, 'state')), 'utf8')) as { sources: Record<string, { offset: number; path: string }> };
      expect(Object.values(state.sources).find((s) => s.path.includes(uid))?.offset).toBe(Buffer.byteLength(text));
    });
    expect(docs().filter((d) => d.kubernetes?.namespace === 'secrets')).toEqual([]);
    expect(es.count()).toBe(TOTAL - 28);
  });

  it('picks up a new nginx pod, parses it by annotation, and tags its last lines after the pod is deleted', async () => {
    api = await startFakeKubeApi();
    for (const pod of corpusPods()) api.addPod(pod);
    collector = await startCollector({ dockerRoot: layout.dockerRoot, podsRoot: layout.podsRoot, stateDir: join(layout.root, 'state'), to: es.url, kubeApiUrl: api.url });
    await eventually(() => expect(es.count()).toBe(TOTAL - 28), { timeoutMs: 30_000 });

    const uid = '5e0a1d2c-1111-4f00-9a9a-0123456789ab';
    api.addPod(pod('web', 'nginx-5c8f7d6b9-abcde', uid, { annotations: { 'logship.io/parser': 'nginx' }, owner: ['ReplicaSet', 'nginx-5c8f7d6b9'], labels: { 'pod-template-hash': '5c8f7d6b9' }, containers: [['nginx', 'nginx:1.27', 'containerd://' + 'ab'.repeat(32)]] }));
    const dir = join(layout.podsRoot, `web_nginx-5c8f7d6b9-abcde_${uid}`, 'nginx');
    await mkdir(dir, { recursive: true });
    const access = readFileSync(`${CORPUS_ROOT}/nginx/access.log`, 'utf8').split('\n').slice(0, 3);
    const errors = readFileSync(`${CORPUS_ROOT}/nginx/error.log`, 'utf8').split('\n').slice(0, 2);
    const created = Date.now();
    await writeFile(join(dir, '0.log'), [
      ...access.map((l, i) => `2026-11-23T06:16:3${i}.000000001Z stdout F ${l}\n`),
      ...errors.map((l, i) => `2026-11-23T06:16:3${i}.000000002Z stderr F ${l}\n`),
    ].join(''));
    await eventually(() => expect(es.count('logs-nginx.access-default')).toBe(3), { timeoutMs: 10_000 });
    const pickedUpMs = Date.now() - created;
    await eventually(() => expect(es.count('logs-nginx.error-default')).toBe(2));
    const hit = docs('logs-nginx.access-default')[0];
    expect(hit?.http?.request?.method).toBe('GET');
    expect(hit?.kubernetes?.deployment).toEqual({ name: 'nginx' });
    expect(hit?.container?.runtime).toBe('containerd');
    expect(docs('logs-nginx.error-default').every((d) => d.kubernetes?.pod?.uid === uid && !d.tags?.includes('logship_parse_failure'))).toBe(true);
    // Issue 5: new containers are picked up within a second (measured: 50–110 ms, file created → document stored).
    expect(pickedUpMs).toBeLessThan(1_000);

    // Deleted on the API server, then its container's last line is read: still tagged with the pod.
    api.deletePod(uid);
    await eventually(async () => expect(await metricValue(collector!.metricsUrl, 'logship_kube_watch_events_total', { type: 'DELETED' })).toBe(1));
    await appendFile(join(dir, '0.log'), `2026-11-23T06:16:40.000000001Z stdout F ${access[0]}\n`);
    await eventually(() => expect(es.count('logs-nginx.access-default')).toBe(4));
    expect(docs('logs-nginx.access-default').every((d) => d.kubernetes?.deployment?.name === 'nginx')).toBe(true);
  });
});

interface PodSpec {
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  owner?: [string, string];
  containers?: Array<[name: string, image: string, id: string]>;
  ip?: string;
}

const template = JSON.parse(readFileSync(`${CORPUS_ROOT}/containers/kubernetes-metadata/public/fluent-bit_core_base.meta`, 'utf8')) as KubePod;

/** A Pod built from the real sample, given this test's identity. */
function pod(namespace: string, name: string, uid: string, spec: PodSpec): KubePod {
  const p = structuredClone(template);
  p.metadata = {
    ...p.metadata,
    namespace,
    name,
    uid,
    labels: spec.labels ?? {},
    annotations: spec.annotations ?? {},
    ...(spec.owner === undefined ? {} : { ownerReferences: [{ apiVersion: 'apps/v1', kind: spec.owner[0], name: spec.owner[1], uid: `${uid}-owner`, controller: true, blockOwnerDeletion: true }] }),
  };
  const containers = spec.containers ?? [];
  p.spec = { ...p.spec, nodeName: 'node-1', containers: containers.map(([n, image]) => ({ name: n, image })) };
  p.status = {
    ...p.status,
    podIP: spec.ip ?? '10.244.1.99',
    containerStatuses: containers.map(([n, image, id]) => ({ name: n, image, containerID: id, ready: true, restartCount: 0, state: { running: {} } })),
  };
  return p;
}

function corpusPods(): KubePod[] {
  return [
    pod('shop', 'checkout-7d9c5b6f4-x2k8p', SHOP_UID, {
      labels: { app: 'checkout', 'app.kubernetes.io/name': 'checkout', 'pod-template-hash': '7d9c5b6f4' },
      annotations: { 'example.com/team': 'storefront', 'example.com/other': 'not configured' },
      owner: ['ReplicaSet', 'checkout-7d9c5b6f4'],
      containers: [['checkout', 'registry.example/checkout:2.1', `docker://${CHECKOUT}`], ['audit', 'registry.example/audit:1', `docker://${AUDIT}`], ['escapes', 'registry.example/escapes:1', `docker://${ESCAPES}`]],
      ip: '10.244.1.17',
    }),
    pod('payments', 'ledger-api-5f6b8c9d7-q4wz2', LEDGER_API_UID, {
      labels: { app: 'ledger-api', 'pod-template-hash': '5f6b8c9d7' },
      owner: ['ReplicaSet', 'ledger-api-5f6b8c9d7'],
      containers: [['ledger-api', 'registry.example/ledger-api:1.4', `containerd://${LEDGER_API_ID}`]],
    }),
    pod('payments', 'ledger-worker-0', WORKER_UID, {
      labels: { app: 'ledger-worker' },
      annotations: { 'logship.io/dataset': 'ledger' },
      owner: ['StatefulSet', 'ledger-worker'],
      containers: [['worker', 'registry.example/ledger-worker:1.4', 'containerd://80c1f97e45ecefe4dca645c8eb62f4d380ee4bca3c917021259ed444fddd0f48']],
    }),
    pod('monitoring', 'node-probe-6c8f9d7b5-kq2lm', PROBE_UID, {
      owner: ['DaemonSet', 'node-probe'],
      containers: [['probe', 'registry.example/probe:1', 'cri-o://fa945fba7a44fc6a8f6b8f6a06c099a0f24d8b155114b54ec8bccc9476035450']],
    }),
    pod('monitoring', 'node-probe-tz-0', PROBE_TZ_UID, {
      annotations: { 'logship.io/exclude': 'true' },
      owner: ['StatefulSet', 'node-probe-tz'],
      containers: [['probe', 'registry.example/probe:1', 'cri-o://267120e5df6a3bdd6e12cec9dea9611cb5d7e1149d64ed89af2d51bd029444f6']],
    }),
  ];
}
