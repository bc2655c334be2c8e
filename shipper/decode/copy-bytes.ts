/**
 * `source[from, to)` copied into `target` at `at`, for the record writers that copy a line's parts into
 * its bulk record one by one (a few per line, most of them tens of bytes).
 *
 * Why not `Buffer#copy`: each call goes through argument checks and a call into C++ that cost more than
 * copying a typical part (≈ 45–60 ns a call against ≈ 20–25 for a view of the source and the
 * `TypedArray#set` builtin, measured on Node 24 for 30–200 bytes). Below `BYTE_LOOP_BELOW` bytes a plain
 * loop is cheaper still than making the view.
 */
import { memoryOf, memoryViewOf, targetViewOf } from './memory-views.ts';

const BYTE_LOOP_BELOW = 16;
/**
 * Up to this many bytes a part is copied four bytes at a time through the memories' DataViews: no view
 * to make, no builtin to call (a 30-byte time: ≈ 9 ns against ≈ 22). Longer, the builtin's bulk copy wins.
 */
const WORD_LOOP_BELOW = 48;

/** Copies `source[from, to)` to `target` at `at` (it must fit there); returns the position after it. */
export function copyBytes(source: Uint8Array, from: number, to: number, target: Uint8Array, at: number): number {
  const length = to - from;
  if (length < BYTE_LOOP_BELOW) {
    for (let i = 0; i < length; i++) target[at + i] = source[from + i]!;
    return length > 0 ? at + length : at;
  }
  if (length < WORD_LOOP_BELOW) {
    const sourceView = memoryViewOf(source);
    const targetView = targetViewOf(target);
    const sourceAt = source.byteOffset + from;
    const targetAt = target.byteOffset + at;
    let i = 0;
    for (; i + 4 <= length; i += 4) targetView.setInt32(targetAt + i, sourceView.getInt32(sourceAt + i, true), true);
    for (; i < length; i++) target[at + i] = source[from + i]!;
    return at + length;
  }
  target.set(new Uint8Array(memoryOf(source), source.byteOffset + from, length), at);
  return at + length;
}

/**
 * Copies all of `source` (a record template's constant part) to `target` at `at`; returns the position
 * after it. Short parts byte by byte: `TypedArray#set` is a builtin call with checks that cost more than
 * copying a dozen bytes (it was ~4 % of the collector process, called seven times per record).
 */
export function copyAll(source: Uint8Array, target: Uint8Array, at: number): number {
  const length = source.length;
  if (length < BYTE_LOOP_BELOW) {
    for (let i = 0; i < length; i++) target[at + i] = source[i]!;
  } else {
    target.set(source, at);
  }
  return at + length;
}
