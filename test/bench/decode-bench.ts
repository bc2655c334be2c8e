/**
 * Container log decoding speed, in MB/s of file bytes, against the read-and-split baseline measured
 * in the same run on the same bytes (a Buffer split at `\n` into `Line`s, which the tailer does anyway).
 *
 * Input: a realistic mix of a container's output (plain lines, klog lines, JSON app lines with quotes,
 * a Java trace, and a 40 KiB line split by the runtime), written as docker json-file and as CRI.
 * Also timed: a naive docker decoder (JSON.parse every line) to show what the fast path buys, the
 * record builder with JSON merging, and the multiline joiner.
 */
import type { Line } from '../../shipper/record.ts';
import type { Decoder } from '../../shipper/decode/container-entry.ts';
import { createDecoder } from '../../shipper/decode/decoder.ts';
import { decodeDockerLine, parseDockerLine } from '../../shipper/decode/docker-json-line.ts';
import { containerRecord } from '../../shipper/decode/container-record.ts';
import { createMultilineJoiner } from '../../shipper/decode/multiline.ts';
import { toCanonicalUtc } from '../../shipper/decode/timestamp.ts';
import { MiB, SHORT, fmt, printTable } from './bench-kit.ts';

const TARGET_BYTES = SHORT ? 4 * MiB : 64 * MiB;
const ROUNDS = SHORT ? 2 : 4;

interface Written { stream: 'stdout' | 'stderr'; content: string }

/** One cycle of what a typical service prints: mostly short lines, JSON lines, sometimes a trace or a huge line. */
function workloadCycle(i: number): Written[] {
  const out: Written[] = [
    { stream: 'stdout', content: `GET /api/orders/${i} 200 ${i % 97}ms` },
    { stream: 'stderr', content: `I1123 06:00:00.${String(i % 1_000_000).padStart(6, '0')}       1 controller.go:${i % 500}] synced pod default/app-${i % 50}` },
    { stream: 'stdout', content: `{"level":30,"time":${1795413600123 + i},"pid":1,"hostname":"demo","req":{"method":"GET","url":"/healthz"},"res":{"statusCode":200},"responseTime":0.41,"msg":"request completed"}` },
    { stream: 'stdout', content: `{"@timestamp":"2026-11-23T06:00:00.123Z","log.level":"info","message":"order ${i} created","service.name":"orders","trace.id":"${(i * 7919).toString(16)}"}` },
    { stream: 'stdout', content: `worker ${i % 8}: processed batch of ${i % 1000} items in ${(i % 300) / 10}s` },
  ];
  if (i % 50 === 0) {
    out.push({ stream: 'stderr', content: 'Exception in thread "main" java.lang.IllegalStateException: connection pool exhausted' });
    out.push({ stream: 'stderr', content: '\tat com.example.demo.Pool.acquire(Pool.java:88)' });
    out.push({ stream: 'stderr', content: '\tat java.base/java.lang.Thread.run(Thread.java:833)' });
  }
  if (i % 500 === 0) out.push({ stream: 'stdout', content: 'big:' + '0123456789abcdef'.repeat(2560) });
  return out;
}

function timeOf(i: number): string {
  return `2026-11-23T06:${String(Math.floor(i / 60_000_000) % 60).padStart(2, '0')}:${String(Math.floor(i / 1_000_000) % 60).padStart(2, '0')}.${String(i % 1_000_000_000).padStart(9, '0')}Z`;
}

/** Splits content at 16 KiB the way docker and containerd do. */
function pieces(content: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < content.length; i += 16_384) out.push(content.slice(i, i + 16_384));
  return out.length === 0 ? [''] : out;
}

function buildFile(format: 'docker' | 'cri'): Buffer {
  const chunks: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < TARGET_BYTES; i++) {
    for (const written of workloadCycle(i)) {
      const parts = pieces(written.content);
      parts.forEach((part, k) => {
        const last = k === parts.length - 1;
        const time = timeOf(i * 10 + k);
        const line = format === 'docker'
          ? JSON.stringify({ log: last ? `${part}\n` : part, stream: written.stream, time })
          : `${time} ${written.stream} ${last ? 'F' : 'P'} ${part}`;
        chunks.push(line);
        bytes += line.length + 1;
      });
    }
  }
  return Buffer.from(`${chunks.join('\n')}\n`);
}

/** The tailer's share: find each newline and decode the line to a string. */
function splitLines(buffer: Buffer, each: (line: Line) => void): void {
  let start = 0;
  for (let end = buffer.indexOf(10); end !== -1; end = buffer.indexOf(10, start)) {
    each({ source: 'bench', path: 'bench.log', text: buffer.toString('utf8', start, end), offset: start, endOffset: end + 1 });
    start = end + 1;
  }
}

/** What one would write first: JSON.parse every line, join partials per stream, normalise the time. */
function naiveDockerDecode(buffer: Buffer): number {
  const pending: Record<string, string> = { stdout: '', stderr: '' };
  let entries = 0;
  splitLines(buffer, (line) => {
    const parsed = JSON.parse(line.text) as { log: string; stream: 'stdout' | 'stderr'; time: string };
    toCanonicalUtc(parsed.time);
    if (parsed.log.endsWith('\n')) {
      const message = pending[parsed.stream] + parsed.log.slice(0, -1);
      pending[parsed.stream] = '';
      if (message.length >= 0) entries++;
    } else {
      pending[parsed.stream] += parsed.log;
    }
  });
  return entries;
}

/** Best CPU time (user + system) of a few rounds: other processes on the machine inflate wall time, much less CPU time. */
function best(run: () => number): { seconds: number; result: number } {
  let seconds = Infinity;
  let result = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const before = process.cpuUsage();
    result = run();
    const used = process.cpuUsage(before);
    seconds = Math.min(seconds, (used.user + used.system) / 1e6);
  }
  return { seconds, result };
}

function decodeWith(buffer: Buffer, decoder: Decoder, after?: (entries: ReturnType<Decoder['push']>) => void): number {
  let entries = 0;
  splitLines(buffer, (line) => {
    const out = decoder.push(line);
    entries += out.length;
    if (after !== undefined && out.length > 0) after(out);
  });
  return entries + decoder.flush().length;
}

const docker = buildFile('docker');
const cri = buildFile('cri');
const rows: Array<Record<string, string | number>> = [];
const results: Record<string, number> = {};

function measure(name: string, buffer: Buffer, baselineSeconds: number, run: () => number): void {
  const { seconds, result } = best(run);
  const mbps = buffer.length / MiB / seconds;
  results[name] = Math.round(mbps);
  rows.push({ case: name, 'MiB/s': fmt(mbps), 'entries': result, 'vs split baseline': `${fmt(baselineSeconds / seconds, 2)}×`, 'decode cost (ns/line)': '' });
}

let dockerLines = 0;
const dockerBaseline = best(() => {
  let n = 0;
  splitLines(docker, () => n++);
  dockerLines = n;
  return n;
});
rows.push({ case: 'docker: read-and-split baseline', 'MiB/s': fmt(docker.length / MiB / dockerBaseline.seconds), entries: dockerBaseline.result, 'vs split baseline': '1.00×', 'decode cost (ns/line)': '' });
measure('docker: naive JSON.parse decoder', docker, dockerBaseline.seconds, () => naiveDockerDecode(docker));
measure('docker: line decoding only, JSON.parse path', docker, dockerBaseline.seconds, () => {
  let ok = 0;
  splitLines(docker, (line) => { if (parseDockerLine(line.text).ok) ok++; });
  return ok;
});
measure('docker: line decoding only, fast path', docker, dockerBaseline.seconds, () => {
  let ok = 0;
  splitLines(docker, (line) => { if (decodeDockerLine(line.text).ok) ok++; });
  return ok;
});
measure('docker: createDecoder', docker, dockerBaseline.seconds, () => decodeWith(docker, createDecoder({ format: 'docker', maxBytes: MiB })));
measure('docker: createDecoder + containerRecord(parseJson)', docker, dockerBaseline.seconds, () => decodeWith(docker, createDecoder({ format: 'docker', maxBytes: MiB }), (entries) => {
  for (const entry of entries) containerRecord(entry, { parseJson: true });
}));
measure('docker: createDecoder + multiline (java, python, go, node)', docker, dockerBaseline.seconds, () => {
  const joiner = createMultilineJoiner({ detectors: ['java', 'python', 'go', 'node'], maxLines: 500, maxBytes: MiB, timeoutMs: 1000 });
  let joined = 0;
  const decoded = decodeWith(docker, createDecoder({ format: 'docker', maxBytes: MiB }), (entries) => {
    for (const entry of entries) joined += joiner.push(entry).length;
  });
  return decoded > 0 ? joined + joiner.flush().length : 0;
});

let criLines = 0;
const criBaseline = best(() => {
  let n = 0;
  splitLines(cri, () => n++);
  criLines = n;
  return n;
});
rows.push({ case: 'cri: read-and-split baseline', 'MiB/s': fmt(cri.length / MiB / criBaseline.seconds), entries: criBaseline.result, 'vs split baseline': '1.00×', 'decode cost (ns/line)': '' });
measure('cri: createDecoder', cri, criBaseline.seconds, () => decodeWith(cri, createDecoder({ format: 'cri', maxBytes: MiB })));

for (const row of rows) {
  const name = String(row.case);
  if (results[name] === undefined) continue;
  const isDocker = name.startsWith('docker');
  const buffer = isDocker ? docker : cri;
  const baseline = isDocker ? dockerBaseline.seconds : criBaseline.seconds;
  const lines = isDocker ? dockerLines : criLines;
  const seconds = buffer.length / MiB / results[name]!;
  row['decode cost (ns/line)'] = fmt(((seconds - baseline) / lines) * 1e9);
}

printTable(`container log decoding, ${fmt(docker.length / MiB)} MiB docker / ${fmt(cri.length / MiB)} MiB CRI in memory, best CPU time of ${ROUNDS}, node ${process.version}`, rows);
process.stdout.write(`BENCH_RESULT ${JSON.stringify({ bench: 'decode', unit: 'MiB/s', ...results })}\n`);
