/**
 * A list of records as (chunk, slot) pairs: what the pipeline queues, batches, retries and settles.
 *
 * Why: a record waits in the pipeline until the store has answered for it, long enough to be promoted to
 * the garbage collector's old generation. Kept as one object per record (its fields, its chunk, its
 * position), a full buffer was tens of thousands of old objects that drove the full collections under the
 * heap bounds of the manifests. Here a record is a slot in typed arrays — its fields stay in its chunk (see
 * `RecordChunk`) — so a list costs a few arrays whatever the number of records, and a bulk body is copied
 * from the chunks run by run.
 */
import type { Outgoing, SourceId } from '../record.ts';
import { BulkRecord, encodeRecord, jsonSafeId, recordBody, recordId, releaseRecord, type RecordChunk } from './bulk-record.ts';

export class RecordList {
  #chunks: Array<RecordChunk | undefined>;
  #slots: Int32Array;
  #generations: Float64Array;
  /**
   * Bytes the buffer accounts for each item, read from its chunk when it is added: the pipeline reads them
   * again to cut batches and settle, and this list's own copy needs no trip to the chunk.
   */
  #bytes: Float64Array;
  #length = 0;

  constructor(capacity = 64) {
    this.#chunks = new Array<RecordChunk | undefined>(capacity);
    this.#slots = new Int32Array(capacity);
    this.#generations = new Float64Array(capacity);
    this.#bytes = new Float64Array(capacity);
  }

  get length(): number {
    return this.#length;
  }

  /** Adds record `slot` of `chunk` as written in the chunk's use `generation`; returns the bytes it accounts. */
  add(chunk: RecordChunk, slot: number, generation: number): number {
    chunk.check(generation, slot);
    return this.#append(chunk, slot, generation, chunk.accounted(slot));
  }

  #append(chunk: RecordChunk, slot: number, generation: number, bytes: number): number {
    const i = this.#length;
    if (i === this.#slots.length) this.#grow(i * 2);
    this.#chunks[i] = chunk;
    this.#slots[i] = slot;
    this.#generations[i] = generation;
    this.#bytes[i] = bytes;
    this.#length = i + 1;
    return bytes;
  }

  /**
   * Adds an `Outgoing`: an encoded record by its slot (the object itself is not kept); any other (a dead
   * letter, a test's record) is encoded now, with the same bytes and accounted size, and its own `release`
   * called since nothing reads it any more. Returns the bytes the buffer accounts for it.
   */
  addOutgoing(item: Outgoing): number {
    if (item instanceof BulkRecord) return this.add(item.chunk, item.slot, item.generation);
    const encoded = encodeRecord(item.index, '', jsonSafeId(item.id), item.body, item.source, item.offset, item.endOffset, item.bytes);
    item.release?.();
    return this.add(encoded.chunk, encoded.slot, encoded.generation);
  }

  /** Adds item `i` of `other`. */
  addFrom(other: RecordList, i: number): void {
    this.#append(other.#chunks[i]!, other.#slots[i]!, other.#generations[i]!, other.#bytes[i]!);
  }

  /** Adds items [from, to) of `other`, in order. */
  addRange(other: RecordList, from: number, to: number): void {
    const count = Math.max(0, to - from);
    const at = this.#length;
    if (at + count > this.#slots.length) this.#grow(Math.max(at + count, at * 2));
    const chunks = this.#chunks;
    const otherChunks = other.#chunks;
    for (let i = 0; i < count; i++) chunks[at + i] = otherChunks[from + i]!;
    this.#slots.set(other.#slots.subarray(from, from + count), at);
    this.#generations.set(other.#generations.subarray(from, from + count), at);
    this.#bytes.set(other.#bytes.subarray(from, from + count), at);
    this.#length = at + count;
  }

  /** Items [from, to) as a new list. */
  slice(from: number, to = this.#length): RecordList {
    const out = new RecordList(Math.max(to - from, 1));
    out.addRange(this, from, to);
    return out;
  }

  /** Items at `indices`, in that order, as a new list. */
  pick(indices: readonly number[]): RecordList {
    const out = new RecordList(Math.max(indices.length, 1));
    for (const i of indices) out.addFrom(this, i);
    return out;
  }

  /**
   * Empties the list but keeps its arrays for the next items (a queue's segments are reused: fresh ones
   * were old-generation garbage, their typed arrays external memory that drove full collections).
   */
  reset(): void {
    this.#chunks.fill(undefined, 0, this.#length);
    this.#length = 0;
  }

  #grow(capacity: number): void {
    this.#chunks.length = capacity;
    const slots = new Int32Array(capacity);
    slots.set(this.#slots);
    this.#slots = slots;
    const generations = new Float64Array(capacity);
    generations.set(this.#generations);
    this.#generations = generations;
    const bytes = new Float64Array(capacity);
    bytes.set(this.#bytes);
    this.#bytes = bytes;
  }

  #chunk(i: number): RecordChunk {
    const chunk = this.#chunks[i]!;
    chunk.check(this.#generations[i]!, this.#slots[i]!);
    return chunk;
  }

  /** Bytes the buffer accounts for item `i`. */
  bytesAt(i: number): number { return this.#bytes[i]!; }
  indexAt(i: number): string { return this.#chunk(i).index(this.#slots[i]!); }
  sourceAt(i: number): SourceId { return this.#chunk(i).source(this.#slots[i]!); }
  offsetAt(i: number): number { return this.#chunk(i).offset(this.#slots[i]!); }
  endOffsetAt(i: number): number { return this.#chunk(i).endOffset(this.#slots[i]!); }
  idAt(i: number): string { return recordId(this.#chunks[i]!, this.#generations[i]!, this.#slots[i]!); }
  bodyAt(i: number): string { return recordBody(this.#chunks[i]!, this.#generations[i]!, this.#slots[i]!); }

  /** Item `i` as an `Outgoing` (for the dead-letter path: not hot). */
  outgoingAt(i: number): Outgoing {
    return { index: this.indexAt(i), id: this.idAt(i), body: this.bodyAt(i), source: this.sourceAt(i), offset: this.offsetAt(i), endOffset: this.endOffsetAt(i), bytes: this.bytesAt(i) };
  }

  /** The store has answered for item `i`: its memory may be reused (read its fields before). */
  release(i: number): void {
    releaseRecord(this.#chunks[i]!, this.#generations[i]!, this.#slots[i]!);
  }

  /**
   * The NDJSON body of a bulk request of the items as the chunks' own memory, without a copy: one view per
   * run of neighbours in one chunk, and the total size. The views are valid until the items are released.
   * Throws if a record's memory was reused.
   */
  bodySlices(): { slices: Buffer[]; size: number } {
    const count = this.#length;
    const slots = this.#slots;
    const slices: Buffer[] = [];
    let size = 0;
    let runChunk: RecordChunk | undefined;
    let runStart = 0;
    let runEnd = 0;
    for (let i = 0; i < count; i++) {
      const chunk = this.#chunk(i);
      const slot = slots[i]!;
      const start = chunk.start(slot);
      const end = chunk.end(slot);
      size += end - start;
      if (chunk === runChunk && start === runEnd) {
        runEnd = end;
        continue;
      }
      if (runChunk !== undefined) slices.push(runChunk.bytes.subarray(runStart, runEnd));
      runChunk = chunk;
      runStart = start;
      runEnd = end;
    }
    if (runChunk !== undefined) slices.push(runChunk.bytes.subarray(runStart, runEnd));
    return { slices, size };
  }

  /**
   * The NDJSON body of a bulk request of the items, as one buffer from `allocate`: the records' bytes
   * copied as they are, neighbours in one chunk in one copy. Throws if a record's memory was reused.
   */
  bulkBody(allocate: (size: number) => Buffer = Buffer.allocUnsafeSlow): Buffer {
    const count = this.#length;
    const chunks = this.#chunks;
    const slots = this.#slots;
    let size = 0;
    for (let i = 0; i < count; i++) {
      const chunk = this.#chunk(i);
      const slot = slots[i]!;
      size += chunk.end(slot) - chunk.start(slot);
    }
    const out = allocate(size);
    let pos = 0;
    let runChunk: RecordChunk | undefined;
    let runStart = 0;
    let runEnd = 0;
    for (let i = 0; i < count; i++) {
      const chunk = chunks[i]!;
      const slot = slots[i]!;
      const start = chunk.start(slot);
      if (chunk === runChunk && start === runEnd) {
        runEnd = chunk.end(slot);
        continue;
      }
      if (runChunk !== undefined) pos += runChunk.bytes.copy(out, pos, runStart, runEnd);
      runChunk = chunk;
      runStart = start;
      runEnd = chunk.end(slot);
    }
    if (runChunk !== undefined) runChunk.bytes.copy(out, pos, runStart, runEnd);
    return out;
  }
}
