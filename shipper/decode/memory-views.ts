/**
 * The memory behind the last buffer asked about, and views over all of it (offset 0 is the memory's first
 * byte, not the buffer's), for the byte readers and record writers that read a line four bytes at a time
 * or copy its parts. Why kept: reading `buffer` is a call into C++ each time, and lines come one after
 * another from the same read buffer, so the memory and its views change only when the buffer does.
 */
let lastBytes: Uint8Array | undefined;
let memory: ArrayBufferLike = new ArrayBuffer(0);
let wordsMemory: ArrayBufferLike = memory;
let words: Int32Array<ArrayBufferLike> = new Int32Array(memory);
let viewMemory: ArrayBufferLike = memory;
let view: DataView<ArrayBufferLike> = new DataView(memory);

/** The memory `bytes` is a view of. */
export function memoryOf(bytes: Uint8Array): ArrayBufferLike {
  if (bytes !== lastBytes) {
    lastBytes = bytes;
    memory = bytes.buffer;
  }
  return memory;
}

/** 32-bit words over the whole memory of `bytes`: word `k` is bytes `4k…4k+3` of it, whatever the buffer's offset. */
export function wordsOf(bytes: Uint8Array): Int32Array<ArrayBufferLike> {
  const current = memoryOf(bytes);
  if (current !== wordsMemory) {
    wordsMemory = current;
    words = new Int32Array(current, 0, current.byteLength >> 2);
  }
  return words;
}

/** A DataView over the whole memory of `bytes`. */
export function memoryViewOf(bytes: Uint8Array): DataView<ArrayBufferLike> {
  const current = memoryOf(bytes);
  if (current !== viewMemory) {
    viewMemory = current;
    view = new DataView(current);
  }
  return view;
}

/**
 * A DataView over the whole memory of a copy's target (a record chunk), cached apart from the source's
 * above: a record writer copies from a line's buffer into a chunk part after part, and one cache for both
 * would make a new view at every part.
 */
let targetBytes: Uint8Array | undefined;
let targetView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

export function targetViewOf(bytes: Uint8Array): DataView<ArrayBufferLike> {
  if (bytes !== targetBytes) {
    targetBytes = bytes;
    targetView = new DataView(bytes.buffer);
  }
  return targetView;
}
