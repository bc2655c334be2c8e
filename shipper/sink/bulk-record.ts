/**
 * A record kept as the bytes it will travel as: its two NDJSON lines of a bulk `create`
 *
 *   {"create":{"_index":"<index>","_id":"<id>"}}\n<document JSON>\n
 *
 * encoded once, when the record is made, into a shared chunk of memory outside the JavaScript heap.
 *
 * Why: a record waits in the pipeline's buffer until the store has acknowledged it, long enough to be
 * promoted to the garbage collector's old generation. Held as strings, 32 MiB of buffered records meant
 * hundreds of MiB of heap and frequent full collections; held as bytes in a few large chunks, the heap
 * keeps one small object per record. And a bulk request is then the chunks' bytes copied side by side —
 * no per-request join of strings, no UTF-8 encoding of the whole request again.
 *
 * Chunks are reused: the pipeline `release`s a record once the store has answered for it, and a chunk
 * whose records are all released goes back to a small pool. Fresh memory is then rarely allocated, which
 * spares the page faults and, above all, the full garbage collections V8 starts when external memory
 * keeps growing (with `--max-old-space-size=128`, every time it passes 64 MiB). A record released too
 * early cannot send another record's bytes: each chunk counts its reuses, and reading a record of an
 * earlier use throws. Records never released (not shipped through the pipeline) are simply collected.
 */
import type { Outgoing, SourceId } from '../record.ts';

/** Size of the shared chunks records are written into. */
const CHUNK_BYTES = 256 * 1024;
/** A record larger than this gets a buffer of its own instead of a fresh chunk. */
const OWN_BUFFER_BYTES = CHUNK_BYTES / 4;
/** Empty chunks kept for reuse (8 MiB); more are left to the garbage collector. */
const POOL_LIMIT = 32;

class Chunk {
  readonly bytes: Buffer;
  /** Only shared chunks are pooled; a large record's own buffer is not. */
  readonly shared: boolean;
  /** Records written into it and not yet released. */
  live = 0;
  /** Bumped at each reuse: a record written before holds nothing valid any more. */
  generation = 0;

  constructor(size: number, shared: boolean) {
    this.bytes = Buffer.allocUnsafeSlow(size);
    this.shared = shared;
  }
}

export class BulkRecord implements Outgoing {
  readonly index: string;
  readonly source: SourceId;
  readonly offset: number;
  readonly endOffset: number;
  readonly bytes: number;
  /** The record's NDJSON lines are `chunk.bytes[start, end)`; its document is `[bodyStart, end - 1)`. */
  readonly chunk: Chunk;
  readonly generation: number;
  readonly start: number;
  readonly bodyStart: number;
  readonly end: number;
  released = false;

  constructor(index: string, source: SourceId, offset: number, endOffset: number, bytes: number, chunk: Chunk, start: number, bodyStart: number, end: number) {
    this.index = index;
    this.source = source;
    this.offset = offset;
    this.endOffset = endOffset;
    this.bytes = bytes;
    this.chunk = chunk;
    this.generation = chunk.generation;
    this.start = start;
    this.bodyStart = bodyStart;
    this.end = end;
  }

  /** The `_id`, read back from the action line (for the dead-letter path and tests; not hot). */
  get id(): string {
    const idStart = this.start + Buffer.byteLength(actionPrefix(this.index));
    return JSON.parse(`"${this.memory().toString('utf8', idStart, this.bodyStart - 4)}"`) as string;
  }

  /** The document's JSON, decoded again from its bytes (for the dead-letter path and tests; not hot). */
  get body(): string {
    return this.memory().toString('utf8', this.bodyStart, this.end - 1);
  }

  /** The memory holding the record's bytes; throws if it was released and reused since. */
  memory(): Buffer {
    if (this.chunk.generation !== this.generation) throw new Error(`the memory of record ${this.source}@${this.offset} was reused after it was released`);
    return this.chunk.bytes;
  }

  /** The store has answered for the record and nothing will read it again: its bytes may be reused. */
  release(): void {
    if (this.released) return;
    this.released = true;
    const chunk = this.chunk;
    if (chunk.generation !== this.generation) return;
    chunk.live--;
    if (chunk.live === 0 && chunk !== current) recycle(chunk);
  }
}

let current = new Chunk(CHUNK_BYTES, true);
let used = 0;
const pool: Chunk[] = [];

function recycle(chunk: Chunk): void {
  if (!chunk.shared) return;
  chunk.generation++;
  if (pool.length < POOL_LIMIT) pool.push(chunk);
}

/** Where `placeBeyondCurrent` put a record (module-level rather than a returned object: this runs per record). */
let placedChunk = current;
let placedAt = 0;

/**
 * Places a record of `exact` bytes whose upper bound did not fit the current chunk: a large record gets a
 * buffer of its own; otherwise it stays in the current chunk if it fits after all, or starts the next one.
 */
function placeBeyondCurrent(exact: number): void {
  placedChunk = current;
  placedAt = used;
  if (exact > OWN_BUFFER_BYTES) {
    placedChunk = new Chunk(exact, false);
    placedAt = 0;
  } else if (exact > CHUNK_BYTES - used) {
    const full = current;
    placedChunk = current = pool.pop() ?? new Chunk(CHUNK_BYTES, true);
    used = placedAt = 0;
    if (full.live === 0) recycle(full);
  }
}

/**
 * Encodes a record whose document is already serialized. Its `_id` is `idHead + idTail`, written as
 * given: both must be JSON-safe (document ids are base64url and base36; pass any other id through
 * `jsonSafeId`). `bytes`, what the buffer accounts for the record, defaults to the size of its two lines.
 */
export function encodeRecord(index: string, idHead: string, idTail: string, body: string, source: SourceId, offset: number, endOffset: number, bytes?: number): BulkRecord {
  // `{"create":{"_index":"…","_id":"<idHead>` as bytes made once, then the rest of the id, `"}}\n`, the
  // body and `\n`: at most 3 bytes per UTF-16 unit of what is encoded here.
  const head = headBytesOf(index, idHead);
  const bound = head.length + (idTail.length + body.length) * 3 + 5;
  let chunk = current;
  let at = used;
  if (bound > CHUNK_BYTES - used) {
    placeBeyondCurrent(head.length + Buffer.byteLength(idTail) + Buffer.byteLength(body) + 5);
    chunk = placedChunk;
    at = placedAt;
  }
  const target = chunk.bytes;
  // Copied and stored byte by byte rather than through four `write` calls: each costs more in argument
  // checks than the few bytes it writes (the id's tail is a base-36 offset of a handful of characters).
  target.set(head, at);
  let pos = writeShort(target, idTail, at + head.length);
  target[pos++] = 0x22; // "
  target[pos++] = 0x7d; // }
  target[pos++] = 0x7d; // }
  target[pos++] = 0x0a; // \n
  const bodyStart = pos;
  pos += target.write(body, pos, 'utf8');
  target[pos++] = 10;
  if (chunk === current) used = pos;
  chunk.live++;
  return new BulkRecord(index, source, offset, endOffset, bytes ?? pos - at, chunk, at, bodyStart, pos);
}

/** Writes `text` at `pos` as UTF-8, byte by byte while it is ASCII; returns the position after it. */
function writeShort(target: Buffer, text: string, pos: number): number {
  let p = pos;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return pos + target.write(text, pos, 'utf8');
    target[p++] = code;
  }
  return p;
}

/**
 * `recordHead(index, idHead)`, made once per index and id head (a file's records share both; the last
 * one is kept at hand, the rest in a bounded map).
 */
function headBytesOf(index: string, idHead: string): Buffer {
  if (index === lastHeadIndex && idHead === lastHeadIdHead) return lastHead;
  let byIdHead = headBytes.get(index);
  if (byIdHead === undefined) {
    if (headBytes.size >= 1000) headBytes.clear();
    headBytes.set(index, (byIdHead = new Map()));
  }
  let head = byIdHead.get(idHead);
  if (head === undefined) {
    if (byIdHead.size >= 10_000) byIdHead.clear();
    head = recordHead(index, idHead);
    byIdHead.set(idHead, head);
  }
  lastHeadIndex = index;
  lastHeadIdHead = idHead;
  lastHead = head;
  return head;
}
const headBytes = new Map<string, Map<string, Buffer>>();
let lastHeadIndex = '';
let lastHeadIdHead = '';
let lastHead: Buffer = Buffer.alloc(0);

/** `{"create":{"_index":"<index>","_id":"` — the same for every record of an index, so built once. */
function actionPrefix(index: string): string {
  let prefix = actionPrefixes.get(index);
  if (prefix === undefined) {
    if (actionPrefixes.size >= 1000) actionPrefixes.clear();
    prefix = `{"create":{"_index":${JSON.stringify(index)},"_id":"`;
    actionPrefixes.set(index, prefix);
  }
  return prefix;
}
const actionPrefixes = new Map<string, string>();

/** Any id as it goes between the quotes of `"_id":"…"`. */
export function jsonSafeId(id: string): string {
  return JSON.stringify(id).slice(1, -1);
}

/**
 * The NDJSON body of a bulk request of `create`s for `items`, as one buffer: the bytes of encoded
 * records are copied as they are (neighbours in one chunk in one copy); any other `Outgoing` is encoded here.
 * `allocate` gives the body's memory (a reused one: see body-pool.ts).
 */
export function bulkBody(items: readonly Outgoing[], allocate: (size: number) => Buffer = Buffer.allocUnsafeSlow): Buffer {
  let size = 0;
  for (const item of items) {
    size += item instanceof BulkRecord ? item.end - item.start : Buffer.byteLength(actionLine(item)) + Buffer.byteLength(item.body) + 1;
  }
  const out = allocate(size);
  let pos = 0;
  let runChunk: Buffer | undefined;
  let runStart = 0;
  let runEnd = 0;
  for (const item of items) {
    if (item instanceof BulkRecord) {
      const memory = item.memory();
      if (memory === runChunk && item.start === runEnd) {
        runEnd = item.end;
        continue;
      }
      if (runChunk !== undefined) pos += runChunk.copy(out, pos, runStart, runEnd);
      runChunk = memory;
      runStart = item.start;
      runEnd = item.end;
      continue;
    }
    if (runChunk !== undefined) pos += runChunk.copy(out, pos, runStart, runEnd);
    runChunk = undefined;
    pos += out.write(actionLine(item), pos, 'utf8');
    pos += out.write(item.body, pos, 'utf8');
    out[pos++] = 10;
  }
  if (runChunk !== undefined) pos += runChunk.copy(out, pos, runStart, runEnd);
  return pos === size ? out : out.subarray(0, pos);
}

function actionLine(item: Outgoing): string {
  return `${actionPrefix(item.index)}${jsonSafeId(item.id)}"}}\n`;
}

/**
 * The leading bytes of the records of one index and one source: `{"create":{"_index":"<index>","_id":"<idHead>`.
 * `idHead` must be JSON-safe (see `encodeRecord`).
 */
export function recordHead(index: string, idHead: string): Buffer {
  return Buffer.from(`${actionPrefix(index)}${idHead}`, 'utf8');
}

/**
 * For records written byte by byte by their maker (the collector's whole docker lines, copied from the
 * bytes read): `reserveRecord(size)` places a record of at most `size` bytes and says where to write it;
 * the maker writes its two NDJSON lines there and hands the layout to `commitRecord`, before anything
 * else encodes a record. The answer is one object reused for every record (this runs per record).
 */
export interface RecordSpace {
  /** Memory to write the record into, from `at` on. */
  bytes: Buffer;
  at: number;
}
const space: RecordSpace = { bytes: current.bytes, at: 0 };

export function reserveRecord(size: number): RecordSpace {
  placedChunk = current;
  placedAt = used;
  if (size > CHUNK_BYTES - used) placeBeyondCurrent(size);
  space.bytes = placedChunk.bytes;
  space.at = placedAt;
  return space;
}

/** The record just written into the space `reserveRecord` gave: its document is `[bodyStart, end - 1)`. */
export function commitRecord(index: string, source: SourceId, offset: number, endOffset: number, bodyStart: number, end: number): BulkRecord {
  const chunk = placedChunk;
  if (chunk === current) used = end;
  chunk.live++;
  return new BulkRecord(index, source, offset, endOffset, end - placedAt, chunk, placedAt, bodyStart, end);
}

/**
 * Encodes a record from three parts, for records most of whose bytes are the same for every record of a
 * file (the collector's container fields): those are encoded once and copied here, not encoded again.
 *
 * - `head`: `recordHead(index, idHead)`;
 * - `middle`: the rest of the `_id` (JSON-safe), `"}}\n`, then the start of the document: `bodyAt` is where
 *   the document starts in it, and everything before that must be ASCII (ids are base64url and base36);
 * - `tail`: the end of the document and its `\n`, as bytes.
 */
export function encodeRecordParts(index: string, head: Uint8Array, middle: string, bodyAt: number, tail: Uint8Array, source: SourceId, offset: number, endOffset: number): BulkRecord {
  const bound = head.length + middle.length * 3 + tail.length;
  let chunk = current;
  let at = used;
  if (bound > CHUNK_BYTES - used) {
    placeBeyondCurrent(head.length + Buffer.byteLength(middle) + tail.length);
    chunk = placedChunk;
    at = placedAt;
  }
  const target = chunk.bytes;
  target.set(head, at);
  let pos = at + head.length;
  const bodyStart = pos + bodyAt;
  pos += target.write(middle, pos, 'utf8');
  target.set(tail, pos);
  pos += tail.length;
  if (chunk === current) used = pos;
  chunk.live++;
  return new BulkRecord(index, source, offset, endOffset, pos - at, chunk, at, bodyStart, pos);
}
