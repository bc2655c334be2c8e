/**
 * The collector's fast paths (bytes shared by a file's records encoded once, lines that need no joining
 * read without the decoder's objects) against the careful path: the decoder's entries through
 * `containerRecordOf` without a template. For random docker json-file and CRI lines (awkward characters,
 * escapes, partial lines, JSON messages, broken lines, cut lines) and for every sample of the corpus, under
 * every kind of pod policy and common fields, both must make the same records: same index, `_id` and byte
 * range, and documents equal once parsed.
 */
import fc from 'fast-check';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { containerRecordOf } from '../../../shipper/collector/container-records.ts';
import { createDecoder } from '../../../shipper/decode/decoder.ts';
import { containerMetadata } from '../../../shipper/enrich/kubernetes-fields.ts';
import type { Line, Outgoing } from '../../../shipper/record.ts';
import { CONTAINERS, linesOf, readBytes } from '../../unit/decode/corpus.ts';
import { containerStreamsFor, ENRICHERS, POLICIES, recordOptions, refOf, type RecordSetup } from './record-setups.ts';

type Setup = RecordSetup;

interface Made {
  index: string;
  id: string;
  offset: number;
  endOffset: number;
  doc: unknown;
}

const made = (records: readonly Outgoing[]): Made[] =>
  records.map((record) => ({ index: record.index, id: record.id, offset: record.offset, endOffset: record.endOffset, doc: JSON.parse(record.body) as unknown }));

/** The careful path: every line through the decoder, every entry through containerRecordOf without a template. */
function careful(lines: readonly Line[], setup: Setup): { records: Made[]; settled: number[][] } {
  const metadata = containerMetadata(refOf(setup.policy), undefined, { nodeName: 'node-1', keepAnnotation: () => false });
  const options = recordOptions(setup);
  const decoder = createDecoder({ format: 'auto', maxBytes: setup.maxBytes });
  const records: Outgoing[] = [];
  const settled: number[][] = [];
  for (const line of lines) {
    for (const entry of decoder.push(line)) {
      if (metadata.policy.exclude) settled.push([entry.offset, entry.endOffset]);
      else records.push(containerRecordOf(entry, { source: line.source, path: line.path }, metadata, options));
    }
  }
  return { records: made(records), settled };
}

/** What the collector does: the streams, with their fast paths. */
function collector(lines: readonly Line[], setup: Setup): { records: Made[]; settled: number[][] } {
  const settled: number[][] = [];
  const streams = containerStreamsFor(setup, settled);
  const records: Outgoing[] = [];
  // In chunks, as the tailer hands them over.
  for (let i = 0; i < lines.length; i += 7) records.push(...streams.push(lines.slice(i, i + 7)));
  return { records: made(records), settled };
}

const awkward = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'Z', ' ', '0', '=', '/', ':', '.') },
  { weight: 2, arbitrary: fc.constantFrom('"', '\\', '\r', '\t', '\x00', '\x1b', '\x7f', '\u2028', '\u2029', '\ud800', '\udc00', 'é', '日', '🚀', '{', '}', '<', '&') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => c !== '\n') },
);
const content = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: awkward, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('{"level":"info","msg":"ok","n":1}', ' {"message":"padded"} ', '{"@timestamp":"2026-11-24T04:00:00Z","service.name":"app","log.level":"warn"}', '{not json}', 'ends with cr\r', '') },
  { weight: 1, arbitrary: fc.constantFrom('127.0.0.1 - - [24/Nov/2026:05:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8"', '2026/11/24 05:00:00 [error] 7#7: *1 open() failed') },
);
const time = fc.oneof(
  fc.constantFrom('2026-11-24T05:00:00.123456789Z', '2026-11-24T05:00:00.1234Z', '2026-11-24T05:00:00Z', '2026-11-24T01:30:00.499033813-03:30', '2026-02-30T05:00:00Z', 'yesterday', ''),
  fc.integer({ min: 0, max: 86_399_999 }).map((ms) => new Date(Date.UTC(2026, 10, 24) + ms).toISOString().replace('Z', '123456Z')),
);
const stream = fc.constantFrom('stdout', 'stderr');

/** dockerd (Go's encoding/json) escapes `<`, `>`, `&`, U+2028 and U+2029 as `\u…`; other writers escape `/`. */
const goEscaped = (json: string): string =>
  json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).replace(/\//g, '\\/');
/** Any writer may escape any character as `\u…`: a `{` or a `\r` must not hide behind one. */
const allEscaped = (json: string): string => json.replace(/[{}a]|\\r/g, (c) => (c === '\\r' ? '\\u000d' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
const dockerLine = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(content, fc.boolean(), stream, time).map(([text, last, s, t]) => JSON.stringify({ log: last ? `${text}\n` : text, stream: s, time: t })) },
  { weight: 2, arbitrary: fc.tuple(content, stream, time).map(([text, s, t]) => goEscaped(JSON.stringify({ log: `${text}\n`, stream: s, time: t }))) },
  { weight: 1, arbitrary: fc.tuple(content, stream, time).map(([text, s, t]) => `{"log":"${allEscaped(JSON.stringify(text).slice(1, -1))}\\n","stream":"${s}","time":"${t}"}`) },
  { weight: 1, arbitrary: fc.tuple(content, stream, time).map(([text, s, t]) => JSON.stringify({ stream: s, log: `${text}\n`, time: t })) },
  { weight: 1, arbitrary: content.map((text) => JSON.stringify({ log: `${text}\n` })) },
  { weight: 1, arbitrary: fc.tuple(content, time).map(([text, t]) => `{"log":"${text}\\n","stream":"stdout","time":"${t}"}`) },
);
const criLine = fc.tuple(time, stream, fc.constantFrom('F', 'P', 'F:x', 'Q', ''), content).map(([t, s, tag, text]) => (tag === '' ? `${t} ${s} ${text}` : `${t} ${s} ${tag} ${text}`));
const anyLine = fc.oneof({ weight: 1, arbitrary: dockerLine }, { weight: 1, arbitrary: criLine }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) });

const setup: fc.Arbitrary<Setup> = fc.record({
  enricher: fc.constantFrom<keyof typeof ENRICHERS>('agent', 'tagged', 'overlapping', 'none'),
  policy: fc.constantFrom(...Object.keys(POLICIES)),
  parseJson: fc.boolean(),
  maxBytes: fc.constantFrom(1 << 20, 64, 9),
});

function toLines(texts: readonly string[], truncated: readonly boolean[], source = 'dev:ino:fp', path = '/var/log/pods/shop_web-0_u-1/web/0.log'): Line[] {
  let offset = 0;
  return texts.map((text, i) => {
    const endOffset = offset + Buffer.byteLength(text) + 1;
    const line: Line = truncated[i] === true ? { source, path, text, offset, endOffset, truncated: true } : { source, path, text, offset, endOffset };
    offset = endOffset;
    return line;
  });
}

describe('fast record paths make the records the careful path makes', () => {
  // Records of lines without a time of their own take the clock's (nginx parse failures read it directly).
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-24T06:00:00.000Z'));
  });
  afterAll(() => vi.useRealTimers());

  it('for random docker json-file files', () => {
    fc.assert(
      fc.property(fc.array(dockerLine, { maxLength: 30 }), fc.array(fc.boolean(), { maxLength: 30 }), setup, (texts, truncated, s) => {
        const lines = toLines(texts, truncated.map((t, i) => t && i % 5 === 0));
        expect(collector(lines, s)).toEqual(careful(lines, s));
      }),
      { numRuns: 600 },
    );
  });

  it('for random CRI files', () => {
    fc.assert(
      fc.property(fc.array(criLine, { maxLength: 30 }), fc.array(fc.boolean(), { maxLength: 30 }), setup, (texts, truncated, s) => {
        const lines = toLines(texts, truncated.map((t, i) => t && i % 5 === 0));
        expect(collector(lines, s)).toEqual(careful(lines, s));
      }),
      { numRuns: 600 },
    );
  });

  it('for files of anything (formats mixed, lines that decode as neither)', () => {
    fc.assert(
      fc.property(fc.array(anyLine, { maxLength: 20 }), setup, (texts, s) => {
        const lines = toLines(texts, []);
        expect(collector(lines, s)).toEqual(careful(lines, s));
      }),
      { numRuns: 300 },
    );
  });

  it('for docker lines holding what only a careless writer puts there (a lone surrogate as is, raw control characters)', () => {
    const texts = ['a\ud800b', '\udc00', 'x\ud83d', 'tab\there', 'nul\x00', 'é\ud800日', 'ok'].map((text) => `{"log":"${text}\\n","stream":"stdout","time":"2026-11-24T05:00:00.1Z"}`);
    for (const s of [{ enricher: 'agent', policy: 'plain', parseJson: true, maxBytes: 1 << 20 }, { enricher: 'none', policy: 'plain', parseJson: false, maxBytes: 1 << 20 }] as const) {
      const lines = toLines(texts, []);
      const fast = collector(lines, s);
      expect(fast).toEqual(careful(lines, s));
      expect(fast.records).toHaveLength(texts.length);
    }
  });

  const corpusFiles = listFiles(CONTAINERS).filter((path) => /(\.log(\.\d+)?|\.log\.\d{8}-\d{6}(\.gz)?|\.json)$/.test(path) && !path.endsWith('config.v2.json') && !path.endsWith('hostconfig.json'));
  it.each(corpusFiles.map((path) => [path.slice(CONTAINERS.length + 1), path]))('for the corpus sample %s', (_, path) => {
    const lines = linesOf(readBytes(path), `src:${path}`, path);
    for (const enricher of ['agent', 'tagged', 'none'] as const) {
      for (const policy of ['plain', 'dataset', 'nginx']) {
        for (const parseJson of [true, false]) {
          const s: Setup = { enricher, policy, parseJson, maxBytes: 1 << 20 };
          expect(collector(lines, s)).toEqual(careful(lines, s));
        }
      }
    }
  });

  it('compares records, not nothing: the corpus makes hundreds of them', () => {
    const s: Setup = { enricher: 'agent', policy: 'plain', parseJson: true, maxBytes: 1 << 20 };
    const total = corpusFiles.reduce((sum, path) => sum + collector(linesOf(readBytes(path), `src:${path}`, path), s).records.length, 0);
    expect(total).toBeGreaterThan(300);
  });
});

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}
