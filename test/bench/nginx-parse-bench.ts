/**
 * nginx parsing speed on one core, in lines per CPU-second (garbage collection included), over the real corpus repeated
 * (the shared corpus's nginx/, see test/helpers/corpus.ts; else lines from the demo generator).
 *
 * Compared in the same run with:
 * - the floor: walking the same lines and touching each one (what any parser costs at least);
 * - a typical regex parser: one combined-format regular expression with capture groups, building the
 *   same nested record, `Date.parse` for the time — what most hand-written shippers do.
 * The sidecar's end-to-end target is 365k lines/s; the parser should take a small part of that budget.
 *
 * Also the sidecar's whole line → encoded bulk record step (sidecar/nginx-records.ts) on the same lines,
 * both ways it can go: through the nested record and JSON.stringify, and with the document's JSON written
 * straight from the parser's fields (what the sidecar does for access lines).
 */
import { existsSync, readFileSync } from 'node:fs';
import { accessParserOf, compileAccessFieldReader, compileAccessFormat } from '../../shipper/parse/nginx-access.ts';
import { nginxRecordOf, type NginxRecordOptions } from '../../shipper/sidecar/nginx-records.ts';
import { fixedFieldsOf } from '../../shipper/enrich/fixed-fields.ts';
import { createErrorParser } from '../../shipper/parse/nginx-error.ts';
import type { LogRecord, ParseResult } from '../../shipper/record.ts';
import { accessLine, seededRandom } from '../../shipper/demo/nginx-lines.ts';
import { SHORT, fmt, printTable } from './bench-kit.ts';
import { CORPUS_ROOT } from '../helpers/corpus.ts';

const CORPUS = `${CORPUS_ROOT}/nginx`;
const ROUNDS = SHORT ? 3 : 7;
const TARGET_LINES = SHORT ? 200_000 : 1_000_000;

function loadLines(name: string, fallback: () => string[]): string[] {
  const path = `${CORPUS}/${name}`;
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((line) => line.length > 0) : fallback();
}

const accessLines = loadLines('access.log', () => {
  const random = seededRandom(7);
  return Array.from({ length: 20_000 }, (_, i) => accessLine(random, new Date(Date.parse('2026-11-23T00:00:00Z') + i * 50)));
});
const errorLines = loadLines('error.log', () => [
  '2026/11/23 06:16:36 [error] 13117#13117: *4 connect() failed (111: Connection refused) while connecting to upstream, client: 191.161.155.47, server: shop.example.test, request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:9/", host: "127.0.0.1:8080"',
]);

const COMBINED = /^(\S+) - (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"$/;
const REQUEST = /^([A-Z]+) (\S+) HTTP\/(\d\.\d)$/;

/** The typical alternative: a regex per line, a regex per request, Date.parse per time. */
function regexParse(text: string): ParseResult {
  const m = COMBINED.exec(text);
  if (m === null) return { ok: false, error: 'no match' };
  const [, addr, user, time, request, status, bytes, referrer, agent] = m;
  const record: LogRecord = {
    '@timestamp': new Date(Date.parse(time!.replace(/\//g, ' ').replace(':', ' '))).toISOString(),
    message: text,
    source: { address: addr, ip: addr },
    http: { response: { status_code: Number(status), ...(bytes !== '-' ? { body: { bytes: Number(bytes) } } : {}) } },
    event: { dataset: 'nginx.access' },
  };
  if (user !== '-') record.user = { name: user };
  const r = REQUEST.exec(request!);
  if (r !== null) {
    const [, method, url, version] = r;
    const q = url!.indexOf('?');
    record.url = { original: url, path: q < 0 ? url : url!.slice(0, q), ...(q >= 0 ? { query: url!.slice(q + 1) } : {}) };
    (record.http as Record<string, unknown>).request = { method, ...(referrer !== '-' ? { referrer } : {}) };
    (record.http as Record<string, unknown>).version = version;
  } else {
    record.url = { original: request };
  }
  if (agent !== '-') record.user_agent = { original: agent };
  return { ok: true, record };
}

/** The floor: visit every line and read its length. */
function touch(text: string): ParseResult {
  return text.length > 0 ? { ok: true, record: {} } : { ok: false, error: 'empty' };
}

/** Median lines per CPU-second (GC included) over ROUNDS, each parsing the corpus repeated to about TARGET_LINES. */
function measure(parse: (text: string) => ParseResult, lines: readonly string[]): { linesPerSec: number; failures: number } {
  const repeats = Math.max(1, Math.round(TARGET_LINES / lines.length));
  let failures = 0;
  for (const line of lines) if (!parse(line).ok) failures++; // warm-up, and the failure count
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let okCount = 0;
    // CPU time, not wall time: on a shared machine it is what "one core" means, and far steadier.
    const cpu = process.cpuUsage();
    for (let r = 0; r < repeats; r++) for (const line of lines) if (parse(line).ok) okCount++;
    const used = process.cpuUsage(cpu);
    if (okCount < 0) throw new Error('unreachable: keeps the results alive');
    rates.push((repeats * lines.length) / ((used.user + used.system) / 1e6));
  }
  rates.sort((a, b) => a - b);
  return { linesPerSec: rates[Math.floor(rates.length / 2)]!, failures };
}

/** The corpus again, as an escape=json object format writes it (values from splitting the lines). */
const JSON_FORMAT = `log_format json escape=json '{"time":"$time_iso8601","remote_addr":"$remote_addr","remote_user":"$remote_user",'
  '"request":"$request","status":$status,"body_bytes_sent":$body_bytes_sent,"http_referer":"$http_referer","http_user_agent":"$http_user_agent"}';`;
const jsonLines = accessLines.flatMap((line) => {
  const m = COMBINED.exec(line);
  if (m === null) return [];
  const [, addr, user, , request, status, bytes, referrer, agent] = m;
  return [JSON.stringify({ time: '2026-11-23T06:16:36+00:00', remote_addr: addr, remote_user: user === '-' ? '' : user, request, status: Number(status), body_bytes_sent: bytes === '-' ? 0 : Number(bytes), http_referer: referrer, http_user_agent: agent })];
});

/** line → encoded bulk record, released at once (as the store's answer would), as a parse-shaped function. */
function sidecarRecords(direct: boolean): (text: string) => ParseResult {
  const reader = compileAccessFieldReader('combined');
  const fixedFields = fixedFieldsOf((record) => ({ ...record, host: { name: 'node-1' }, agent: { type: 'logship', version: '0.1.0' }, kubernetes: { namespace: 'shop', pod: { name: 'web-1', uid: '5f0c6d1e-0000-4000-8000-000000000001' }, node: { name: 'node-1' } } }));
  const options: NginxRecordOptions = { accessParser: accessParserOf(reader), errorParser: createErrorParser({ timeZone: 'UTC' }), errorFilePattern: /error/, namespace: 'default', fixedFields, ...(direct ? { accessFieldReader: reader } : {}) };
  let offset = 0;
  return (text) => {
    const outgoing = nginxRecordOf({ source: '64768:1234:0badc0de', path: '/var/log/nginx/access.log', text, offset, endOffset: offset + text.length + 1 }, options);
    offset += text.length + 1;
    outgoing?.release?.();
    return outgoing === undefined ? { ok: false, error: 'blank' } : { ok: true, record: {} };
  };
}

const floor = measure(touch, accessLines);
const regex = measure(regexParse, accessLines);
const combined = measure(compileAccessFormat('combined'), accessLines);
const json = measure(compileAccessFormat(JSON_FORMAT), jsonLines);
const errors = measure(createErrorParser({ timeZone: 'UTC' }), errorLines);
const errorsZoned = measure(createErrorParser({ timeZone: 'Europe/Berlin' }), errorLines);
const viaRecord = measure(sidecarRecords(false), accessLines);
const direct = measure(sidecarRecords(true), accessLines);

const row = (name: string, result: { linesPerSec: number; failures: number }, lines: readonly string[], comparable = true) => ({
  parser: name,
  'lines/cpu-s': fmt(result.linesPerSec),
  // The regex baseline reads access lines; error-log rows have nothing to compare with.
  'vs regex': comparable ? `${(result.linesPerSec / regex.linesPerSec).toFixed(2)}x` : '-',
  'core share at 365k lines/s': `${((365_000 / result.linesPerSec) * 100).toFixed(0)}%`,
  failures: `${result.failures}/${lines.length}`,
});
printTable(`nginx parsing, lines per CPU-second, median of ${ROUNDS} rounds of ~${fmt(TARGET_LINES)} lines`, [
  row('floor: touch each line', floor, accessLines),
  row('typical regex (combined)', regex, accessLines),
  row('compileAccessFormat(combined)', combined, accessLines),
  row('compileAccessFormat(escape=json object)', json, jsonLines),
  row('createErrorParser (UTC)', errors, errorLines, false),
  row('createErrorParser (Europe/Berlin)', errorsZoned, errorLines, false),
  row('sidecar line → bulk record, via the nested record', viaRecord, accessLines),
  row('sidecar line → bulk record, JSON from the fields', direct, accessLines),
]);
process.stdout.write(`BENCH_RESULT ${JSON.stringify({
  bench: 'nginx-parse', unit: 'lines per CPU-second',
  combined: Math.round(combined.linesPerSec), json: Math.round(json.linesPerSec), regexBaseline: Math.round(regex.linesPerSec), floor: Math.round(floor.linesPerSec),
  error: Math.round(errors.linesPerSec), errorZoned: Math.round(errorsZoned.linesPerSec),
  sidecarRecordViaRecord: Math.round(viaRecord.linesPerSec), sidecarRecordDirect: Math.round(direct.linesPerSec),
})}\n`);
