/**
 * Memory for bulk request bodies, reused from one request to the next.
 *
 * Why: a body is a few MiB outside the JavaScript heap, alive for the whole request — long enough that
 * its handle reaches V8's old generation, so a fresh body per request is freed only at the next full
 * collection. Until then V8 counts it as external memory and lets tens of MiB of dead bodies pile up
 * (it starts a collection once external memory has grown by about 64 MiB). Reusing a few bodies keeps the
 * shipper's resident memory flat and spares the page faults of touching fresh memory.
 *
 * A body is given back only once the store has answered the request in full: by then every byte of it
 * was sent (the store read the whole request before answering). After a failed request the body is not
 * reused — the socket could still hold it — and is left to the garbage collector.
 */
export interface BodyPool {
  /** A buffer of exactly `size` bytes, on reused memory when there is some large enough. */
  take(size: number): Buffer;
  /** `body` (from `take`) will not be read again: its memory may serve another request. */
  give(body: Buffer): void;
}

/** Bodies are allocated in whole MiB so that the next, slightly larger, request still fits. */
const GRANULE = 1024 * 1024;

export function createBodyPool(maxKept: number): BodyPool {
  const free: ArrayBuffer[] = [];
  return {
    take(size) {
      for (let i = free.length - 1; i >= 0; i--) {
        const memory = free[i]!;
        if (memory.byteLength >= size) {
          free.splice(i, 1);
          return Buffer.from(memory, 0, size);
        }
      }
      // None large enough: allocate, and drop the smallest free one so the pool keeps its size.
      if (free.length > 0 && free.length >= maxKept) free.sort((a, b) => a.byteLength - b.byteLength).shift();
      return Buffer.from(new ArrayBuffer(Math.ceil(Math.max(size, 1) / GRANULE) * GRANULE), 0, size);
    },
    give(body) {
      const memory = body.buffer;
      if (!(memory instanceof ArrayBuffer) || body.byteOffset !== 0 || memory.byteLength < GRANULE) return;
      if (free.length < maxKept && !free.includes(memory)) free.push(memory);
    },
  };
}
