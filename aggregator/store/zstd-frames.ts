/**
 * zstd frames written by one native compressor and read by one native decompressor, each reused frame after
 * frame. Why: `zstdCompressSync` builds a
 * Transform stream and a fresh native zstd context for every call and closes them after it; for a 64-
 * document `_source` chunk (≈ 40 KB) that set-up was half the cost: 48–55 against 23 µs per chunk in
 * isolation, the same frames byte for byte. Over HTTP `_bulk` it was 1.6 µs per document (24.50 → 22.93,
 * 8 of 8 pairs): the stream and the ≈ 1 MB context made garbage and page faults besides.
 *
 * How: a zstd compression stream keeps its native handle, and `ZSTD_e_end` ends a frame and leaves the
 * context ready for the next one with the same parameters. The handle's synchronous `writeSync` and the
 * `_writeState` it reports into are what `zstdCompressSync` itself calls; node does not document them.
 * If they are missing (another node), or a frame does not come out whole in one call (or the call failed),
 * this answers with `zstdCompressSync`'s frame instead, so the outcome never depends on them.
 *
 * Reading is the same story: `zstdDecompressSync` cost 48–59 µs per 64-document chunk, a reused
 * decompressor 13–15 µs (text included), and a search pays it for every chunk its hits are in. A frame
 * made in one call states its decompressed size in its header, so the output is sized exactly; a frame
 * without it, or a call that does not read it whole, is read by `zstdDecompressSync` instead.
 */
import { constants, createZstdCompress, createZstdDecompress, zstdCompressSync, zstdDecompressSync, type ZstdOptions } from 'node:zlib';

/** The parts of node:zlib's stream this uses: its native handle and where that handle reports progress. */
interface NativeZstdStream {
  readonly _handle?: { writeSync?: (flush: number, input: Uint8Array, inOffset: number, inLength: number, output: Buffer, outOffset: number, outLength: number) => void };
  readonly _writeState?: Uint32Array;
  on(event: 'error', listener: (error: Error) => void): unknown;
  close(): void;
}

/** The largest output buffer kept between frames (a chunk of nginx documents needs ≈ 40 KB). */
const KEPT_OUTPUT_MAX_BYTES = 1024 * 1024;

export class ZstdFrames {
  readonly #options: ZstdOptions;
  readonly #native: DirectCalls;

  constructor(options: ZstdOptions) {
    this.#options = options;
    this.#native = new DirectCalls(() => createZstdCompress(options));
  }

  /** One complete zstd frame of `input`. */
  compress(input: Uint8Array): Buffer {
    const room = compressBound(input.length);
    const done = this.#native.endFrame(input, room);
    if (done === undefined) return zstdCompressSync(input, this.#options);
    if (done.inLeft !== 0 || done.outLeft === 0) {
      // Not one whole frame, or a failed call: the context may hold part of one. Replace it, and let node make this frame.
      this.#native.replace();
      return zstdCompressSync(input, this.#options);
    }
    // A copy: the output buffer is written again by the next frame.
    return Buffer.from(done.output.subarray(0, room - done.outLeft));
  }
}

export class ZstdFrameReader {
  readonly #native = new DirectCalls(() => createZstdDecompress());

  /** The UTF-8 text of one zstd frame. */
  text(frame: Uint8Array): string {
    const size = frameContentSize(frame);
    const done = size === undefined ? undefined : this.#native.endFrame(frame, size);
    if (done === undefined) return zstdDecompressSync(frame).toString('utf8');
    if (done.inLeft !== 0 || done.outLeft !== 0) {
      // Not read whole into exactly its stated size, or a failed call: a fresh decompressor, and node reads it.
      this.#native.replace();
      return zstdDecompressSync(frame).toString('utf8');
    }
    // Decoded now: the output buffer is written again by the next frame.
    return done.output.toString('utf8', 0, size);
  }
}

/** One zstd stream's native handle, called directly, and an output buffer kept between calls. */
class DirectCalls {
  readonly #create: () => unknown;
  #stream: NativeZstdStream | undefined;
  #output = Buffer.allocUnsafeSlow(0);

  constructor(create: () => unknown) {
    this.#create = create;
    this.#stream = newStream(create);
  }

  /**
   * One call that ends a frame, `input` into the first `room` bytes of the output buffer; what is left of
   * each afterwards. Undefined when this node's handle cannot be called directly.
   */
  endFrame(input: Uint8Array, room: number): { output: Buffer; outLeft: number; inLeft: number } | undefined {
    const stream = this.#stream;
    if (stream === undefined) return undefined;
    let output = this.#output;
    if (output.length < room) {
      output = Buffer.allocUnsafeSlow(room);
      // Kept for the next frames unless one chunk of large documents asked for more than a usual chunk.
      if (room <= KEPT_OUTPUT_MAX_BYTES) this.#output = output;
    }
    const state = stream._writeState!;
    // Node writes what is left of both buffers here after a successful call only: "no room left" until then.
    state[0] = 0;
    state[1] = input.length;
    stream._handle!.writeSync!(constants.ZSTD_e_end, input, 0, input.length, output, 0, room);
    return { output, outLeft: state[0]!, inLeft: state[1]! };
  }

  /** A fresh stream, for when a call left the context in the middle of a frame. */
  replace(): void {
    this.#stream?.close();
    this.#stream = newStream(this.#create);
  }
}

/** A zstd stream whose native handle can be called directly, or undefined (then the documented calls are made). */
function newStream(create: () => unknown): NativeZstdStream | undefined {
  const stream = create() as NativeZstdStream;
  // A failed call is seen by its result; without a listener its 'error' event would end the process.
  stream.on('error', () => {});
  if (typeof stream._handle?.writeSync === 'function' && stream._writeState instanceof Uint32Array) return stream;
  stream.close();
  return undefined;
}

const ZSTD_MAGIC = 0xfd2fb528;
const DICT_ID_BYTES = [0, 1, 2, 4];
const CONTENT_SIZE_BYTES = [0, 2, 4, 8];

/** The decompressed size a zstd frame's header states (RFC 8878, 3.1.1.1), or undefined when it states none. */
export function frameContentSize(frame: Uint8Array): number | undefined {
  if (frame.length < 6) return undefined;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (view.getUint32(0, true) !== ZSTD_MAGIC) return undefined;
  const descriptor = frame[4]!;
  const singleSegment = (descriptor >> 5) & 1;
  const sizeFlag = descriptor >> 6;
  const at = 5 + (singleSegment === 1 ? 0 : 1) + DICT_ID_BYTES[descriptor & 3]!;
  const bytes = sizeFlag === 0 ? singleSegment : CONTENT_SIZE_BYTES[sizeFlag]!;
  if (bytes === 0 || at + bytes > frame.length) return undefined;
  if (bytes === 1) return view.getUint8(at);
  if (bytes === 2) return view.getUint16(at, true) + 256;
  if (bytes === 4) return view.getUint32(at, true);
  const size = view.getBigUint64(at, true);
  return size <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(size) : undefined;
}

/** ZSTD_COMPRESSBOUND: the largest frame zstd can make of `size` bytes, plus room for the frame header. */
function compressBound(size: number): number {
  const small = size < 128 * 1024 ? (128 * 1024 - size) >>> 11 : 0;
  return size + (size >>> 8) + small + 64;
}
