/**
 * Test support: reads corpus files the way the tailer hands them over (one `Line` per physical
 * line, byte offsets, UTF-8 decoded with replacement), and states what `workload/gen.sh` printed,
 * written down independently from its source rather than from any decoder's output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Line } from '../../../shipper/record.ts';
import type { ContainerEntry, Decoder } from '../../../shipper/decode/container-entry.ts';
import { CORPUS_ROOT } from '../../helpers/corpus.ts';

export const CONTAINERS = `${CORPUS_ROOT}/containers`;

export function corpusPath(...parts: string[]): string {
  return join(CONTAINERS, ...parts);
}

export function readBytes(path: string): Buffer {
  const bytes = readFileSync(path);
  return path.endsWith('.gz') ? gunzipSync(bytes) : bytes;
}

/** Splits bytes at `\n` into Lines; a last line without `\n` is included, ending at the end of the bytes. */
export function linesOf(bytes: Uint8Array, source = 'test-source', path = 'test.log'): Line[] {
  const decoder = new TextDecoder('utf-8');
  const lines: Line[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    const endOffset = end < 0 ? bytes.length : end + 1;
    if (end < 0) end = bytes.length;
    lines.push({ source, path, text: decoder.decode(bytes.subarray(start, end)), offset: start, endOffset });
    start = endOffset;
  }
  return lines;
}

export function readLines(path: string): Line[] {
  return linesOf(readBytes(path), path, path);
}

/** Everything a decoder makes of `lines`, including what only the end of the file releases. */
export function decodeAll(decoder: Decoder, lines: readonly Line[]): ContainerEntry[] {
  const out: ContainerEntry[] = [];
  for (const line of lines) out.push(...decoder.push(line));
  out.push(...decoder.flush());
  return out;
}

function repeatTo(pattern: string, length: number): string {
  return pattern.repeat(Math.ceil(length / pattern.length)).slice(0, length);
}

/** gen.sh section 8: `big-line-40KiB:` + 40 945 chars of the repeated hex digits. */
export const BIG_STDOUT_LINE = 'big-line-40KiB:' + repeatTo('0123456789abcdef', 40_945);
/** gen.sh section 9: the JSON payload of 16 950 `x`. */
export const BIG_JSON_LINE = '{"level":"info","msg":"large payload","payload":"' + 'x'.repeat(16_950) + '","end":true}';
/** gen.sh section 10. */
export const BIG_STDERR_LINE = 'big-stderr-20KiB:' + repeatTo('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 20_463);

export const JAVA_TRACE = [
  'Exception in thread "main" java.lang.IllegalStateException: connection pool exhausted',
  '\tat com.example.demo.Pool.acquire(Pool.java:88)',
  '\tat com.example.demo.Handler.handle(Handler.java:31)',
  '\tat java.base/java.lang.Thread.run(Thread.java:833)',
];

/**
 * What gen.sh printed on stdout, in order, after the runtime's reassembly. The pid differs per
 * runtime; invalid UTF-8 reads as U+FFFD both when docker replaced it and when the raw bytes are
 * decoded with replacement (CRI), so the line is the same everywhere.
 */
export function workloadStdout(pid: number): string[] {
  const ticks = [1, 2, 3, 4, 5].map((i) => `tick ${i} stdout`);
  return [
    `demo-app starting version=1.4.2 pid=${pid}`,
    '{"@timestamp":"2026-11-23T06:00:00.123Z","log.level":"info","message":"listening on :8080","ecs.version":"1.6.0","service.name":"demo-app"}',
    '{"level":30,"time":1795413600123,"pid":1,"hostname":"demo-app-7d9c5b6f4-x2k8p","req":{"method":"GET","url":"/healthz?probe=liveness","headers":{"user-agent":"kube-probe/1.29"}},"res":{"statusCode":200},"responseTime":0.41,"msg":"request completed"}',
    'unicode: héllo wörld — 日本語のログ — emoji 🚀✅ — Ωμέγα — עברית — Ünïcödé',
    'escapes: tab[\t] backslash[\\] dquote["] squote[\'] ansi[\x1b[32mINFO\x1b[0m] bell[\x07] nul-free',
    'invalid-utf8: [\ufffd\ufffd] latin1-e-acute[\ufffd]',
    '',
    'crlf-terminated line',
    BIG_STDOUT_LINE,
    BIG_JSON_LINE,
    ...ticks,
    'final line without trailing newline',
  ];
}

export function workloadStderr(): string[] {
  return [
    'W1123 06:00:00.000000       1 main.go:42] config file /etc/demo/config.yaml not found, using defaults',
    ...JAVA_TRACE,
    BIG_STDERR_LINE,
    ...[1, 2, 3, 4, 5].map((i) => `tick ${i} stderr`),
    '{"level":"error","ts":1795413601.5,"caller":"server/server.go:217","msg":"upstream timeout","error":"context deadline exceeded","stacktrace":"main.run\\n\\t/app/main.go:217\\nmain.main\\n\\t/app/main.go:30"}',
  ];
}

/** The four captures of the same workload, with the pid each container got. */
export const WORKLOAD_SAMPLES = [
  { runtime: 'dockerd 20.10', format: 'docker', pid: 1, path: corpusPath('docker-json-file/produced-dockerd-20.10.24/25cc191df2648a2c13b29d54b290c83f5a64217406ce960a794afb8eaae9ebbc/25cc191df2648a2c13b29d54b290c83f5a64217406ce960a794afb8eaae9ebbc-json.log') },
  { runtime: 'containerd 1.6', format: 'cri', pid: 6, path: corpusPath('cri/produced-containerd-1.6.20/payments_ledger-api-5f6b8c9d7-q4wz2_863b9313-ae40-4d22-bdc1-84a7c670795c/ledger-api/0.log') },
  { runtime: 'conmon, UTC', format: 'cri', pid: 1, path: corpusPath('cri/produced-podman-4.3.1-conmon/podman-k8s-file-utc.log') },
  { runtime: 'conmon, -03:30', format: 'cri', pid: 1, path: corpusPath('cri/produced-podman-4.3.1-conmon/podman-k8s-file-tz.log') },
] as const;
