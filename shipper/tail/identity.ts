/**
 * File identity: `<dev>:<ino>:<fingerprint>` where the fingerprint is a hash of the file's first line,
 * or of its first FINGERPRINT_BYTES bytes when that first line is longer.
 *
 * Why the first line (Vector's choice) rather than "wait for 1 KiB" (Filebeat's): a log file is
 * append-only, so its first line never changes once its newline is written, and the fingerprint stays
 * the same however much the file grows — a growing small file is never taken for a new one. Until the
 * first newline (or FINGERPRINT_BYTES bytes) exists the file has no identity and is not read; nothing
 * in it could be emitted anyway, since an unterminated last line is held back. Filebeat's rule would
 * leave a quiet nginx error log with two short lines unshipped for hours.
 *
 * dev:ino tells two files apart even when their first lines are equal; the fingerprint tells a reused
 * inode from the file that had it before, and recognises a copytruncate copy (new inode, same first
 * line). Known limit: a short, constant first line (a header) is a weak fingerprint for copy detection.
 */
import { hash } from 'node:crypto';
import type { SourceId } from '../record.ts';

/** Longest prefix hashed; a first line longer than this is fingerprinted by its first bytes. */
export const FINGERPRINT_BYTES = 256;

/**
 * Pure: the fingerprint of a file whose first bytes are `head` (as many as were available, up to
 * FINGERPRINT_BYTES), or undefined while the file is too young to have a stable one.
 */
export function fingerprintOf(head: Buffer): string | undefined {
  const newline = head.indexOf(10);
  let length: number;
  if (newline !== -1 && newline < FINGERPRINT_BYTES) length = newline + 1;
  else if (head.length >= FINGERPRINT_BYTES) length = FINGERPRINT_BYTES;
  else return undefined;
  return hash('sha256', head.subarray(0, length), 'hex').slice(0, 16);
}

export function sourceIdOf(dev: number, ino: number, fingerprint: string): SourceId {
  return `${dev}:${ino}:${fingerprint}`;
}

export function fileKeyOf(dev: number, ino: number): string {
  return `${dev}:${ino}`;
}

/** Splits a SourceId back into its parts; undefined for anything not shaped like one. */
export function parseSourceId(source: SourceId): { dev: number; ino: number; fingerprint: string } | undefined {
  const match = /^(\d+):(\d+):([0-9a-f]+)$/.exec(source);
  if (match === null) return undefined;
  return { dev: Number(match[1]), ino: Number(match[2]), fingerprint: match[3]! };
}
