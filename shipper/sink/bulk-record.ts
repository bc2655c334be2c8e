/**
 * A record kept as the bytes it will travel as: its two NDJSON lines of a bulk `create`
 *
 *   {"create":{"_index":"<index>","_id":"<id>"}}\n<document JSON>\n
 *
 * encoded once, when the record is made, into a shared chunk of memory outside the JavaScript heap.
 *
 * Why: a record waits in the pipeline's buffer until the store has acknowledged it, long enough to be
 * promoted to the garbage collector's old generation. Held as strings, 32 MiB of buffered records meant
 * hundreds of MiB of heap and frequent full collections; held as bytes in a few large chunks, with their
 * fields as numbers in the chunk (`RecordChunk`), the heap keeps no object per record while it waits (the
 * `BulkRecord` a producer gets is a view the pipeline drops when the record is pushed). And a bulk request
 * is then the chunks' bytes copied side by side — no per-request join of strings, no UTF-8 encoding of the
 * whole request again.
 *
 * Chunks are reused: the pipeline `release`s a record once the store has answered for it, and a chunk
 * whose records are all released goes back to a small pool. Fresh memory is then rarely allocated, which
 * spares the page faults and, above all, the full garbage collections V8 starts when external memory
 * keeps growing (with `--max-old-space-size=128`, every time it passes 64 MiB). A record released too
 * early cannot send another record's bytes: each chunk counts its reuses, and reading a record of an
 * earlier use throws. Records never released (not shipped through the pipeline) are simply collected.
 */
import type { Outgoing, SourceId } from '../record.ts';
import { digitCount, writeDigits } from '../kit/digit-bytes.ts';

/** Size of the shared chunks records are written into. */
const CHUNK_BYTES = 256 * 1024;
/** A record larger than this gets a buffer of its own instead of a fresh chunk. */
const OWN_BUFFER_BYTES = CHUNK_BYTES / 4;
/**
 * Empty chunks kept for reuse, at least (8 MiB); `keepRecordMemoryFor` raises it to what a pipeline's
 * buffer can hold. More are left to the garbage collector.
 */
const POOL_MINIMUM = 32;
/** Chunks beyond a full buffer's worth: the chunks being filled and a partly released one or two. */
const POOL_SLACK = 4;
let poolLimit = POOL_MINIMUM;

/** A record's fields in its chunk's `meta`, `FIELDS` numbers per record (positions into `bytes`, offsets). */
const START = 0;
const BODY_START = 1;
const END = 2;
const OFFSET = 3;
const END_OFFSET = 4;
const SOURCE = 5;
const INDEX = 6;
const BYTES = 7;
const FIELDS = 8;
/** Records a fresh shared chunk has room for in its `meta` (it grows: small records are more numerous). */
const INITIAL_RECORDS = 512;

/**
 * A chunk of memory and the records written into it. A record's fields (where its bytes are, the byte
 * range of the file it covers, its source and index) are numbers in the chunk's `meta`, its source and
 * index small ids into the chunk's own tables (a chunk's records come from one or a few files): a record
 * is then a slot of a chunk, not an object the garbage collector has to follow until the store answers.
 */
export class RecordChunk {
  readonly bytes: Buffer;
  /** Only shared chunks are pooled; a large record's own buffer is not. */
  readonly shared: boolean;
  /** Records written into it and not yet released. */
  live = 0;
  /** Bumped at each reuse: a record written before holds nothing valid any more. */
  generation = 0;
  /** Records written since the last reuse; record `slot`'s fields are `meta[slot * FIELDS …]`. */
  count = 0;
  meta: Float64Array;
  released: Uint8Array;
  readonly sources: SourceId[] = [];
  readonly indexes: string[] = [];

  constructor(size: number, shared: boolean) {
    this.bytes = Buffer.allocUnsafeSlow(size);
    this.shared = shared;
    const records = shared ? INITIAL_RECORDS : 1;
    this.meta = new Float64Array(records * FIELDS);
    this.released = new Uint8Array(records);
  }

  /** Writes a record's fields into the next slot and counts it live; returns the slot. */
  add(index: string, source: SourceId, offset: number, endOffset: number, bytes: number, start: number, bodyStart: number, end: number): number {
    const slot = this.count++;
    if (slot === this.released.length) this.grow();
    const at = slot * FIELDS;
    const meta = this.meta;
    meta[at + START] = start;
    meta[at + BODY_START] = bodyStart;
    meta[at + END] = end;
    meta[at + OFFSET] = offset;
    meta[at + END_OFFSET] = endOffset;
    meta[at + SOURCE] = idIn(this.sources, source);
    meta[at + INDEX] = idIn(this.indexes, index);
    meta[at + BYTES] = bytes;
    this.live++;
    return slot;
  }

  private grow(): void {
    const meta = new Float64Array(this.meta.length * 2);
    meta.set(this.meta);
    this.meta = meta;
    const released = new Uint8Array(this.released.length * 2);
    released.set(this.released);
    this.released = released;
  }

  start(slot: number): number { return this.meta[slot * FIELDS + START]!; }
  bodyStart(slot: number): number { return this.meta[slot * FIELDS + BODY_START]!; }
  end(slot: number): number { return this.meta[slot * FIELDS + END]!; }
  offset(slot: number): number { return this.meta[slot * FIELDS + OFFSET]!; }
  endOffset(slot: number): number { return this.meta[slot * FIELDS + END_OFFSET]!; }
  source(slot: number): SourceId { return this.sources[this.meta[slot * FIELDS + SOURCE]!]!; }
  index(slot: number): string { return this.indexes[this.meta[slot * FIELDS + INDEX]!]!; }
  /** Bytes the buffer accounts for the record. */
  accounted(slot: number): number { return this.meta[slot * FIELDS + BYTES]!; }

  /** The memory holding the records' bytes; throws if the records of `generation` were released and it was reused since. */
  memory(generation: number, slot: number): Buffer {
    this.check(generation, slot);
    return this.bytes;
  }

  /** Throws if the records of `generation` are gone (their chunk reused), so that no other record's fields are read. */
  check(generation: number, slot: number): void {
    if (this.generation !== generation) throw new Error(`the memory of record ${slot} of a chunk was reused after it was released`);
  }
}

/** The id of `value` in a chunk's small table, added if new (the last one added is the usual answer). */
function idIn(table: string[], value: string): number {
  const last = table.length - 1;
  if (last >= 0 && table[last] === value) return last;
  for (let i = last - 1; i >= 0; i--) if (table[i] === value) return i;
  table.push(value);
  return last + 1;
}

/**
 * The store has answered for record `slot` of `chunk`, written in its use `generation`, and nothing will
 * read it again: once all its records are released, the chunk's memory may be reused. Releasing twice,
 * or a record of an earlier use, changes nothing.
 */
export function releaseRecord(chunk: RecordChunk, generation: number, slot: number): void {
  if (chunk.generation !== generation || chunk.released[slot] === 1) return;
  chunk.released[slot] = 1;
  chunk.live--;
  if (chunk.live === 0 && chunk !== current) recycle(chunk);
}

/**
 * A record as an `Outgoing`, for the producers' API and tests: a view of a chunk's slot, read on demand.
 * The pipeline keeps records as (chunk, slot) pairs, not as these objects.
 */
export class BulkRecord implements Outgoing {
  readonly chunk: RecordChunk;
  readonly slot: number;
  readonly generation: number;

  constructor(chunk: RecordChunk, slot: number) {
    this.chunk = chunk;
    this.slot = slot;
    this.generation = chunk.generation;
  }

  get index(): string { return this.field().index(this.slot); }
  get source(): SourceId { return this.field().source(this.slot); }
  get offset(): number { return this.field().offset(this.slot); }
  get endOffset(): number { return this.field().endOffset(this.slot); }
  get bytes(): number { return this.field().accounted(this.slot); }
  /** The record's NDJSON lines are `memory()[start, end)`; its document is `[bodyStart, end - 1)`. */
  get start(): number { return this.field().start(this.slot); }
  get bodyStart(): number { return this.field().bodyStart(this.slot); }
  get end(): number { return this.field().end(this.slot); }

  /** The `_id`, read back from the action line (for the dead-letter path and tests; not hot). */
  get id(): string {
    return recordId(this.chunk, this.generation, this.slot);
  }

  /** The document's JSON, decoded again from its bytes (for the dead-letter path and tests; not hot). */
  get body(): string {
    return recordBody(this.chunk, this.generation, this.slot);
  }

  /** The memory holding the record's bytes; throws if it was released and reused since. */
  memory(): Buffer {
    return this.chunk.memory(this.generation, this.slot);
  }

  /** The store has answered for the record and nothing will read it again: its bytes may be reused. */
  release(): void {
    releaseRecord(this.chunk, this.generation, this.slot);
  }

  private field(): RecordChunk {
    this.chunk.check(this.generation, this.slot);
    return this.chunk;
  }
}

/** The `_id` of a chunk's record, read back from its action line. */
export function recordId(chunk: RecordChunk, generation: number, slot: number): string {
  const memory = chunk.memory(generation, slot);
  const idStart = chunk.start(slot) + Buffer.byteLength(actionPrefix(chunk.index(slot)));
  return JSON.parse(`"${memory.toString('utf8', idStart, chunk.bodyStart(slot) - 4)}"`) as string;
}

/** The document JSON of a chunk's record, decoded from its bytes. */
export function recordBody(chunk: RecordChunk, generation: number, slot: number): string {
  const memory = chunk.memory(generation, slot);
  return memory.toString('utf8', chunk.bodyStart(slot), chunk.end(slot) - 1);
}

let current = new RecordChunk(CHUNK_BYTES, true);
let used = 0;
const pool: RecordChunk[] = [];

function recycle(chunk: RecordChunk): void {
  if (!chunk.shared) return;
  chunk.generation++;
  chunk.released.fill(0, 0, chunk.count);
  chunk.count = 0;
  chunk.sources.length = 0;
  chunk.indexes.length = 0;
  if (pool.length < poolLimit) pool.push(chunk);
}

/**
 * A pipeline will hold up to `bufferBytes` of records until the store answers: keep that many chunks
 * once they are free again, rather than dropping them and allocating new ones.
 *
 * Why: a chunk dropped is memory outside the heap that only a full collection frees, and V8 starts
 * one each time such memory has grown by some tens of MiB. A collector shipping at full speed with a
 * 48 MiB buffer cycled ~190 chunks through a pool of 32: 18 full collections (and their concurrent
 * marking threads) in 5 s, against 1 with the whole buffer's worth kept (≈ 7 % of its CPU). The memory
 * kept is never more than the buffer already took at its fullest: a chunk is allocated only when the
 * pool is empty.
 */
export function keepRecordMemoryFor(bufferBytes: number): void {
  poolLimit = Math.max(poolLimit, Math.ceil(bufferBytes / CHUNK_BYTES) + POOL_SLACK);
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
    placedChunk = new RecordChunk(exact, false);
    placedAt = 0;
  } else if (exact > CHUNK_BYTES - used) {
    const full = current;
    placedChunk = current = pool.pop() ?? new RecordChunk(CHUNK_BYTES, true);
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
  return new BulkRecord(chunk, chunk.add(index, source, offset, endOffset, bytes ?? pos - at, at, bodyStart, pos));
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

/** Bytes of the action line `writeActionLine` writes. */
export function actionLineBytes(head: Uint8Array, offset: number): number {
  return head.length + digitCount(offset, 36) + ACTION_END_BYTES;
}

/**
 * Writes a record's action line at `at`, for the makers that write records byte by byte: `head`
 * (`recordHead(index, idHead)`), the rest of the `_id` — the record's offset in base 36, as
 * ../document-id.ts makes it — and `"}}\n`. Returns where the document starts.
 */
export function writeActionLine(target: Buffer, at: number, head: Uint8Array, offset: number): number {
  target.set(head, at);
  let pos = writeDigits(target, at + head.length, offset, 36);
  target[pos++] = 0x22; // "
  target[pos++] = 0x7d; // }
  target[pos++] = 0x7d; // }
  target[pos++] = 0x0a; // \n
  return pos;
}

/** `"}}\n` after the `_id`. */
const ACTION_END_BYTES = 4;

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
  return new BulkRecord(chunk, chunk.add(index, source, offset, endOffset, end - placedAt, placedAt, bodyStart, end));
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
  return new BulkRecord(chunk, chunk.add(index, source, offset, endOffset, pos - at, at, bodyStart, pos));
}
