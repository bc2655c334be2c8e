import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Line, Outgoing } from '../../../shipper/record.ts';
import { createContainerResolver } from '../../../shipper/collector/container-resolver.ts';
import { createContainerStreams, type ContainerStreamsOptions } from '../../../shipper/collector/container-streams.ts';
import { createPodCache } from '../../../shipper/enrich/kubernetes-pod-cache.ts';
import { annotationFilter, type PodMeta } from '../../../shipper/enrich/kubernetes-pod.ts';
import { compileAccessFormat } from '../../../shipper/parse/nginx-access.ts';
import { createErrorParser } from '../../../shipper/parse/nginx-error.ts';
import { CORPUS_ROOT } from '../../helpers/corpus.ts';

const LAYOUT = join(CORPUS_ROOT, 'containers/layout/var');
const DOCKER = join(LAYOUT, 'lib/docker/containers');
const PODS = join(LAYOUT, 'log/pods');
const LEDGER_DIR = 'payments_ledger-api-5f6b8c9d7-q4wz2_863b9313-ae40-4d22-bdc1-84a7c670795c';
const LEDGER = join(PODS, LEDGER_DIR, 'ledger-api/0.log');
const LEDGER_UID = '863b9313-ae40-4d22-bdc1-84a7c670795c';
const CHECKOUT = '25cc191df2648a2c13b29d54b290c83f5a64217406ce960a794afb8eaae9ebbc';

/** The file as the tailer hands it out: complete lines with byte ranges (a last line without newline is held back). */
function linesOf(path: string, source = `src:${path}`): Line[] {
  const bytes = readFileSync(path);
  const lines: Line[] = [];
  let start = 0;
  for (let nl = bytes.indexOf(10); nl !== -1; nl = bytes.indexOf(10, start)) {
    lines.push({ source, path, text: bytes.subarray(start, nl).toString('utf8'), offset: start, endOffset: nl + 1 });
    start = nl + 1;
  }
  return lines;
}

type Body = {
  message?: string;
  stream?: string;
  tags?: string[];
  log?: { flags?: string[] };
  event?: { dataset?: string };
  data_stream?: { dataset?: string };
  kubernetes?: { labels?: Record<string, string>; pod?: { name?: string } };
  http?: { response?: { status_code?: number } };
};
const body = (o: Outgoing): Body => JSON.parse(o.body) as Body;

function setup(overrides: Partial<ContainerStreamsOptions> = {}) {
  const settled: Array<[string, number, number]> = [];
  let now = 0;
  const pods = createPodCache();
  const streams = createContainerStreams({
    resolver: createContainerResolver({ dockerRoot: DOCKER, podsRoot: PODS, nonKubernetes: true }),
    pods,
    nodeName: 'node-1',
    keepAnnotation: annotationFilter([]),
    records: {
      namespace: 'default',
      accessParser: compileAccessFormat('combined'),
      errorParser: createErrorParser({ timeZone: 'UTC' }),
      parseJson: true,
      enrich: (record) => record,
    },
    maxBytes: 1024 * 1024,
    partialTimeoutMs: 1000,
    multiline: undefined,
    excludeNamespaces: [],
    selfPod: undefined,
    settle: (source, offset, endOffset) => settled.push([source, offset, endOffset]),
    now: () => now,
    ...overrides,
  });
  return { streams, settled, pods, advance: (ms: number) => (now += ms) };
}

function pod(uid: string, name: string, annotations: Record<string, string>): PodMeta {
  return { namespace: 'payments', name, uid, ip: undefined, nodeName: 'node-1', labels: { app: 'ledger' }, annotations, owners: [], containers: {}, resourceVersion: '1' };
}

describe('container streams: lines to records', () => {
  it('turns the containerd capture into its 28 records, the partial last one after the timeout, once', () => {
    const { streams, advance } = setup();
    const records = streams.push(linesOf(LEDGER));
    expect(records).toHaveLength(27);
    expect(streams.flushStale()).toHaveLength(0);
    advance(1500);
    const late = streams.flushStale();
    expect(late.map((r) => body(r).message)).toEqual(['final line without trailing newline']);
    advance(5000);
    expect(streams.flushStale()).toHaveLength(0);
    const covered = [...records, ...late].reduce((sum, r) => sum + (r.endOffset - r.offset), 0);
    expect(covered).toBe(readFileSync(LEDGER).length);
  });

  it('joins the Java stack trace into one record when multiline is on (28 → 25)', () => {
    const { streams, advance } = setup({ multiline: { detectors: ['java'], maxLines: 500, timeoutMs: 500 } });
    const all = streams.push(linesOf(LEDGER));
    // The partial last line leaves the decoder after its timeout, then waits in the joiner for its own.
    for (let i = 0; i < 4; i++) {
      advance(1000);
      all.push(...streams.flushStale());
    }
    expect(all).toHaveLength(25);
    const trace = all.map(body).find((b) => b.log?.flags?.includes('multiline'));
    expect(trace?.message?.split('\n')).toHaveLength(4);
    expect(trace?.stream).toBe('stderr');
  });

  it('settles an excluded pod\'s bytes without making records', () => {
    const { streams, settled, pods } = setup();
    pods.upsert(pod(LEDGER_UID, 'ledger-api-5f6b8c9d7-q4wz2', { 'logship.io/exclude': 'true' }));
    const lines = linesOf(LEDGER);
    expect(streams.push(lines)).toEqual([]);
    const bytes = settled.reduce((sum, [, offset, end]) => sum + (end - offset), 0);
    expect(bytes).toBe(lines.at(-2)!.endOffset); // all but the held partial last line
  });

  it('follows annotation changes of a live pod: routed to its dataset, then parsed as nginx', () => {
    const { streams, pods } = setup();
    const lines = linesOf(LEDGER);
    pods.upsert(pod(LEDGER_UID, 'ledger-api-5f6b8c9d7-q4wz2', { 'logship.io/dataset': 'Ledger-API' }));
    const routed = streams.push(lines.slice(0, 1));
    expect(routed[0]?.index).toBe('logs-ledger_api-default');
    expect(body(routed[0]!).kubernetes?.labels).toEqual({ app: 'ledger' });
    pods.upsert(pod(LEDGER_UID, 'ledger-api-5f6b8c9d7-q4wz2', { 'logship.io/parser': 'nginx' }));
    const access = '203.0.113.7 - - [23/Nov/2026:06:16:36 +0000] "GET /health HTTP/1.1" 503 12 "-" "kube-probe/1.31"';
    const line: Line = { source: lines[0]!.source, path: LEDGER, text: `2026-11-23T06:51:30.000000001Z stdout F ${access}`, offset: 100_000, endOffset: 100_200 };
    const [parsed] = streams.push([line]);
    expect(parsed?.index).toBe('logs-nginx.access-default');
    expect(body(parsed!).http?.response?.status_code).toBe(503);
    const [failed] = streams.push([{ ...line, text: '2026-11-23T06:51:30.000000001Z stderr F not nginx at all', offset: 100_200, endOffset: 100_300 }]);
    expect(failed?.index).toBe('logs-nginx.error-default');
    expect(body(failed!).tags).toContain('logship_parse_failure');
  });

  it('holds a new pod\'s lines while the API is healthy but has not described the pod yet, so exclusion applies from the first line', () => {
    let healthy = true;
    const { streams, settled, pods } = setup({ apiHealthy: () => healthy, podWaitMs: 2000 });
    const lines = linesOf(LEDGER);
    expect(streams.push(lines.slice(0, 5))).toEqual([]);
    expect(settled).toEqual([]);
    pods.upsert(pod(LEDGER_UID, 'ledger-api-5f6b8c9d7-q4wz2', { 'logship.io/exclude': 'true' }));
    expect(streams.push(lines.slice(5, 6))).toEqual([]);
    expect(settled.reduce((sum, [, offset, end]) => sum + (end - offset), 0)).toBe(lines[5]!.endOffset);

    // Another file of an unknown pod: released after the wait, with path metadata, in file order.
    const other = linesOf(LEDGER, 'other-source');
    pods.delete(LEDGER_UID);
    const fresh = setup({ apiHealthy: () => healthy, podWaitMs: 2000 });
    expect(fresh.streams.push(other.slice(0, 3))).toEqual([]);
    expect(fresh.streams.flushStale()).toEqual([]);
    fresh.advance(2500);
    const released = fresh.streams.flushStale();
    expect(released.map((r) => r.offset)).toEqual(other.slice(0, 3).map((l) => l.offset));
    expect(body(released[0]!).kubernetes?.pod?.name).toBe('ledger-api-5f6b8c9d7-q4wz2');

    // An unhealthy API never holds.
    healthy = false;
    const down = setup({ apiHealthy: () => healthy });
    expect(down.streams.push(other.slice(0, 3))).toHaveLength(3);
  });

  it('learns a CRI container\'s id from the kubelet link that appears after its log file', () => {
    const root = mkdtempSync(join(tmpdir(), 'collector-links-'));
    const podsRoot = join(root, 'pods');
    const dir = join(podsRoot, 'shop_web-0_u-1', 'web');
    mkdirSync(dir, { recursive: true });
    mkdirSync(join(root, 'containers'));
    const path = join(dir, '0.log');
    let clock = 0;
    const { streams } = setup({ resolver: createContainerResolver({ dockerRoot: '', podsRoot, nonKubernetes: true, now: () => clock }), now: () => clock });
    const line = (n: number): Line => ({ source: 'cri', path, text: `2026-11-24T05:00:00.000000001Z stdout F line ${n}`, offset: n * 100, endOffset: n * 100 + 100 });
    type WithContainer = { container?: { id?: string } };
    expect((JSON.parse(streams.push([line(0)])[0]!.body) as WithContainer).container).toBeUndefined();
    const id = 'ab'.repeat(32);
    symlinkSync('../pods/shop_web-0_u-1/web/0.log', join(root, 'containers', `web-0_shop_web-${id}.log`));
    clock += 2500;
    expect((JSON.parse(streams.push([line(1)])[0]!.body) as WithContainer).container?.id).toBe(id);
  });

  it('skips the collector\'s own pod, excluded namespaces, sandboxes, gzip rotations and dockershim links', () => {
    const self = setup({ selfPod: 'payments/ledger-api-5f6b8c9d7-q4wz2', excludeNamespaces: ['monitoring'] });
    expect(self.streams.wanted(LEDGER)).toBe(false);
    expect(self.streams.wanted(join(PODS, 'monitoring_node-probe-tz-0_af19f802-0f58-43bb-a875-1f2e651f05ef/probe/0.log'))).toBe(false);
    expect(self.streams.wanted(join(PODS, 'payments_ledger-worker-0_cc80baef-3272-4fcd-a290-b97963dbb86b/worker/0.log'))).toBe(true);
    expect(self.streams.wanted(join(PODS, 'payments_ledger-worker-0_cc80baef-3272-4fcd-a290-b97963dbb86b/worker/0.log.20261123-065130.gz'))).toBe(false);
    const sandbox = '2cdcdc621a0f51cdea04b95d845218899e4ad729c08a52a6bb5999298ef7a2f7';
    expect(self.streams.wanted(join(DOCKER, sandbox, `${sandbox}-json.log`))).toBe(false);
    expect(self.streams.wanted(join(DOCKER, CHECKOUT, `${CHECKOUT}-json.log`))).toBe(true);
  });

  it('keeps decoder state per file and drops it once a file is idle with nothing pending', () => {
    const { streams, advance } = setup();
    streams.push(linesOf(LEDGER, 'a'));
    streams.push(linesOf(join(DOCKER, CHECKOUT, `${CHECKOUT}-json.log`), 'b'));
    expect(streams.files).toBe(2);
    advance(60_000);
    streams.sweep(30_000);
    expect(streams.files).toBe(2); // both still hold a partial last line
    streams.flushStale();
    advance(2_000);
    streams.flushStale();
    streams.sweep(30_000);
    expect(streams.files).toBe(0);
  });
});
