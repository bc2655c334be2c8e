/**
 * The pipeline's records not yet in a batch: pushed at the back, taken from the front a batch at a time.
 *
 * Why segments: the queue used to be one `RecordList` with a moving head, and dropping the taken head
 * copied everything behind it. With a buffer of tens of thousands of records that copy was the largest
 * single cost of the pipeline. Here records sit in lists of `SEGMENT` items; a list whose items are all
 * taken is emptied and kept for reuse, and nothing is copied but the batch itself.
 */
import type { Outgoing } from '../record.ts';
import { RecordList } from './record-list.ts';

/** Records per segment. */
export const SEGMENT = 4096;
/**
 * Emptied segments kept for reuse. New ones each time were promoted garbage: a queue's segment lives as
 * long as a buffer's worth of records, and its typed arrays count as external memory, so a stream of
 * them started full collections and raised the sidecar's peak RSS by ≈ 25 MiB.
 */
const SPARE_SEGMENTS = 4;

export class RecordQueue {
  /** segments[0][head…] is the front; the last segment takes new records until it holds SEGMENT. */
  #segments: RecordList[] = [];
  #spare: RecordList[] = [];
  #head = 0;
  #length = 0;
  #bytes = 0;

  /** Records queued. */
  get length(): number {
    return this.#length;
  }

  /** Bytes the buffer accounts for the records queued. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Queues a record (see `RecordList#addOutgoing`); returns the bytes the buffer accounts for it. */
  push(item: Outgoing): number {
    let tail = this.#segments[this.#segments.length - 1];
    if (tail === undefined || tail.length === SEGMENT) {
      tail = this.#spare.pop() ?? new RecordList(SEGMENT);
      this.#segments.push(tail);
    }
    const bytes = tail.addOutgoing(item);
    this.#length++;
    this.#bytes += bytes;
    return bytes;
  }

  /**
   * Takes the records at the front as one list: at most `maxDocs`, and no more than `maxBytes` together
   * unless the first alone is larger (a batch always takes at least one record).
   */
  take(maxDocs: number, maxBytes: number): RecordList {
    const batch = new RecordList(Math.max(1, Math.min(maxDocs, this.#length)));
    let bytes = 0;
    let full = false;
    while (!full && batch.length < maxDocs && this.#length > 0) {
      const segment = this.#segments[0]!;
      const from = this.#head;
      const last = Math.min(segment.length, from + (maxDocs - batch.length));
      let end = from;
      while (end < last) {
        const size = segment.bytesAt(end);
        if ((batch.length > 0 || end > from) && bytes + size > maxBytes) {
          full = true;
          break;
        }
        bytes += size;
        end++;
      }
      batch.addRange(segment, from, end);
      this.#length -= end - from;
      if (this.#length === 0) {
        // Nothing left: no segment keeps the chunks its taken slots name alive.
        for (const emptied of this.#segments) this.#recycle(emptied);
        this.#segments = [];
        this.#head = 0;
      } else if (end === segment.length && segment.length === SEGMENT) {
        this.#recycle(this.#segments.shift()!);
        this.#head = 0;
      } else {
        this.#head = end;
      }
    }
    this.#bytes -= bytes;
    return batch;
  }

  #recycle(segment: RecordList): void {
    segment.reset();
    if (this.#spare.length < SPARE_SEGMENTS) this.#spare.push(segment);
  }
}
