/**
 * `_bulk`'s answer, byte for byte what `JSON.stringify` writes. Why not JSON.stringify: a bulk of a few
 * thousand documents answers with as many items, and writing the items the embedded store made
 * (recognised by their shared `_shards` object, see WRITTEN_SHARDS) from a template is about twice as fast
 * as walking their objects. Anything else — errors, items from a forwarded cluster, a response reshaped by
 * `filter_path` — goes through JSON.stringify as before.
 *
 * The usual answer is written as UTF-8 straight into a buffer that is used again once the socket has
 * taken its bytes. Why: a 2,000-item answer is ≈ 400 KB. Handed to node as one string, it was flattened
 * twice into fresh large-object pages of V8's heap and converted to UTF-8 into a fresh allocation, and
 * the kernel zeroed every one of those pages first (a sixth of the aggregator's page faults under `_bulk`
 * load, perf).
 */
import { WRITTEN_SHARDS, type BulkItemResponse, type JsonObject } from '../store/types.ts';

/** Text gathered before it is written out: one buffer write per this many characters, not per item. */
const PIECE_CHARS = 16 * 1024;
const FIRST_BUFFER_BYTES = 512 * 1024;
/** Buffers kept for reuse, and the largest one kept: enough for the bulks in flight, bounded whatever one answer was. */
const KEPT_BUFFERS = 4;
const KEPT_BUFFER_MAX_BYTES = 2 * 1024 * 1024;

export class BulkResponseWriter {
  readonly #free: Buffer[] = [];

  /**
   * The answer's UTF-8 bytes, in a buffer of this writer's to be given back with `release` once the
   * response has been sent; anything but the route's own `{took, errors, items}` as JSON text.
   */
  serialize(value: unknown): Buffer | string {
    if (!isBulkResponse(value)) return JSON.stringify(value);
    const out = new Utf8Output(this.#free.pop() ?? Buffer.allocUnsafeSlow(FIRST_BUFFER_BYTES));
    writeBulkResponse(value, out);
    return out.bytes();
  }

  /** Takes back bytes `serialize` returned, after the socket took them (a view of one of its buffers). */
  release(bytes: Buffer): void {
    const memory = bytes.buffer;
    if (this.#free.length >= KEPT_BUFFERS || memory.byteLength > KEPT_BUFFER_MAX_BYTES || this.#free.some((kept) => kept.buffer === memory)) return;
    this.#free.push(Buffer.from(memory));
  }
}

/** The answer as text (tests compare it with JSON.stringify's). */
export function serializeBulkResponse(value: unknown): string {
  const bytes = new BulkResponseWriter().serialize(value);
  return typeof bytes === 'string' ? bytes : bytes.toString('utf8');
}

function writeBulkResponse(value: BulkResponse, out: Utf8Output): void {
  const items = value.items;
  out.add(`{"took":${JSON.stringify(value.took)},"errors":${value.errors ? 'true' : 'false'},"items":[`);
  let index: unknown;
  let indexJson = '';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out.add(',');
    const item = items[i]!;
    const op = writtenItemOp(item);
    if (op === undefined) {
      out.add(JSON.stringify(item));
      continue;
    }
    const body = item[op]!;
    if (body._index !== index) {
      index = body._index;
      indexJson = JSON.stringify(index);
    }
    out.add(`{"${op}":{"_index":${indexJson},"_id":${JSON.stringify(body._id)},"_version":${JSON.stringify(body._version)},"result":${JSON.stringify(body.result)},"_shards":{"total":1,"successful":1,"failed":0},"_seq_no":${JSON.stringify(body._seq_no)},"_primary_term":${JSON.stringify(body._primary_term)},"status":${JSON.stringify(body.status)}}}`);
  }
  out.add(']}');
  out.flush();
}

/** Text written as UTF-8 into a buffer that grows by doubling; pieces are gathered so that each write is large. */
class Utf8Output {
  #buffer: Buffer;
  #length = 0;
  #piece = '';

  constructor(buffer: Buffer) {
    this.#buffer = buffer;
  }

  add(text: string): void {
    this.#piece += text;
    if (this.#piece.length >= PIECE_CHARS) this.flush();
  }

  flush(): void {
    const piece = this.#piece;
    this.#piece = '';
    // A UTF-16 code unit takes at most 3 bytes in UTF-8 (a surrogate pair, two units, takes 4).
    const most = piece.length * 3;
    if (this.#length + most > this.#buffer.length) {
      const larger = Buffer.allocUnsafeSlow(Math.max(this.#buffer.length * 2, this.#length + most));
      this.#buffer.copy(larger, 0, 0, this.#length);
      this.#buffer = larger;
    }
    this.#length += this.#buffer.write(piece, this.#length, 'utf8');
  }

  bytes(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }
}

interface BulkResponse {
  readonly took: unknown;
  readonly errors: boolean;
  readonly items: readonly BulkItemResponse[];
}

const RESPONSE_KEYS = ['took', 'errors', 'items'];

/** `{took, errors, items}` and nothing else, in that order (what the route returns before any filter_path). */
function isBulkResponse(value: unknown): value is BulkResponse {
  if (typeof value !== 'object' || value === null) return false;
  let n = 0;
  for (const key in value) if (key !== RESPONSE_KEYS[n++]) return false;
  const response = value as BulkResponse;
  return n === RESPONSE_KEYS.length && typeof response.errors === 'boolean' && Array.isArray(response.items);
}

/** The item's one key when its body is one the writer made with its eight usual keys, else undefined. */
function writtenItemOp(item: BulkItemResponse): 'create' | 'index' | 'update' | 'delete' | undefined {
  let found: string | undefined;
  for (const key in item) {
    if (found !== undefined) return undefined;
    found = key;
  }
  if (found !== 'create' && found !== 'index' && found !== 'update' && found !== 'delete') return undefined;
  const body: JsonObject | undefined = item[found];
  return body !== undefined && body._shards === WRITTEN_SHARDS ? found : undefined;
}
