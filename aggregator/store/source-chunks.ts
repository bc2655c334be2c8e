/**
 * `_source` storage: documents are kept in zstd-compressed chunks of up to CHUNK_DOCS consecutive rows
 * of one partition, one SQLite row per chunk: `p<N>_s (c INTEGER PRIMARY KEY, z BLOB)`, where `c` is the
 * highest row number (`r`) in the chunk. Rows of a partition only ever grow (see Writer#nextRowOf), so the
 * chunk holding row r is the first one with `c >= r`.
 *
 * Why: a log document's JSON repeats its keys and most of its values from one document to the next.
 * Compressed one by one (zstd or deflate per document) it shrinks about 1.8× and costs 20+ µs per
 * document in node:zlib; 32 neighbours compressed together shrink about 8× at about 0.9 µs per document,
 * 64 about 11× at about 0.6 µs (node:zlib set up a new compressor per call, ≈ 25 µs, which a chunk shared
 * among its documents; one compressor is now reused, see zstd-frames.ts). Reading one document
 * decompresses its chunk (13–15 µs with the reused decompressor of zstd-frames.ts, 48–59 without), which
 * search pays once per chunk and request.
 *
 * Chunk text, before compression: one line per document, `<r>\t<_id as JSON>\t<_source JSON>\n`. The id's
 * JSON never holds a raw tab or newline; the source JSON is the client's own text when it came through
 * `_bulk` (one NDJSON line, so no raw newline, but tabs may appear between tokens), so it is whatever
 * follows the second tab. Chunks are immutable: a deleted or overwritten document stays in its
 * chunk as dead bytes (nothing reaches it any more: the fields row and the id entry are gone).
 */
import { constants } from 'node:zlib';
import { ZstdFrameReader, ZstdFrames } from './zstd-frames.ts';

export const CHUNK_DOCS = 64;

/** Made when the first chunk is written (search workers only decompress). Level 1: −1 … −7 and 3 were measured (README). */
let frames: ZstdFrames | undefined;

export interface StoredDoc {
  readonly r: number;
  readonly id: string;
  readonly src: string;
}

/** One line of chunk text for a document. */
export function chunkLine(r: number, id: string, sourceJson: string): string {
  return `${r}\t${JSON.stringify(id)}\t${sourceJson}\n`;
}

/** A chunk's zstd blob from its text's UTF-8 bytes. */
export function compressChunk(bytes: Uint8Array): Uint8Array {
  frames ??= new ZstdFrames({ params: { [constants.ZSTD_c_compressionLevel]: 1 } });
  return frames.compress(bytes);
}

/** Buffers of filled chunks kept for the next ones (a chunk of nginx documents is ≈ 40 KB). */
const spareBuffers: Buffer[] = [];
const SPARE_LIMIT = 8;
/** A buffer grown past this for a chunk of large documents is not kept for reuse. */
const SPARE_MAX_BYTES = 1024 * 1024;

/**
 * A chunk being filled, its lines (`chunkLine`) written as UTF-8 straight into one reused buffer. Why:
 * joining the lines as a string built a tree of 64 parts that V8 then flattened and encoded again for
 * the compressor, ≈ 0.8 µs per document; here each part is encoded once, into memory that stays.
 */
export class PendingChunk {
  #bytes = spareBuffers.pop() ?? Buffer.allocUnsafeSlow(64 * 1024);
  #used = 0;
  /** Documents in the chunk, and the highest row number (the chunk's key). */
  count = 0;
  last = 0;

  /** Appends `chunkLine(r, id, sourceJson)`. */
  add(r: number, id: string, sourceJson: string): void {
    const idJson = JSON.stringify(id);
    // Digits and tabs are one byte each; a UTF-16 unit is at most three UTF-8 bytes.
    this.#room(24 + 3 * (idJson.length + sourceJson.length));
    const bytes = this.#bytes;
    let at = this.#used;
    at += bytes.write(String(r), at, 'latin1');
    bytes[at++] = 0x09;
    at += bytes.write(idJson, at, 'utf8');
    bytes[at++] = 0x09;
    at += bytes.write(sourceJson, at, 'utf8');
    bytes[at++] = 0x0a;
    this.#used = at;
    this.count++;
    this.last = r;
  }

  /** The chunk text so far (an update reading a document written earlier in the same bulk; rare). */
  text(): string {
    return this.#bytes.toString('utf8', 0, this.#used);
  }

  /** The chunk's zstd blob; the chunk gives its buffer back for reuse and must not be used again. */
  compress(): Uint8Array {
    const blob = compressChunk(this.#bytes.subarray(0, this.#used));
    if (this.#bytes.length <= SPARE_MAX_BYTES && spareBuffers.length < SPARE_LIMIT) spareBuffers.push(this.#bytes);
    this.#bytes = EMPTY;
    this.#used = 0;
    return blob;
  }

  #room(bytes: number): void {
    if (this.#used + bytes <= this.#bytes.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.#bytes.length * 2, this.#used + bytes));
    this.#bytes.copy(bigger, 0, 0, this.#used);
    this.#bytes = bigger;
  }
}

const EMPTY = Buffer.alloc(0);

/** Made when the first chunk is read, one per thread (each search worker has its own). */
let reader: ZstdFrameReader | undefined;

export function decompressChunk(blob: Uint8Array): string {
  reader ??= new ZstdFrameReader();
  return reader.text(blob);
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
