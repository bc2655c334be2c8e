/**
 * The collector reading lines as bytes (the tailer's `byteLines`: whole docker and CRI lines copied into
 * their records without a string, see shipper/decode/docker-json-bytes.ts and cri-line-bytes.ts) against reading them as text, the
 * path before it. The same file bytes, split by the same splitter in the same pieces, through two
 * container streams: the records must be the same to the byte (index, `_id`, byte range, size and the
 * document's JSON text), and so must the ranges settled without a record. Files are random docker
 * json-file lines (escapes of every kind, non-ASCII and invalid UTF-8, raw control characters, braces,
 * carriage returns, partials, odd times, other layouts), CRI lines, and every corpus sample, under
 * every kind of pod policy, JSON lifting and content limit. The text path itself is held to the
 * decoder's careful path by fast-records.property.test.ts.
 */
import fc from 'fast-check';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Line, Outgoing } from '../../../shipper/record.ts';
import { ByteLine } from '../../../shipper/tail/byte-line.ts';
import { JsonLayouts } from '../../../shipper/collector/json-layout-records.ts';
import { LineSplitter } from '../../../shipper/tail/line-splitter.ts';
import { CONTAINERS, readBytes } from '../../unit/decode/corpus.ts';
import { containerStreamsFor, ENRICHERS, type RecordSetup } from './record-setups.ts';

interface Setup extends RecordSetup {
  /** Bytes per piece handed to the splitter (lines cut across pieces come out as text lines). */
  readonly piece: number;
}

interface Made {
  index: string;
  id: string;
  offset: number;
  endOffset: number;
  bytes: number;
  body: string;
}

interface Run {
  records: Made[];
  settled: number[][];
  /** Lines that were handed over as bytes (to show the byte path was taken at all). */
  byteLines: number;
}

/** The file's bytes through the splitter (as bytes or as text) and the collector's container streams. */
function collect(file: Buffer, setup: Setup, byteLines: boolean): Run {
  const settled: number[][] = [];
  const streams = containerStreamsFor(setup, settled);
  const splitter = new LineSplitter(1 << 20, { byteLines });
  const records: Made[] = [];
  let count = 0;
  // One reused buffer, as the tailer reads: a byte line must be used before the next piece overwrites it.
  // It lies at some offset of its memory, as the tailer's pieces of a read do (readers that go by words
  // of the memory must count from the memory's start).
  const memoryOffset = file.length % 8;
  const reused = Buffer.from(new ArrayBuffer(Math.max(1, setup.piece) + memoryOffset), memoryOffset, Math.max(1, setup.piece));
  for (let at = 0; at < file.length; at += setup.piece) {
    const length = Math.min(setup.piece, file.length - at);
    file.copy(reused, 0, at, at + length);
    const lines: Line[] = [];
    splitter.push(reused, length, at, 'dev:ino:fp', '/var/lib/docker/containers/c0ffee/c0ffee-json.log', lines);
    for (const line of lines) if (line instanceof ByteLine) count++;
    // Read back at once: a record's bytes are its own, whatever the reused buffer holds next.
    for (const record of streams.push(lines)) records.push(made(record));
  }
  return { records, settled, byteLines: count };
}

const made = (record: Outgoing): Made => ({ index: record.index, id: record.id, offset: record.offset, endOffset: record.endOffset, bytes: record.bytes, body: record.body });

// Message pieces: plain text, every JSON escape (and bad ones), non-ASCII, braces, carriage returns.
const piece = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('a', 'Z', ' ', '0', '=', '/', ':', '.', '!', '~', 'GET /x 200', 'payload ') },
  { weight: 4, arbitrary: fc.constantFrom('\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t', '\\u003c', '\\u0026', '\\u2028', '\\u00e9', '\\u00E9', '\\u001b', '\\u0000', '\\u000d', '\\u000D', '\\u007b', '\\u007B', '\\ud83d\\ude80', '\\ud800', '\\udc00x', '\\uDFFF') },
  { weight: 2, arbitrary: fc.constantFrom('é', '日本', '🚀', '\u2028', '\x7f', '{', '}', '{"level":"info"}', '[1]') },
  { weight: 1, arbitrary: fc.constantFrom('\\', '\\x', '\\u12', '\\u12g4', '\\U0041', '"', '\t', '\r', '\x00', '\x1f', '\\r\\n', '\\\\n') },
);
const message = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(''));
const time = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(
    '2026-11-24T05:00:00.123456789Z', '2026-11-29T05:00:00.123456789Z', '2026-11-31T05:00:00.123456789Z', '2024-02-29T23:59:59.999999999Z',
    '2026-02-29T05:00:00.123456789Z', '2026-11-24T05:00:60.123456789Z', '2026-11-24T24:00:00.123456789Z', '2026-13-24T05:00:00.123456789Z',
    '2026-00-24T05:00:00.123456789Z', '2026-11-00T05:00:00.123456789Z', '2026-11-24T05:00:00.1234Z', '2026-11-24T05:00:00Z',
    '2026-11-24t05:00:00.123456789Z', '2026-11-24T05:00:00.123456789z', '2026-11-24 05:00:00.123456789Z', '2026-11-24T01:30:00.499033813-03:30',
    '2026-11-24T05:00:00.12345678xZ', '2026-1a-24T05:00:00.123456789Z', 'yesterday', '', '2026-11-24T05:00:00.123456789Zé', '"',
  ) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 86_399_999 }).map((ms) => new Date(Date.UTC(2026, 10, 24) + ms).toISOString().replace('Z', '123456Z')) },
);
const stream = fc.constantFrom('stdout', 'stderr', 'stdin', 'STDOUT');
const end = fc.constantFrom('\\n', '\\n', '\\n', '', '\\r\\n', '\\\\n');

/** A docker line's bytes: mostly dockerd's layout, written without re-escaping, so whatever the message holds stays in the line. */
const dockerLine: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 10, arbitrary: fc.tuple(message, end, stream, time).map(([m, e, s, t]) => Buffer.from(`{"log":"${m}${e}","stream":"${s}","time":"${t}"}`)) },
  { weight: 1, arbitrary: fc.tuple(message, stream, time).map(([m, s, t]) => Buffer.from(`{"stream":"${s}","log":"${m}\\n","time":"${t}"}`)) },
  { weight: 1, arbitrary: fc.tuple(message, time).map(([m, t]) => Buffer.from(`{"log":"${m}\\n","time":"${t}"}`)) },
  { weight: 1, arbitrary: fc.tuple(message, stream, time, fc.constantFrom(' ', '}', '"}', '","stream":"stdout","time":"', ',"x":1')).map(([m, s, t, extra]) => Buffer.from(`{"log":"${m}\\n","stream":"${s}","time":"${t}${extra}"}`)) },
  // Bytes that are not UTF-8 (or not valid where they are) inside the message.
  {
    weight: 2,
    arbitrary: fc.tuple(message, fc.uint8Array({ minLength: 1, maxLength: 4 }), message, stream, time).map(([a, raw, b, s, t]) =>
      Buffer.concat([Buffer.from(`{"log":"${a}`), Buffer.from(raw.filter((byte) => byte !== 0x0a)), Buffer.from(`${b}\\n","stream":"${s}","time":"${t}"}`)])),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((text) => Buffer.from(text.replace(/\n/g, ' '))) },
);
/** Applications' JSON messages: keys the collector lifts (with values of the right and the wrong kind), others, nesting. */
const jsonValue = fc.oneof(
  fc.constantFrom('info', '', 'WARN', '2026-11-24T05:00:00.000Z', '2026-02-30T05:00:00Z', 'a"b\\c', '<&>', 'é🚀', '\u2028', '{x}'),
  fc.constantFrom(30, 50, 42, 0, -1.5, 1e21, 2 ** 64 + 2 ** 12),
  fc.constantFrom(true, false, null),
  fc.constantFrom(['a', 'b'], ['a', 1], []),
  fc.constantFrom({ name: 'svc' }, { level: 'debug', logger: 'x' }, { message: 'inner', stack: 'at x' }, {}),
);
const jsonKey = fc.constantFrom('@timestamp', 'message', 'msg', 'level', 'log.level', 'log', 'error', 'err', 'error.message', 'trace_id', 'service.name', 'service',
  'event.duration', 'tags', 'http.response.status_code', 'stream', 'kubernetes', 'items', 'took_ms', 'a.b.c', '__proto__', '');
const jsonMessage = fc.array(fc.tuple(jsonKey, jsonValue), { maxLength: 8 }).map((pairs) => {
  const fields = pairs.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`);
  return `{${fields.join(',')}}`;
});
const jsonMessageLine: fc.Arbitrary<Buffer> = fc.tuple(jsonMessage, fc.constantFrom('', ' ', '\r'), fc.constantFrom('stdout', 'stderr'), time, fc.boolean()).map(([m, after, s, t, go]) => {
  const line = JSON.stringify({ log: `${m}${after}\n`, stream: s, time: t });
  return Buffer.from(go ? line.replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).replace(/\//g, '\\/') : line);
});

/**
 * An application's layout: keys in a fixed order, each with a family of values (text, integers, times,
 * literals). Each line draws its own values from the families: most of them what a template copies or
 * converts (levels as numbers, times in several forms, non-ASCII text, lengths around the content limit),
 * some what no template takes (escapes of the application's own, numbers not in their shortest form or
 * beyond a double's precision, invalid times and UTF-8, another kind, nesting) — and spacing varies.
 */
const layoutKey = fc.oneof(
  { weight: 3, arbitrary: jsonKey },
  { weight: 1, arbitrary: fc.constantFrom('ts', 'caller', 'logger', 'event.action', 'user.id', 'process.pid', 'log.logger', 'error.type', 'span_id', '1', '42', 'é', 'a b', 'x.', '.y', 'log.origin.file.line', 'event.category', 'http.request.method') },
);
type Family = 'text' | 'integer' | 'time' | 'literal' | 'nested';
const family = fc.constantFrom<Family>('text', 'text', 'text', 'integer', 'integer', 'time', 'literal', 'nested');
/** Keys with the values applications give them (times under `@timestamp`, numbers or names as levels, …), or any key with any family. */
const member = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom<[string, Family]>(['@timestamp', 'time'], ['level', 'integer'], ['level', 'text'], ['log.level', 'text'], ['log.level', 'integer'],
    ['msg', 'text'], ['message', 'text'], ['time', 'time'], ['ts', 'integer'], ['service.name', 'text'], ['error', 'text'], ['trace_id', 'text'], ['tags', 'text'],
    ['http.response.status_code', 'integer'], ['process.pid', 'integer'], ['event.duration', 'integer'], ['user.id', 'integer'], ['pid', 'integer'], ['hostname', 'text']) },
  { weight: 1, arbitrary: fc.tuple(layoutKey, family) },
);
const layout = fc.array(member, { maxLength: 8 });
type Layout = Array<[string, Family]>;

/** Where a value holds invalid UTF-8 (put in as bytes once the line is written). */
const INVALID_UTF8 = 'INVALID~UTF8';
const TEXTS = ['GET /x?a=1&b=<2>', '\u2028\u2029&', 'processed batch', 'é', '日本 🚀', '\u2028', '<&>', 'a/b', '{x}', 'x'.repeat(30), '\u007f', 'y'.repeat(150)];
const ODD_TEXTS = ['bell\x07 (raw: not JSON)', 'a\\"b', 'a\\\\b', 'tab\\t', '\\u00e9', '\\/', INVALID_UTF8];
const INTEGERS = ['0', '7', '-12', '10', '20', '30', '40', '50', '60', '31', '123456789012345', '-123456789012345', '-1', '1.5', '30.5', '1732424400.123456', '-2.5', '1e-7', '1e+21', '1234567890123456'];
const ODD_INTEGERS = ['01', '-0', '1e3', '1.0', '1.50', '1E3', '1e21', '-0.0', '0.10', '1e+0', '12345678901234567', '9007199254740993', '"30"'];
// Valid and invalid ones alike: the layout's time slot must tell them apart on every line.
const TIMES = ['2026-11-24T05:00:60Z', '2026-11-24T05:00:00.Z', '2026-11-24T24:00:00Z', '2026-11-24T05:00:00.1234567891Z', '2026-11-24t05:00:00.1234567891Z', '2026-12-31T23:59:59Z', '2028-02-29T00:00:00.1Z', '2026-11-24T05:00:00.000Z', '2026-11-24T05:00:00.123456789Z', '2026-11-24T07:00:00+02:00', '2026-11-24T05:00:00Z', '2026-11-24T05:00:00.5Z', '2024-02-29T23:59:59.999999999Z'];
const ODD_TIMES = ['"2026-11-24T24:00:00Z"', '"2026-11-24T05:00:60Z"', '"2026-11-24T05:00:00.Z"', '"2027-02-29T05:00:00Z"', '"2026-02-30T05:00:00Z"', '"yesterday"', '42', '""', '"2026-11-24T05:00:00.000\\u005a"'];

function valueOf(kind: Family, seed: number): string {
  const odd = seed % 9 === 0;
  const pick = Math.floor(seed / 9);
  switch (kind) {
    case 'text': return odd ? `"${ODD_TEXTS[pick % ODD_TEXTS.length]}"` : `"${TEXTS[pick % TEXTS.length]}${seed % 3 === 0 ? ` ${seed}` : ''}"`;
    case 'integer': return odd ? ODD_INTEGERS[pick % ODD_INTEGERS.length]! : seed % 4 === 0 ? String(seed - 500) : INTEGERS[pick % INTEGERS.length]!;
    case 'time': return odd ? ODD_TIMES[pick % ODD_TIMES.length]! : `"${TIMES[pick % TIMES.length]}"`;
    case 'literal': return ['true', 'false', 'null', '""'][seed % 4]!;
    case 'nested': return ['{"a":1}', '[1,2]', '{}', '["x"]', '"flat"'][seed % 5]!;
  }
}

/** One line of `layout` with values drawn by `seeds`, docker's escaping around it (Go's `<>&` escapes with `go`). */
function layoutLine(fields: Layout, seeds: readonly number[], stream: string, t: string, go: boolean): Buffer {
  const spaced = seeds[0]! % 7 === 0;
  const members = fields.map(([key, kind], i) => `${JSON.stringify(key)}:${spaced ? ' ' : ''}${valueOf(kind, seeds[i % seeds.length]!)}`);
  const message = `{${members.join(spaced ? ', ' : ',')}}`;
  // The application's JSON is docker's message text: its escapes doubled, as docker writes them.
  const line = `{"log":${JSON.stringify(`${message}\n`)},"stream":"${stream}","time":"${t}"}`;
  // Go's JSON (dockerd) escapes these; the case of the hex digits varies between writers.
  const escaped = go ? line.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).replace(/u003c/g, () => (seeds[1]! % 2 === 0 ? 'u003c' : 'u003C')) : line;
  const [before, ...after] = escaped.split(INVALID_UTF8);
  return after.length === 0 ? Buffer.from(escaped) : Buffer.concat([Buffer.from(before!), ...after.flatMap((rest) => [Buffer.from([0xc3, 0x28]), Buffer.from(rest)])]);
}

/** CRI lines: content is raw (quotes, backslashes, tabs as they are), tags of every kind, and invalid UTF-8. */
const criContent = fc.oneof(
  { weight: 4, arbitrary: message.map((m) => Buffer.from(m)) },
  { weight: 1, arbitrary: fc.tuple(message, fc.uint8Array({ minLength: 1, maxLength: 4 })).map(([m, raw]) => Buffer.concat([Buffer.from(m), Buffer.from(raw.filter((byte) => byte !== 0x0a))])) },
  { weight: 1, arbitrary: jsonMessage.map((m) => Buffer.from(m)) },
  // A carriage return left at the end once the splitter dropped the one before the newline.
  { weight: 1, arbitrary: message.map((m) => Buffer.from(`${m}\r\r`)) },
);
const criLine: fc.Arbitrary<Buffer> = fc.tuple(time, fc.constantFrom('stdout', 'stderr', 'stdin'), fc.constantFrom('F', 'F', 'P', '', 'F:x', 'P:x', 'F:é', 'FX', 'Q', 'F '), criContent, fc.constantFrom(' ', ' ', '', '  '))
  .map(([t, s, tag, content, gap]) => Buffer.concat([Buffer.from(tag === '' ? `${t} ${s}${gap}` : `${t} ${s} ${tag}${gap}`), content]));

const setup: fc.Arbitrary<Setup> = fc.record({
  enricher: fc.constantFrom<keyof typeof ENRICHERS>('agent', 'agent', 'tagged', 'overlapping', 'none'),
  policy: fc.constantFrom('plain', 'plain', 'dataset', 'nginx', 'excluded'),
  parseJson: fc.boolean(),
  maxBytes: fc.constantFrom(1 << 20, 1 << 20, 64, 30, 9),
  piece: fc.constantFrom(1 << 16, 1 << 16, 97, 7),
});

function fileOf(lines: readonly Buffer[], lastNewline: boolean): Buffer {
  const parts: Buffer[] = [];
  lines.forEach((line, i) => {
    parts.push(line);
    if (i < lines.length - 1 || lastNewline) parts.push(Buffer.from('\n'));
  });
  return Buffer.concat(parts);
}

/** Settings under which a file's records share one template, so the byte path applies to whole lines. */
const templateSetupFields = {
  enricher: fc.constantFrom<keyof typeof ENRICHERS>('agent', 'tagged'),
  policy: fc.constantFrom('plain', 'dataset'),
  parseJson: fc.boolean(),
  maxBytes: fc.constantFrom(1 << 20, 64, 30, 9),
  piece: fc.constant(1 << 16),
};
const templateSetup = fc.record(templateSetupFields);

/** The file read as byte lines and as text lines makes the same records and settles the same ranges. */
function expectSameBothWays(file: Buffer, s: Setup): void {
  const { byteLines: _b, ...bytes } = collect(file, s, true);
  const { byteLines: _t, ...text } = collect(file, s, false);
  expect(bytes).toEqual(text);
}

describe('lines read as bytes make the records lines read as text make, to the byte', () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-24T06:00:00.000Z'));
  });
  afterAll(() => vi.useRealTimers());

  it('for random docker json-file files', () => {
    let viaBytes = 0;
    fc.assert(
      fc.property(fc.array(dockerLine, { maxLength: 30 }), fc.boolean(), setup, (lines, lastNewline, s) => {
        const file = fileOf(lines, lastNewline);
        const bytes = collect(file, s, true);
        const { byteLines: _, ...text } = collect(file, s, false);
        expect({ records: bytes.records, settled: bytes.settled }).toEqual(text);
        viaBytes += bytes.byteLines;
      }),
      { numRuns: 1000 },
    );
    expect(viaBytes).toBeGreaterThan(1000);
  });

  it('for single docker lines in a file whose records share the template (where the byte path applies)', () => {
    // The first line makes the decoder know the file's format; the byte path starts at the second.
    const first = Buffer.from('{"log":"start\\n","stream":"stdout","time":"2026-11-24T05:00:00.123456789Z"}');
    fc.assert(
      fc.property(dockerLine, templateSetup, (line, s) => {
        const file = fileOf([first, line], true);
        expectSameBothWays(file, s);
      }),
      { numRuns: 5000 },
    );
  });

  it('for random CRI files', () => {
    fc.assert(
      fc.property(fc.array(criLine, { maxLength: 30 }), fc.boolean(), setup, (lines, lastNewline, s) => {
        const file = fileOf(lines, lastNewline);
        expectSameBothWays(file, s);
      }),
      { numRuns: 1000 },
    );
  });

  it('for single CRI lines in a file whose records share the template (where the byte path applies)', () => {
    const first = Buffer.from('2026-11-24T05:00:00.123456789Z stdout F start');
    fc.assert(
      fc.property(criLine, templateSetup, (line, s) => {
        const file = fileOf([first, line], true);
        expectSameBothWays(file, s);
      }),
      { numRuns: 5000 },
    );
  });

  it('for CRI records escaped as they are copied that fill the record memory to its ends (their sizes counted right)', () => {
    // Records of ~3.5 KB, 3 KB of it escapes: any miscount of escapes shows where a record meets the end of its chunk.
    const controls = '\x01\x1f"\\\t'.repeat(100);
    const lines = Array.from({ length: 2000 }, (_, i) => Buffer.from(`2026-11-24T05:00:00.123456789Z stdout F ${i} ${controls.slice(0, 400 + (i % 97))}`));
    const s: Setup = { enricher: 'agent', policy: 'plain', parseJson: true, maxBytes: 1 << 20, piece: 1 << 16 };
    const file = fileOf(lines, true);
    const bytes = collect(file, s, true);
    const { byteLines: _t, ...text } = collect(file, s, false);
    expect({ records: bytes.records, settled: bytes.settled }).toEqual(text);
    expect(bytes.records).toHaveLength(2000);
  });

  it('for docker files of applications that write JSON (lifted, or not when JSON lifting is off)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 3, arbitrary: jsonMessageLine }, { weight: 1, arbitrary: dockerLine }), { maxLength: 20 }), setup, (lines, s) => {
        const file = fileOf(lines, true);
        expectSameBothWays(file, s);
      }),
      { numRuns: 1000 },
    );
  });

  it('for files that start in docker format and go on with anything (CRI lines, broken lines)', () => {
    fc.assert(
      fc.property(dockerLine, fc.array(fc.oneof(dockerLine, criLine), { maxLength: 20 }), setup, (first, lines, s) => {
        const file = fileOf([first, ...lines], true);
        expectSameBothWays(file, s);
      }),
      { numRuns: 300 },
    );
  });

  it('for files of applications that log JSON in a few layouts (records from the layouts\' templates)', () => {
    const record = vi.spyOn(JsonLayouts.prototype, 'record');
    let templated = 0;
    let lines = 0;
    const seeds = fc.array(fc.nat({ max: 10_000 }), { minLength: 8, maxLength: 8 });
    // Content limits around the length of these messages, which the careful path cuts.
    const layoutSetup = fc.record({ ...templateSetupFields, maxBytes: fc.constantFrom(1 << 20, 1 << 20, 240, 120) });
    fc.assert(
      fc.property(fc.array(layout, { minLength: 1, maxLength: 3 }), fc.array(fc.tuple(fc.nat(), seeds, fc.constantFrom('stdout', 'stderr'), time), { minLength: 1, maxLength: 40 }), layoutSetup, fc.boolean(), (layouts, picks, s, go) => {
        const first = Buffer.from('{"log":"start\\n","stream":"stdout","time":"2026-11-24T05:00:00.123456789Z"}');
        const file = fileOf([first, ...picks.map(([which, values, stream, t]) => layoutLine(layouts[which % layouts.length]!, values, stream, t, go))], true);
        record.mockClear();
        expectSameBothWays(file, s);
        templated += record.mock.results.filter((result) => result.value !== undefined).length;
        if (s.parseJson && s.maxBytes === 1 << 20) lines += picks.length;
      }),
      { numRuns: 3000 },
    );
    record.mockRestore();
    // Most lines go the template's way where it applies (the rest: unusual values or times, layouts being learnt).
    expect(templated).toBeGreaterThan(lines / 3);
  });

  it('for files of two layouts whose keys differ in one byte (a line is templated only by its own layout)', () => {
    const seeds = fc.array(fc.nat({ max: 10_000 }), { minLength: 8, maxLength: 8 });
    const sibling = fc.tuple(layout.filter((fields) => fields.length > 0), fc.nat(), fc.nat(), fc.constantFrom('a', 'Z', '_', '0', '.'));
    fc.assert(
      fc.property(sibling, fc.array(fc.tuple(fc.boolean(), seeds), { minLength: 2, maxLength: 30 }), fc.record({ ...templateSetupFields, maxBytes: fc.constant(1 << 20) }), ([fields, which, at, replacement], picks, s) => {
        // The same layout but for one byte of one key (same length, same kinds).
        const changed = which % fields.length;
        const key = fields[changed]![0];
        const position = key.length === 0 ? 0 : at % key.length;
        const otherKey = key.length === 0 ? replacement : `${key.slice(0, position)}${key[position] === replacement ? 'q' : replacement}${key.slice(position + 1)}`;
        if (fields.some(([k]) => k === otherKey)) return;
        const other: Layout = fields.map((field, i) => (i === changed ? [otherKey, field[1]] : field));
        const lines = picks.map(([second, values]) => layoutLine(second ? other : fields, values, 'stdout', '2026-11-24T05:00:00.123456789Z', false));
        expectSameBothWays(fileOf(lines, true), { ...s, parseJson: true });
      }),
      { numRuns: 1500 },
    );
  });

  const corpusFiles = listFiles(CONTAINERS).filter((path) => /(\.log(\.\d+)?|\.log\.\d{8}-\d{6}(\.gz)?|\.json)$/.test(path) && !path.endsWith('config.v2.json') && !path.endsWith('hostconfig.json'));
  it.each(corpusFiles.map((path) => [path.slice(CONTAINERS.length + 1), path]))('for the corpus sample %s', (_, path) => {
    const file = readBytes(path);
    for (const enricher of ['agent', 'tagged', 'none'] as const) {
      for (const policy of ['plain', 'dataset', 'nginx']) {
        for (const parseJson of [true, false]) {
          const s: Setup = { enricher, policy, parseJson, maxBytes: 1 << 20, piece: 1 << 16 };
          const { byteLines: _b, ...bytes } = collect(file, s, true);
          const { byteLines: _t, ...text } = collect(file, s, false);
          expect(bytes).toEqual(text);
        }
      }
    }
  });

  it('takes the byte path for the corpus docker samples: the comparison is not vacuous', () => {
    const s: Setup = { enricher: 'agent', policy: 'plain', parseJson: true, maxBytes: 1 << 20, piece: 1 << 16 };
    let records = 0;
    for (const path of corpusFiles.filter((p) => p.includes('docker'))) {
      const file = readBytes(path);
      const run = collect(file, s, true);
      records += run.records.length;
      expect(run.records).toEqual(collect(file, s, false).records);
    }
    expect(records).toBeGreaterThan(100);
  });
});

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}
