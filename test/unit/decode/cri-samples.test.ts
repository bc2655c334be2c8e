import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDecoder } from '../../../shipper/decode/decoder.ts';
import type { ContainerEntry } from '../../../shipper/decode/container-entry.ts';
import { CONTAINERS, corpusPath, decodeAll, linesOf, readBytes, readLines } from './corpus.ts';

function decodeFile(path: string): ContainerEntry[] {
  return decodeAll(createDecoder({ format: 'auto', maxBytes: 1 << 20 }), readLines(path));
}

const WORKER = corpusPath('cri/produced-containerd-1.6.20/payments_ledger-worker-0_cc80baef-3272-4fcd-a290-b97963dbb86b/worker');

describe('kubelet-style rotation under containerd', () => {
  it('chains the gzipped, the plain rotated and the live file into seq 1 to 240 and checkpoints every 40', () => {
    const entries = ['0.log.20261123-065130.gz', '0.log.20261123-065132', '0.log'].flatMap((file) => decodeFile(join(WORKER, file)));
    const seqs = entries.filter((e) => e.stream === 'stdout').map((e) => (JSON.parse(e.message) as { seq: number }).seq);
    expect(seqs).toEqual(Array.from({ length: 240 }, (_, i) => i + 1));
    expect(entries.filter((e) => e.stream === 'stderr').map((e) => e.message)).toEqual([40, 80, 120, 160, 200, 240].map((n) => `checkpoint seq=${n}`));
    expect(entries.filter((e) => e.error !== undefined || e.format !== 'cri')).toEqual([]);
  });
});

describe('CRI line shapes', () => {
  const decode = (...texts: string[]) => decodeAll(createDecoder({ format: 'cri', maxBytes: 1 << 20 }), linesOf(Buffer.from(texts.map((t) => `${t}\n`).join(''))));

  it('accepts a line from a writer without the tag field as a whole line', () => {
    expect(decode('2016-10-06T00:17:09.669794202Z stdout a line without tags').map((e) => [e.message, e.stream])).toEqual([['a line without tags', 'stdout']]);
  });

  it('treats further tags after P or F as tags, not content', () => {
    expect(decode('2016-10-06T00:17:09.669794202Z stderr P:x part one, ', '2016-10-06T00:17:10Z stderr F:x part two').map((e) => e.message)).toEqual(['part one, part two']);
  });

  it('reads an F with nothing after it as an empty line, with or without the separating space', () => {
    expect(decode('2016-10-06T00:17:09Z stdout F', '2016-10-06T00:17:09Z stdout F ').map((e) => e.message)).toEqual(['', '']);
  });

  it('keeps content that merely starts with P or F', () => {
    expect(decode('2016-10-06T00:17:09Z stdout F Pending: 3', '2016-10-06T00:17:09Z stdout Fine').map((e) => e.message)).toEqual(['Pending: 3', 'Fine']);
  });

  it('turns a line that is not CRI into an error entry and goes on', () => {
    const entries = decode('2016-10-06T00:17:09Z stdout F before', 'garbage without a time', '2016-13-06T00:17:09Z stdout F bad month', '2016-10-06T00:17:09Z stdlog F x', '2016-10-06T00:17:09Z stdout F after');
    expect(entries.map((e) => [e.message, e.error === undefined])).toEqual([
      ['before', true],
      ['garbage without a time', false],
      ['2016-13-06T00:17:09Z stdout F bad month', false],
      ['2016-10-06T00:17:09Z stdlog F x', false],
      ['after', true],
    ]);
  });
});

describe('fluent-bit multiline.json: 19 real containerd lines of a Java trace, extracted from the record', () => {
  const [record] = JSON.parse(readFileSync(corpusPath('cri/public/fluent-bit_multiline.json'), 'utf8')) as Array<{ log: string }>;
  const rawLines = record!.log.split('\n');

  it('decodes each to its content after the F tag, on stderr, with trimmed-zero times padded', () => {
    const entries = decodeAll(createDecoder({ format: 'auto', maxBytes: 1 << 20 }), linesOf(Buffer.from(record!.log + '\n')));
    expect(rawLines).toHaveLength(19);
    expect(entries.map((e) => e.message)).toEqual(rawLines.map((l) => l.split(' stderr F ')[1]));
    expect(entries.every((e) => e.stream === 'stderr' && e.format === 'cri')).toBe(true);
    expect(entries[1]!.timestamp).toBe('2020-08-19T21:06:24.337540770Z');
  });
});

/**
 * In this copy of the corpus the README's relative symlinks arrive as small regular files holding
 * the link's target (`../pods/…/0.log`). Follow them the way the link would resolve.
 */
function followLink(path: string): string {
  const stat = statSync(path);
  if (stat.size > 512) return path;
  const text = readFileSync(path, 'utf8').trim();
  if (!/^\.\.\/[^\n]+$/.test(text)) return path;
  const target = join(dirname(path), text);
  return existsSync(target) ? followLink(target) : path;
}

/** Every log file under layout/ (symlink stand-ins included). */
function layoutLogFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else if (/(-json\.log(\.\d+)?|\/\d+\.log(\.\d{8}-\d{6}(\.gz)?)?)$/.test(path) || path.includes('/var/log/containers/')) found.push(path);
    }
  };
  walk(join(CONTAINERS, 'layout'));
  return found;
}

/** The sample under docker-json-file/ or cri/ with the same bytes: layout/ holds byte copies. */
function originalOf(bytes: Buffer): string | undefined {
  const candidates: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (!path.endsWith('.json') || path.endsWith('-json.log')) candidates.push(path);
    }
  };
  walk(join(CONTAINERS, 'docker-json-file'));
  walk(join(CONTAINERS, 'cri'));
  return candidates.find((path) => readBytes(path).equals(bytes));
}

describe('every log file of the layout/ node tree', () => {
  const files = layoutLogFiles();

  it('covers the docker, containerd and conmon files of all pods', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  it.each(files.map((f) => [f.slice(CONTAINERS.length + 1), f]))('%s decodes, auto-detected, exactly like the sample it copies', (_, file) => {
    const real = followLink(file);
    const bytes = readBytes(real);
    expect(bytes.length === 0 || bytes.length > 512).toBe(true);
    const original = originalOf(bytes);
    expect(original).toBeDefined();
    const fromLayout = decodeAll(createDecoder({ format: 'auto', maxBytes: 1 << 20 }), linesOf(bytes));
    const fromSample = decodeAll(createDecoder({ format: original!.includes('docker-json-file') ? 'docker' : 'cri', maxBytes: 1 << 20 }), linesOf(readBytes(original!)));
    expect(fromLayout).toEqual(fromSample);
    const isDocker = real.includes('/var/lib/docker/containers/');
    if (fromLayout.length > 0) expect(new Set(fromLayout.map((e) => e.format))).toEqual(new Set([isDocker ? 'docker' : 'cri']));
    const errors = fromLayout.filter((e) => e.error !== undefined).length;
    expect(errors).toBe(real.includes('043b521509b6') ? 1 : 0);
  });
});

describe('lines the tailer cut at --max-line-bytes', () => {
  it('keep the CRI content they have, tagged truncated, and still join with their stream\'s fragments', () => {
    const decoder = createDecoder({ format: 'cri', maxBytes: 1 << 20 });
    const cut = { source: 's', path: 'p', text: '2026-11-23T06:00:00Z stdout P aaaa', offset: 0, endOffset: 5000, truncated: true };
    expect(decoder.push(cut)).toEqual([]);
    const [entry] = decoder.push({ source: 's', path: 'p', text: '2026-11-23T06:00:01Z stdout F bbbb', offset: 5000, endOffset: 5035 });
    expect(entry).toEqual({ message: 'aaaabbbb', stream: 'stdout', timestamp: '2026-11-23T06:00:00.000000000Z', offset: 0, endOffset: 5035, truncated: true, format: 'cri' });
  });

  it('turn a cut docker line, no longer JSON, into an error entry tagged truncated', () => {
    const decoder = createDecoder({ format: 'docker', maxBytes: 1 << 20 });
    const [entry] = decoder.push({ source: 's', path: 'p', text: '{"log":"aaaa', offset: 0, endOffset: 90_000, truncated: true });
    expect([entry!.message, entry!.truncated, entry!.error !== undefined, entry!.endOffset]).toEqual(['{"log":"aaaa', true, true, 90_000]);
  });
});
