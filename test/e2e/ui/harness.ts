/**
 * What the search page's end-to-end tests stand on: a real `logship aggregator` process (embedded
 * store, API and search page on ephemeral ports), the nginx corpus parsed by the shipper's own parser
 * and bulk-indexed with Kubernetes fields, and Debian's chromium driven by playwright-core.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { compileAccessFormat } from '../../../shipper/parse/nginx-access.ts';
import { CORPUS_ROOT } from '../../helpers/corpus.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The shared nginx corpus: `shared/` beside the checkout (as CI lays it out), else the workplace's. */
export const NGINX_CORPUS = [join(ROOT, '..', 'shared', 'corpus', 'nginx', 'access.log'), `${CORPUS_ROOT}/nginx/access.log`].find((p) => existsSync(p)) ?? `${CORPUS_ROOT}/nginx/access.log`;
export const SCREENSHOTS = join(ROOT, 'test-results', 'ui');
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

/** Chromium present, or a reason not to run (outside CI only: under CI=true a missing browser fails). */
export function browserAvailability(): { run: boolean; reason?: string } {
  if (existsSync(CHROMIUM)) return { run: true };
  if (process.env.CI === 'true') return { run: true }; // the test will fail on launch, as it must in CI
  return { run: false, reason: `${CHROMIUM} is not installed (apt-get install chromium); the search page's browser tests are skipped outside CI` };
}

export async function screenshotsDir(): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  return SCREENSHOTS;
}

export type Aggregator = { readonly api: string; readonly ui: string; readonly logs: string[]; stop(): Promise<void> };

export async function startAggregator(dataDir: string, extraArgs: readonly string[] = []): Promise<Aggregator> {
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'shipper/bin/logship.js'), 'aggregator', '--listen', '127.0.0.1:0', '--ui-listen', '127.0.0.1:0', '--data-dir', dataDir, ...extraArgs], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOGSHIP_LOG_LEVEL: 'info' },
  });
  const logs: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
  const addresses = await new Promise<{ api: string; ui: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`aggregator did not start in 30 s:\n${logs.join('')}`)), 30_000);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`aggregator exited with ${code}:\n${logs.join('')}`)); });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; api?: string; ui?: string };
        if (entry.msg === 'aggregator listening' && entry.api && entry.ui) { clearTimeout(timer); resolve({ api: hostPort(entry.api), ui: hostPort(entry.ui) }); }
      } catch {
        // not a JSON log line
      }
    });
  });
  return {
    ...addresses,
    logs,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) { resolve(); return; }
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

export type Doc = Record<string, unknown> & { '@timestamp': string; message: string };

type Placement = { namespace: string; kind: 'deployment' | 'statefulset'; workload: string };
const PLACEMENTS: readonly Placement[] = [
  { namespace: 'shop', kind: 'deployment', workload: 'frontend' },
  { namespace: 'shop', kind: 'deployment', workload: 'frontend' },
  { namespace: 'shop', kind: 'deployment', workload: 'checkout' },
  { namespace: 'shop', kind: 'deployment', workload: 'checkout' },
  { namespace: 'shop', kind: 'deployment', workload: 'frontend' },
  { namespace: 'web', kind: 'deployment', workload: 'www' },
  { namespace: 'web', kind: 'deployment', workload: 'www' },
  { namespace: 'web', kind: 'deployment', workload: 'www' },
  { namespace: 'payments', kind: 'statefulset', workload: 'ledger' },
  { namespace: 'payments', kind: 'statefulset', workload: 'ledger' },
];

/** Kubernetes identity of the i-th line: pods of three workloads in three namespaces. */
export function kubernetesFields(i: number): Record<string, unknown> {
  const p = PLACEMENTS[i % PLACEMENTS.length]!;
  const pod = p.kind === 'statefulset' ? `${p.workload}-${i % 2}` : `${p.workload}-6d8f9c-${['x7k2p', 'q4w9z', 'm3n8v'][i % 3]}`;
  return {
    namespace: p.namespace,
    pod: { name: pod },
    container: { name: 'nginx' },
    node: { name: `node-${i % 2}` },
    [p.kind]: { name: p.workload },
  };
}

/**
 * The nginx corpus as documents: parsed with the shipper's `combined` parser, spread evenly over
 * [start, end] (the corpus itself spans two seconds), and placed in Kubernetes.
 */
export function corpusDocs(start: number, end: number): Doc[] {
  const parse = compileAccessFormat('combined');
  const lines = readFileSync(NGINX_CORPUS, 'utf8').split('\n').filter((l) => l.length > 0);
  const step = (end - start) / Math.max(1, lines.length - 1);
  return lines.map((line, i) => {
    const parsed = parse(line);
    const record = parsed.ok ? (parsed.record as Record<string, unknown>) : { message: line, tags: ['logship_parse_failure'] };
    return {
      ...record,
      '@timestamp': new Date(Math.round(start + i * step)).toISOString(),
      message: line,
      kubernetes: kubernetesFields(i),
      data_stream: { type: 'logs', dataset: 'nginx.access', namespace: 'default' },
    } as Doc;
  });
}

export async function bulkIndex(api: string, index: string, docs: readonly Doc[], chunk = 5000): Promise<void> {
  for (let i = 0; i < docs.length; i += chunk) {
    const body = docs.slice(i, i + chunk).map((d) => `{"create":{}}\n${JSON.stringify(d)}\n`).join('');
    const response = await fetch(`http://${api}/${index}/_bulk?refresh=true`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    const result = (await response.json()) as { errors?: boolean; items?: Array<Record<string, { status: number; error?: unknown }>> };
    if (!response.ok || result.errors) {
      const failed = (result.items ?? []).map((item) => Object.values(item)[0]).find((r) => r && r.status >= 300);
      throw new Error(`bulk failed (${response.status}): ${JSON.stringify(failed ?? result).slice(0, 500)}`);
    }
  }
}

/** A nested field of a document by its dotted name. */
export function get(doc: Record<string, unknown>, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** `http://127.0.0.1:9200` (as the aggregator logs it) → `127.0.0.1:9200`. */
function hostPort(address: string): string {
  return address.replace(/^https?:\/\//, '');
}
