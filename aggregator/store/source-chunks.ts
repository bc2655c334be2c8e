/**
 * `_source` storage: documents are kept in zstd-compressed chunks of up to CHUNK_DOCS consecutive rows
 * of one partition, one SQLite row per chunk: `p<N>_s (c INTEGER PRIMARY KEY, z BLOB)`, where `c` is the
 * highest row number (`r`) in the chunk. Rows of a partition only ever grow (see Writer#nextRowOf), so the
 * chunk holding row r is the first one with `c >= r`.
 *
 * Why: a log document's JSON repeats its keys and most of its values from one document to the next.
 * Compressed one by one (zstd or deflate per document) it shrinks about 1.8× and costs 20+ µs per
 * document in node:zlib; 32 neighbours compressed together shrink about 8× at about 0.9 µs per document,
 * 64 about 11× at about 0.6 µs (node:zlib sets up a new compressor per call, ≈ 25 µs, which a chunk shares
 * among its documents). Reading one document decompresses its chunk (30–50 µs either way), which search
 * pays once per chunk and request.
 *
 * Chunk text, before compression: one line per document, `<r>\t<_id as JSON>\t<_source JSON>\n`. The id's
 * JSON never holds a raw tab or newline; the source JSON is the client's own text when it came through
 * `_bulk` (one NDJSON line, so no raw newline, but tabs may appear between tokens), so it is whatever
 * follows the second tab. Chunks are immutable: a deleted or overwritten document stays in its
 * chunk as dead bytes (nothing reaches it any more: the fields row and the id entry are gone).
 */
import { constants, zstdCompressSync, zstdDecompressSync } from 'node:zlib';

export const CHUNK_DOCS = 64;

const COMPRESS_OPTIONS = { params: { [constants.ZSTD_c_compressionLevel]: 1 } };

export interface StoredDoc {
  readonly r: number;
  readonly id: string;
  readonly src: string;
}

/** One line of chunk text for a document. */
export function chunkLine(r: number, id: string, sourceJson: string): string {
  return `${r}\t${JSON.stringify(id)}\t${sourceJson}\n`;
}

export function compressChunk(text: string): Uint8Array {
  return zstdCompressSync(Buffer.from(text, 'utf8'), COMPRESS_OPTIONS);
}

export function decompressChunk(blob: Uint8Array): string {
  return zstdDecompressSync(blob).toString('utf8');
}

/** The document with row number r in a chunk text, if it is there. */
export function findInChunk(text: string, r: number): StoredDoc | undefined {
  const prefix = `${r}\t`;
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf('\n', at);
    const stop = end === -1 ? text.length : end;
    if (text.startsWith(prefix, at)) return parseLine(text.slice(at, stop));
    at = stop + 1;
  }
  return undefined;
}

/** Every document of a chunk text, in row order. */
export function chunkDocs(text: string): StoredDoc[] {
  const out: StoredDoc[] = [];
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf('\n', at);
    const stop = end === -1 ? text.length : end;
    if (stop > at) out.push(parseLine(text.slice(at, stop)));
    at = stop + 1;
  }
  return out;
}

/** The lowest row number in a chunk text. */
export function firstRow(text: string): number {
  return Number(text.slice(0, text.indexOf('\t')));
}

function parseLine(line: string): StoredDoc {
  // The id's JSON holds no raw tab; the source JSON may (as whitespace), so it is the rest of the line.
  const tab1 = line.indexOf('\t');
  const tab2 = line.indexOf('\t', tab1 + 1);
  return { r: Number(line.slice(0, tab1)), id: JSON.parse(line.slice(tab1 + 1, tab2)) as string, src: line.slice(tab2 + 1) };
}

/**
 * Reads documents by row number from one partition's chunk table, decompressing each chunk once. Row
 * numbers asked for in any order.
 */
export class ChunkReader {
  readonly #lookup: (r: number) => { c: number; z: Uint8Array } | undefined;
  readonly #chunks: Array<{ lo: number; hi: number; text: string }> = [];

  constructor(lookup: (r: number) => { c: number; z: Uint8Array } | undefined) {
    this.#lookup = lookup;
  }

  get(r: number): StoredDoc | undefined {
    for (const chunk of this.#chunks) if (r >= chunk.lo && r <= chunk.hi) return findInChunk(chunk.text, r);
    const row = this.#lookup(r);
    if (row === undefined) return undefined;
    const text = decompressChunk(row.z);
    if (this.#chunks.length >= 64) this.#chunks.shift();
    this.#chunks.push({ lo: firstRow(text), hi: row.c, text });
    return findInChunk(text, r);
  }
}
