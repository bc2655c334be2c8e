/**
 * Embedded store benchmark: ingest rate through `store.bulk` with nginx-corpus-shaped documents, disk
 * bytes per document against raw log bytes, and search latency (p50/p99) for the three searches the
 * targets name: term + 15-minute range, full text + 24 h date_histogram, top-10 terms over 24 h.
 *
 *   node test/bench/store-bench.ts                  # 300 000 documents
 *   STORE_BENCH_DOCS=10000000 node test/bench/store-bench.ts
 *   (STORE_BENCH_RUNS searches per kind, STORE_BENCH_KEEP=1 keeps the database, STORE_BENCH_DIR picks its parent)
 *   STORE_BENCH_REUSE=<kept directory> node test/bench/store-bench.ts   # searches only, on a kept database, with
 *   the store's clock set back to the end of its ingest (10 M documents take minutes to ingest)
 *
 * Baseline measured in the same run: JSON.stringify of the same documents (the least work any store that
 * keeps `_source` must do), reported as a ratio.
 */
import { readFileSync, rmSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { openEmbeddedStore } from '../../aggregator/store/index.ts';
import { startAggregator } from '../helpers/aggregator-process.ts';
import { processCpuSeconds } from './bench-kit.ts';
import { CORPUS_ROOT } from '../helpers/corpus.ts';
import type { BulkOp, JsonObject } from '../../aggregator/store/types.ts';

const TOTAL = Number(process.env.STORE_BENCH_DOCS ?? 300_000);
const BATCH = Number(process.env.STORE_BENCH_BATCH ?? 2000);
const RUNS = Number(process.env.STORE_BENCH_RUNS ?? 30);
const corpus = readFileSync(join(CORPUS_ROOT, 'nginx/access.log'), 'utf8').split('\n').filter((l) => l !== '');

const LINE = /^(\S+) - (\S+) \[([^\]]+)\] "(\S+) (\S+) (\S+)" (\d{3}) (\d+) "([^"]*)" "([^"]*)"/;

function toDoc(line: string, ts: number, i: number): JsonObject {
  const m = LINE.exec(line);
  const base: JsonObject = {
    '@timestamp': new Date(ts).toISOString(), message: line,
    data_stream: { type: 'logs', dataset: 'nginx.access', namespace: 'default' }, event: { dataset: 'nginx.access' },
    log: { file: { path: '/var/log/nginx/access.log' }, offset: i * 190 },
    host: { name: `node-${i % 5}` }, agent: { type: 'logship', version: '0.1.0' },
    kubernetes: { namespace: `ns-${i % 7}`, pod: { name: `web-${i % 23}` }, container: { name: 'nginx' } },
  };
  if (m === null) return base;
  const [, ip, user, , method, url, version, status, bytes, referrer, agent] = m;
  const q = url!.indexOf('?');
  return {
    ...base,
    source: { address: ip, ip }, ...(user !== '-' ? { user: { name: user } } : {}),
    http: { request: { method, ...(referrer !== '-' ? { referrer } : {}) }, version: version!.replace('HTTP/', ''), response: { status_code: Number(status), body: { bytes: Number(bytes) } } },
    url: { original: url, path: q === -1 ? url : url!.slice(0, q), ...(q === -1 ? {} : { query: url!.slice(q + 1) }) },
    user_agent: { original: agent },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Kept {
  readonly start: number;
  readonly end: number;
  readonly total: number;
}

async function main(): Promise<void> {
  const reuse = process.env.STORE_BENCH_REUSE;
  if (reuse !== undefined) {
    const kept = JSON.parse(readFileSync(join(reuse, 'bench-meta.json'), 'utf8')) as Kept;
    const reopened = Date.now();
    const store = await openEmbeddedStore({ dataDir: reuse, logger: pino({ level: 'silent' }), now: () => kept.end + (Date.now() - reopened) });
    console.log(`documents                 ${kept.total} (kept database ${reuse}: searches only)`);
    await searches(store, kept.start);
    await store.close();
    return;
  }
  // The figure first, on a quiet machine: run after the in-process part (this process writing
  // 300 k documents to disk and searching them), the aggregator took ~10 % more CPU per document (four
  // runs each way, stop 17), as much for the start of that stop's code as for its end.
  const http = await ingestOverHttp(Math.min(TOTAL, HTTP_DOCS));
  const dir = mkdtempSync(join(process.env.STORE_BENCH_DIR ?? tmpdir(), 'logship-store-bench-'));
  const store = await openEmbeddedStore({ dataDir: dir, logger: pino({ level: 'silent' }) });
  const end = Date.now();
  const start = end - 86_400_000;
  const step = 86_400_000 / TOTAL;
  let rawBytes = 0;
  let ingestMs = 0;
  let ingestCpuUs = 0;
  let stringifyMs = 0;
  for (let done = 0; done < TOTAL; done += BATCH) {
    const ops: BulkOp[] = [];
    for (let i = done; i < Math.min(TOTAL, done + BATCH); i++) {
      const line = corpus[i % corpus.length]!;
      rawBytes += Buffer.byteLength(line) + 1;
      ops.push({ op: 'create', index: 'logs-nginx.access-default', id: `f1:${i}`, doc: toDoc(line, start + i * step, i) });
    }
    const s0 = performance.now();
    for (const op of ops) if (op.op === 'create') JSON.stringify(op.doc);
    stringifyMs += performance.now() - s0;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const items = await store.bulk(ops);
    const c1 = process.cpuUsage(c0);
    ingestMs += performance.now() - t0;
    ingestCpuUs += c1.user + c1.system;
    if (items.some((it) => Object.values(it)[0]!.error !== undefined)) throw new Error(`bulk failed: ${JSON.stringify(items.find((it) => Object.values(it)[0]!.error !== undefined))}`);
  }
  const stats = await store.stats();
  const docsPerSec = TOTAL / (ingestMs / 1000);
  console.log(`documents                 ${TOTAL}`);
  console.log(`ingest                    ${Math.round(docsPerSec)} docs/s (${(ingestMs / 1000).toFixed(1)} s in store.bulk, batches of ${BATCH})`);
  console.log(`ingest CPU time           ${(ingestCpuUs / TOTAL).toFixed(1)} µs/doc (user + system of the process; steadier than the rate on a shared machine)`);
  console.log(`baseline JSON.stringify   ${Math.round(TOTAL / (stringifyMs / 1000))} docs/s → store is ${(stringifyMs / ingestMs * 100).toFixed(1)}% of it`);
  console.log(`disk                      ${(stats.diskBytes / TOTAL).toFixed(0)} bytes/doc vs ${(rawBytes / TOTAL).toFixed(0)} raw bytes/line (×${(stats.diskBytes / rawBytes).toFixed(2)})`);
  const walBytes = statSync(join(dir, 'logship.sqlite-wal'), { throwIfNoEntry: false })?.size ?? 0;
  console.log(`  of which WAL file        ${(walBytes / TOTAL).toFixed(0)} bytes/doc (${(walBytes / 1048576).toFixed(1)} MiB, bounded by the checkpoint interval)`);
  // The clock a reused database is searched at: right after this ingest.
  if (process.env.STORE_BENCH_KEEP !== undefined) writeFileSync(join(dir, 'bench-meta.json'), JSON.stringify({ start, end: Date.now(), total: TOTAL } satisfies Kept));
  const p99 = await searches(store, start);
  await store.close();
  if (process.env.STORE_BENCH_KEEP === undefined) rmSync(dir, { recursive: true, force: true });
  console.log(`BENCH_RESULT ${JSON.stringify({ bench: 'store', documents: TOTAL, docsPerSec: Math.round(docsPerSec), cpuUsPerDoc: +(ingestCpuUs / TOTAL).toFixed(1), diskBytesPerDoc: Math.round(stats.diskBytes / TOTAL), baselineStringifyDocsPerSec: Math.round(TOTAL / (stringifyMs / 1000)), p99Ms: p99, httpDocs: http.docs, httpDocsPerSec: Math.round(http.docs / http.seconds), httpDocsPerCpuSec: Math.round(http.docs / http.cpuSeconds), httpSteadyDocsPerCpuSec: Math.round(http.steadyDocs / http.steadyCpuSeconds) })}`);
}

/** Documents sent through HTTP by `ingestOverHttp` (at most; fewer when the whole run is smaller). */
const HTTP_DOCS = Number(process.env.STORE_BENCH_HTTP_DOCS ?? 300_000);

/**
 * What the target names: ingest through `_bulk`. The real aggregator process (embedded store) takes
 * NDJSON `create` bulks of BATCH documents over HTTP, two requests in flight as our shippers send them;
 * reports documents per second of wall time and per CPU-second of the aggregator process (all its
 * threads). Bodies are built before the clock starts, so the sender's own work is not in the way.
 */
async function ingestOverHttp(total: number): Promise<{ docs: number; seconds: number; cpuSeconds: number; steadyDocs: number; steadyCpuSeconds: number }> {
  const end = Date.now();
  const step = 86_400_000 / total;
  const bodies: string[] = [];
  for (let done = 0; done < total; done += BATCH) {
    const lines: string[] = [];
    for (let i = done; i < Math.min(total, done + BATCH); i++) {
      lines.push(`{"create":{"_index":"logs-nginx.access-default","_id":"h1:${i}"}}`, JSON.stringify(toDoc(corpus[i % corpus.length]!, end - 86_400_000 + i * step, i)));
    }
    bodies.push(`${lines.join('\n')}\n`);
  }
  const aggregator = await startAggregator();
  try {
    const pid = aggregator.pid()!;
    const cpu0 = await processCpuSeconds(pid);
    const t0 = performance.now();
    let next = 0;
    let answered = 0;
    // The sustained rate, as Rally reports indexing throughput after a warm-up: the aggregator's CPU from
    // the moment the first tenth of the bulks was answered (V8 has compiled the hot paths, the partitions
    // and statements exist) to the end.
    const warmUpBulks = Math.ceil(bodies.length / 10);
    let warm: { cpu: number; docs: number } | undefined;
    const sender = async (): Promise<void> => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const response = await fetch(`${aggregator.url}/_bulk`, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } });
        const answer = (await response.json()) as { errors?: boolean };
        if (response.status !== 200 || answer.errors !== false) throw new Error(`_bulk answered ${response.status}: ${JSON.stringify(answer).slice(0, 500)}`);
        if (++answered === warmUpBulks) warm = { cpu: await processCpuSeconds(pid), docs: Math.min(total, answered * BATCH) };
      }
    };
    await Promise.all([sender(), sender()]);
    const seconds = (performance.now() - t0) / 1000;
    const cpuEnd = await processCpuSeconds(pid);
    const cpuSeconds = cpuEnd - cpu0;
    const steadyDocs = total - (warm?.docs ?? 0);
    const steadyCpuSeconds = cpuEnd - (warm?.cpu ?? cpu0);
    console.log(`ingest through _bulk (HTTP, real aggregator process, ${BATCH}-document bulks, 2 in flight): ${Math.round(total / seconds)} docs/s, ${Math.round(total / cpuSeconds)} docs per aggregator CPU-second (${(cpuSeconds * 1e6 / total).toFixed(1)} µs/doc)`);
    console.log(`  sustained, after the first ${warm?.docs ?? 0} documents (warm-up): ${Math.round(steadyDocs / steadyCpuSeconds)} docs per aggregator CPU-second (${(steadyCpuSeconds * 1e6 / steadyDocs).toFixed(1)} µs/doc)`);
    return { docs: total, seconds, cpuSeconds, steadyDocs, steadyCpuSeconds };
  } finally {
    await aggregator.cleanup();
  }
}

/** Runs the searches the issue names (and two more) and returns each one's p99 in ms, by name. */
async function searches(store: Awaited<ReturnType<typeof openEmbeddedStore>>, start: number): Promise<Record<string, number>> {
  const p99: Record<string, number> = {};
  const measure = async (name: string, body: () => JsonObject): Promise<void> => {
    const times: number[] = [];
    let hits = 0;
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const r = await store.search('logs-*', body());
      times.push(performance.now() - t0);
      // The total when the search tracks it, else the hits returned (Discover asks for no total).
      hits = ((r.hits as JsonObject).total as { value: number } | undefined)?.value ?? ((r.hits as JsonObject).hits as unknown[]).length;
    }
    times.sort((a, b) => a - b);
    console.log(`${name.padEnd(40)} p50 ${percentile(times, 50).toFixed(1)} ms  p99 ${percentile(times, 99).toFixed(1)} ms  (hits ${hits})`);
    p99[name] = +percentile(times, 99).toFixed(1);
  };
  const window15 = (): { gte: string; lt: string } => {
    const from = start + Math.random() * (86_400_000 - 900_000);
    return { gte: new Date(from).toISOString(), lt: new Date(from + 900_000).toISOString() };
  };
  await measure('term + 15 min range (size 100)', () => ({
    size: 100, sort: [{ '@timestamp': 'desc' }],
    query: { bool: { filter: [{ term: { 'http.response.status_code': 404 } }, { range: { '@timestamp': window15() } }] } },
  }));
  await measure('full text + 24 h date_histogram', () => ({
    size: 0, track_total_hits: true,
    query: { bool: { must: [{ match: { message: 'android' } }], filter: [{ range: { '@timestamp': { gte: 'now-24h', lte: 'now' } } }] } },
    aggs: { h: { date_histogram: { field: '@timestamp', fixed_interval: '30m', min_doc_count: 1 } } },
  }));
  await measure('top-10 terms over 24 h (url.path)', () => ({
    size: 0, query: { range: { '@timestamp': { gte: 'now-24h' } } }, aggs: { t: { terms: { field: 'url.path', size: 10 } } },
  }));
  await measure('top-10 terms 24 h (kubernetes.namespace)', () => ({
    size: 0, query: { range: { '@timestamp': { gte: 'now-24h' } } }, aggs: { t: { terms: { field: 'kubernetes.namespace', size: 10 } } },
  }));
  // Phrases on `message` (match_only_text, indexed with positions: see the store README on why).
  await measure('phrase on message, 24 h, newest 100 + total', () => ({
    size: 100, track_total_hits: true, sort: [{ '@timestamp': { order: 'desc' } }],
    query: { bool: { must: [{ match_phrase: { message: 'GET /docs/page-184.html' } }], filter: [{ range: { '@timestamp': { gte: 'now-24h', lte: 'now' } } }] } },
  }));
  await measure('common phrase on message, 24 h, newest 100', () => ({
    size: 100, sort: [{ '@timestamp': { order: 'desc' } }],
    query: { bool: { must: [{ match_phrase: { message: 'GET /static/style.css' } }], filter: [{ range: { '@timestamp': { gte: 'now-24h', lte: 'now' } } }] } },
  }));
  await measure('Discover page: 24 h, newest 500', () => ({
    size: 500, track_total_hits: false, sort: [{ '@timestamp': { order: 'desc' } }],
    query: { bool: { filter: [{ range: { '@timestamp': { gte: 'now-24h', lte: 'now' } } }] } },
  }));
  return p99;
}

await main();
