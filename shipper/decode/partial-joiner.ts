/**
 * Joins a runtime's fragments of one logical line back together, separately per stream.
 *
 * docker ends a fragment without `\n` when it split the line (at 16 KiB); CRI tags it `P` and the
 * last one `F` (conmon's last `F` may be empty). stdout and stderr are separate pipes, so their
 * fragments interleave in the file and must never be mixed: each stream has its own pending line.
 * The joined entry covers [first fragment's offset, last fragment's endOffset), so the checkpoint
 * can pass every consumed fragment once the entry is delivered.
 */
import type { ContainerEntry, ContainerLogFormat, ContainerStream } from './container-entry.ts';
import { cutToUtf8Bytes, surelyFits, utf8Length } from './utf8-limit.ts';

/** One decoded physical line of a container log. */
export interface Fragment {
  readonly stream: ContainerStream;
  /** The fragment's content, without docker's `\n`. */
  readonly content: string;
  /** This fragment ends the logical line (docker: had `\n`; CRI: `F`). */
  readonly last: boolean;
  readonly timestamp: string;
  readonly offset: number;
  readonly endOffset: number;
  /** The tailer cut this physical line. */
  readonly truncated: boolean;
}

export interface PartialJoiner {
  add(fragment: Fragment): ContainerEntry | undefined;
  flushStale(nowMs: number, timeoutMs: number): ContainerEntry[];
  flush(): ContainerEntry[];
  pendingFrom(): number | undefined;
}

interface Pending {
  parts: string[];
  bytes: number;
  offset: number;
  endOffset: number;
  timestamp: string;
  truncated: boolean;
  /** When a `flushStale` call first saw this line waiting since its last fragment. */
  waitingSinceMs: number | undefined;
}

export function createPartialJoiner(format: ContainerLogFormat, maxBytes: number): PartialJoiner {
  let stdout: Pending | undefined;
  let stderr: Pending | undefined;

  function entry(stream: ContainerStream, message: string, timestamp: string, offset: number, endOffset: number, truncated: boolean): ContainerEntry {
    if (!truncated) message = withoutTrailingCr(message);
    return truncated
      ? { message, stream, timestamp, offset, endOffset, truncated: true, format }
      : { message, stream, timestamp, offset, endOffset, format };
  }

  function complete(stream: ContainerStream, pending: Pending): ContainerEntry {
    return entry(stream, pending.parts.join(''), pending.timestamp, pending.offset, pending.endOffset, pending.truncated);
  }

  function append(pending: Pending, fragment: Fragment): void {
    pending.endOffset = fragment.endOffset;
    pending.waitingSinceMs = undefined;
    if (fragment.truncated) pending.truncated = true;
    // Once full, the rest of the logical line is consumed (its bytes stay covered) but dropped.
    if (pending.bytes >= maxBytes) {
      if (fragment.content.length > 0) pending.truncated = true;
      return;
    }
    const remaining = maxBytes - pending.bytes;
    let content = fragment.content;
    if (!surelyFits(content, remaining)) {
      const cut = cutToUtf8Bytes(content, remaining);
      if (cut.length < content.length) {
        pending.truncated = true;
        content = cut;
        pending.bytes = maxBytes;
        pending.parts.push(content);
        return;
      }
    }
    pending.bytes += utf8Length(content);
    pending.parts.push(content);
  }

  function start(fragment: Fragment): Pending {
    const pending: Pending = {
      parts: [],
      bytes: 0,
      offset: fragment.offset,
      endOffset: fragment.endOffset,
      timestamp: fragment.timestamp,
      truncated: false,
      waitingSinceMs: undefined,
    };
    append(pending, fragment);
    return pending;
  }

  function add(fragment: Fragment): ContainerEntry | undefined {
    const stream = fragment.stream;
    const pending = stream === 'stdout' ? stdout : stderr;
    if (pending === undefined) {
      // The common case, a whole line in one fragment, needs no state and no copy.
      if (fragment.last && surelyFits(fragment.content, maxBytes)) {
        return entry(stream, fragment.content, fragment.timestamp, fragment.offset, fragment.endOffset, fragment.truncated);
      }
      const started = start(fragment);
      if (fragment.last) return complete(stream, started);
      if (stream === 'stdout') stdout = started;
      else stderr = started;
      return undefined;
    }
    append(pending, fragment);
    if (!fragment.last) return undefined;
    if (stream === 'stdout') stdout = undefined;
    else stderr = undefined;
    return complete(stream, pending);
  }

  function flushStale(nowMs: number, timeoutMs: number): ContainerEntry[] {
    const out: ContainerEntry[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const pending = stream === 'stdout' ? stdout : stderr;
      if (pending === undefined) continue;
      if (pending.waitingSinceMs === undefined) pending.waitingSinceMs = nowMs;
      if (nowMs - pending.waitingSinceMs < timeoutMs) continue;
      out.push(complete(stream, pending));
      if (stream === 'stdout') stdout = undefined;
      else stderr = undefined;
    }
    return byOffset(out);
  }

  function flush(): ContainerEntry[] {
    const out: ContainerEntry[] = [];
    if (stdout !== undefined) out.push(complete('stdout', stdout));
    if (stderr !== undefined) out.push(complete('stderr', stderr));
    stdout = undefined;
    stderr = undefined;
    return byOffset(out);
  }

  function pendingFrom(): number | undefined {
    if (stdout === undefined) return stderr?.offset;
    if (stderr === undefined) return stdout.offset;
    return Math.min(stdout.offset, stderr.offset);
  }

  return { add, flushStale, flush, pendingFrom };
}

/** An entry's message as the joiner gives it: one trailing `\r` dropped (CRLF line endings). */
export function withoutTrailingCr(message: string): string {
  return message.endsWith('\r') ? message.slice(0, -1) : message;
}

function byOffset(entries: ContainerEntry[]): ContainerEntry[] {
  if (entries.length === 2 && entries[0]!.offset > entries[1]!.offset) entries.reverse();
  return entries;
}
