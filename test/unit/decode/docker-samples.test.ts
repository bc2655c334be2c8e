import { describe, expect, it } from 'vitest';
import { createDecoder } from '../../../shipper/decode/decoder.ts';
import type { ContainerEntry } from '../../../shipper/decode/container-entry.ts';
import { corpusPath, decodeAll, linesOf, readLines } from './corpus.ts';

const PUBLIC = 'docker-json-file/public';
const DOCKERD = 'docker-json-file/produced-dockerd-20.10.24';
const AUDIT = '902e2c4bbd0e46ff8b5ee1cd8d54884359eea3ba60e561618a6d2431d1be41cb';
const ESCAPES = 'aa5c41db31328bcf24dc2b3c17dd3a7528bbede4e049e1631ec1e7652791bd1c';
const SANDBOX = '2cdcdc621a0f51cdea04b95d845218899e4ad729c08a52a6bb5999298ef7a2f7';

function decodeFile(relative: string, format: 'docker' | 'auto' = 'docker'): ContainerEntry[] {
  return decodeAll(createDecoder({ format, maxBytes: 1024 * 1024 }), readLines(corpusPath(relative)));
}

describe('beats docker_corrupted.log (a real 2016 capture with a broken line 7)', () => {
  const lines = readLines(corpusPath(PUBLIC, 'beats_docker_corrupted.log'));
  const entries = decodeAll(createDecoder({ format: 'docker', maxBytes: 1 << 20 }), lines);

  it('yields one entry per line, the corrupted one carrying its raw text and an error', () => {
    expect(lines).toHaveLength(21);
    expect(entries).toHaveLength(21);
    const failed = entries.filter((e) => e.error !== undefined);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.message).toBe(lines[6]!.text);
    expect(failed[0]!.message.startsWith('"log":"cp packetbeat.yml /build/packetbeat-linux.yml')).toBe(true);
    expect([failed[0]!.offset, failed[0]!.endOffset]).toEqual([lines[6]!.offset, lines[6]!.endOffset]);
    expect(failed[0]!.timestamp).toBe('');
  });

  it('keeps decoding after the corrupted line', () => {
    expect(entries[7]!.message).toBe('# binary');
    expect(entries[20]!.message).toBe('Moving binaries to host...');
    expect(entries[0]!.message).toBe('Fetching main repository github.com/elastic/beats...');
  });

  it('pads the trimmed-nanosecond time …04.66649744Z to nine digits', () => {
    const sed = entries.find((e) => e.message.startsWith('sed -i.bk \'s/device: any/device: en0/\''))!;
    expect(sed.timestamp).toBe('2016-03-02T22:59:04.666497440Z');
  });

  it('auto-detects docker from the first line and still fails only line 7', () => {
    const auto = decodeAll(createDecoder({ format: 'auto', maxBytes: 1 << 20 }), lines);
    expect(auto.map((e) => e.error === undefined)).toEqual(lines.map((_, i) => i !== 6));
    expect(new Set(auto.map((e) => e.format))).toEqual(new Set(['docker']));
  });
});

describe('fluent-bit json-file samples', () => {
  it('keeps one stdout and one stderr entry apart', () => {
    const entries = decodeFile(`${PUBLIC}/fluent-bit_annotations-exclude_multiple-1_container-1.log`);
    expect(entries.map((e) => [e.stream, e.message, e.timestamp])).toEqual([
      ['stdout', 'Simple text', '2019-04-01T17:58:33.598656444Z'],
      ['stderr', 'Simple text', '2019-04-01T17:58:33.698656444Z'],
    ]);
  });

  it('unescapes nested quotes and backslashes exactly once', () => {
    const [entry] = decodeFile(`${PUBLIC}/fluent-bit_core_unescaping_text.log`);
    expect(entry!.message).toBe(String.raw`Text with embedded quoted "text with embedded quoted \"text with embedded quoted \\\"text\\\"\""`);
  });

  it('keeps stringified JSON three levels deep as the application wrote it', () => {
    const [entry] = decodeFile(`${PUBLIC}/fluent-bit_core_unescaping_json.log`);
    expect(entry!.message).toBe(String.raw`{"stringified-json":"{\"stringified-json\":\"{\\\"stringified-json\\\":\\\"\\\"}\"}","text":"quoted \"text with embedded quoted \\\"text\\\"\""}`);
  });

  it('joins log-only partial entries until one ends in a newline, with no time and stdout as the stream', () => {
    const lines = readLines(corpusPath(PUBLIC, 'fluent-bit_dockermode_splitted_line.log'));
    const entries = decodeAll(createDecoder({ format: 'docker', maxBytes: 1 << 20 }), lines);
    expect(entries.map((e) => [e.message, e.stream, e.timestamp, e.offset, e.endOffset])).toEqual([
      ['2020-03-24 Single line', 'stdout', '', lines[0]!.offset, lines[2]!.endOffset],
      ['2020-03-24 Another single line', 'stdout', '', lines[3]!.offset, lines[5]!.endOffset],
    ]);
  });

  it('joins partials mixed with complete entries', () => {
    expect(decodeFile(`${PUBLIC}/fluent-bit_dockermode_splitted_multiple_lines.log`).map((e) => e.message)).toEqual([
      '2020-03-24 Multiple lines: ',
      'first bullet point',
      'second bullet point',
      'third bullet point',
      'fourth bullet point',
      '2020-03-24 Single line',
    ]);
  });

  it('holds an entry that never gets its newline until the file ends', () => {
    const lines = readLines(corpusPath(PUBLIC, 'fluent-bit_core_uat-myapp-12345_fluent-bit.log'));
    const decoder = createDecoder({ format: 'docker', maxBytes: 1 << 20 });
    expect(decoder.push(lines[0]!)).toEqual([]);
    expect(decoder.flush().map((e) => e.message)).toEqual(['hello from uat pod']);
  });

  it('passes JSON-looking application lines through as they were written, valid or not', () => {
    expect(decodeFile(`${PUBLIC}/fluent-bit_options_merge-log-enabled_json.log`)[0]!.message).toBe('{"text":"Simple text"}');
    expect(decodeFile(`${PUBLIC}/fluent-bit_options_merge-log-enabled_invalid-json.log`)[0]!.message).toBe('{"text":"Simple text"]');
    expect(decodeFile(`${PUBLIC}/fluent-bit_options_merge-log-trim-enabled_json.log`)[0]!.message).toBe('{"text":"Simple text\n"}');
  });
});

describe('dockerd rotation with max-size=16k, max-file=3', () => {
  it('chains -json.log.2, .1 and -json.log into seq 163 to 400, each once and in order', () => {
    const base = `${DOCKERD}/${AUDIT}/${AUDIT}-json.log`;
    const seqs = [`${base}.2`, `${base}.1`, base]
      .flatMap((file) => decodeFile(file))
      .map((entry) => (JSON.parse(entry.message) as { seq: number }).seq);
    expect(seqs).toEqual(Array.from({ length: 400 - 162 }, (_, i) => 163 + i));
  });
});

describe('dockerd JSON escaping (container escapes)', () => {
  const entries = decodeFile(`${DOCKERD}/${ESCAPES}/${ESCAPES}-json.log`);
  it('undoes HTML escapes, \\u2028, NUL, form feed, vertical tab and keeps raw DEL, lone CR and 4-byte characters', () => {
    expect(entries.filter((e) => e.stream === 'stdout').map((e) => e.message)).toEqual([
      'html: <div class="a">Tom & Jerry</div> -> ok',
      '{"msg":"<script>alert(1)</script>","amp":"a&b","level":"warn"}',
      'line-separators: [\u2028] [\u2029] del[\x7f] esc[\x1b] formfeed[\f] vt[\v]',
      'nul-byte: [\0] end',
      'only-cr-terminated\rstill same line',
    ]);
    expect(entries.filter((e) => e.stream === 'stderr').map((e) => e.message)).toEqual(['surrogate-needing: \u{1D11E} musical G clef']);
  });
});

describe('the pod sandbox container', () => {
  it('has an empty log that decodes to nothing', () => {
    expect(decodeFile(`${DOCKERD}/${SANDBOX}/${SANDBOX}-json.log`, 'auto')).toEqual([]);
  });
});

describe('docker json-file line shapes', () => {
  const decode = (...texts: string[]) => decodeAll(createDecoder({ format: 'docker', maxBytes: 1 << 20 }), linesOf(Buffer.from(texts.map((t) => `${t}\n`).join(''))));

  it('reads entries with --log-opt labels (an attrs object) and keys in another order', () => {
    const entries = decode(
      '{"log":"with attrs\\n","stream":"stderr","attrs":{"app":"x"},"time":"2026-11-23T06:49:27.5Z"}',
      '{"time":"2026-11-23T06:49:27.6Z","stream":"stdout","log":"reordered\\n"}',
    );
    expect(entries.map((e) => [e.message, e.stream, e.timestamp])).toEqual([
      ['with attrs', 'stderr', '2026-11-23T06:49:27.500000000Z'],
      ['reordered', 'stdout', '2026-11-23T06:49:27.600000000Z'],
    ]);
  });

  it('unescapes content that ends in an escaped quote or backslash, and surrogate pairs written as escapes', () => {
    const entries = decode(
      '{"log":"say \\"hi\\"\\n","stream":"stdout","time":"2026-11-23T06:49:27Z"}',
      '{"log":"C:\\\\\\n","stream":"stdout","time":"2026-11-23T06:49:27Z"}',
      '{"log":"clef \\ud834\\udd1e\\n","stream":"stdout","time":"2026-11-23T06:49:27Z"}',
    );
    expect(entries.map((e) => e.message)).toEqual(['say "hi"', 'C:\\', 'clef \u{1D11E}']);
  });

  it('keeps an entry with an unreadable time, without a time', () => {
    expect(decode('{"log":"x\\n","stream":"stdout","time":"yesterday"}').map((e) => [e.message, e.timestamp, e.error])).toEqual([['x', '', undefined]]);
  });

  it('turns JSON that is not a docker entry into an error entry', () => {
    const entries = decode('{"log":42,"stream":"stdout"}', '[1,2]', '', '{"log":"raw\ttab\\n","stream":"stdout","time":"2026-11-23T06:49:27Z"}');
    expect(entries.map((e) => e.error === undefined)).toEqual([false, false, false, false]);
  });
});
