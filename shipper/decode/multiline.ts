/**
 * Joins the lines of one message a program printed over several lines (stack traces, or anything
 * between two lines matching a pod's start pattern) into one entry, per stream of one source.
 *
 * Every line is held until the next line of its stream (or the timeout) shows whether it continues;
 * that is the price of joining. The joined entry covers [first line's offset, last line's endOffset)
 * like a reassembled partial, so the checkpoint passes all of it once it is delivered.
 * Limits never drop data: a record that reaches `maxLines` or `maxBytes` is emitted and the next
 * continuation line starts a new one.
 */
import type { ContainerEntry, ContainerStream } from './container-entry.ts';
import { isTentative, stackTraceRules, type StackTraceLanguage, type TraceState } from './stack-trace-rules.ts';
import { utf8Length } from './utf8-limit.ts';

export interface MultilineOptions {
  /** A line matching it starts a record; a line that does not continues the previous one. */
  readonly startPattern?: RegExp;
  readonly detectors: readonly StackTraceLanguage[];
  readonly maxLines: number;
  /** Longest joined message in UTF-8 bytes (a single line longer than this is passed on alone, as decoded). */
  readonly maxBytes: number;
  /** How long a record waits for more lines, counted from the first `flushStale` that sees it waiting. */
  readonly timeoutMs: number;
}

export interface MultilineJoiner {
  push(entry: ContainerEntry): ContainerEntry[];
  flushStale(nowMs: number): ContainerEntry[];
  flush(): ContainerEntry[];
  pendingFrom(): number | undefined;
}

interface Group {
  readonly first: ContainerEntry;
  readonly messages: string[];
  /** An upper bound of the joined size (3 bytes per code unit), until it nears maxBytes... */
  upperBytes: number;
  /** ...then the exact UTF-8 size, kept from there on. */
  exactBytes: number | undefined;
  endOffset: number;
  truncated: boolean;
  state: TraceState;
  /** Lines (blank ones) that belong to the record only if a later line confirms it; else they go out alone. */
  tentative: ContainerEntry[];
  waitingSinceMs: number | undefined;
}

export function createMultilineJoiner(options: MultilineOptions): MultilineJoiner {
  const rules = stackTraceRules(options.detectors);
  const startPattern = options.startPattern === undefined ? undefined : withoutState(options.startPattern);
  const maxLines = Math.max(1, Math.floor(options.maxLines));
  const maxBytes = Math.max(1, Math.floor(options.maxBytes));
  const joining = startPattern !== undefined || options.detectors.length > 0;
  const groups: Record<ContainerStream, Group | undefined> = { stdout: undefined, stderr: undefined };

  function startGroup(entry: ContainerEntry, state: TraceState): Group {
    return {
      first: entry,
      messages: [entry.message],
      upperBytes: entry.message.length * 3,
      exactBytes: undefined,
      endOffset: entry.endOffset,
      truncated: entry.truncated === true,
      state,
      tentative: [],
      waitingSinceMs: undefined,
    };
  }

  function push(entry: ContainerEntry): ContainerEntry[] {
    // A line that did not decode has no trustworthy stream or content: it joins nothing.
    if (!joining || entry.error !== undefined) return [entry];
    const stream = entry.stream;
    const group = groups[stream];
    if (group === undefined) {
      groups[stream] = startGroup(entry, rules.opens(entry.message));
      return [];
    }
    const next = continuation(group.state, entry.message);
    if (next === undefined) {
      groups[stream] = startGroup(entry, rules.opens(entry.message));
      return emit(group);
    }
    group.waitingSinceMs = undefined;
    if (isTentative(next)) {
      group.tentative.push(entry);
      group.state = next;
      return [];
    }
    const confirmed = group.tentative.length === 0 ? [entry] : [...group.tentative, entry];
    if (group.messages.length + confirmed.length > maxLines || !confirmed.every((e) => fits(group, e.message))) {
      groups[stream] = startGroup(entry, next);
      return emit(group);
    }
    for (const line of confirmed) {
      group.messages.push(line.message);
      if (line.truncated === true) group.truncated = true;
    }
    group.tentative = [];
    group.endOffset = entry.endOffset;
    group.state = next;
    return [];
  }

  /** Whether `message` can join `group` within maxBytes; counts bytes exactly only near the limit. */
  function fits(group: Group, message: string): boolean {
    const upper = group.upperBytes + 1 + message.length * 3;
    if (group.exactBytes === undefined && upper <= maxBytes) {
      group.upperBytes = upper;
      return true;
    }
    const exact = (group.exactBytes ?? utf8Length(group.messages.join('\n'))) + 1 + utf8Length(message);
    group.exactBytes = exact > maxBytes ? group.exactBytes : exact;
    return exact <= maxBytes;
  }

  function continuation(state: TraceState, message: string): TraceState | undefined {
    const byRules = rules.continues(state, message);
    if (byRules !== undefined) return byRules;
    // Not a start: part of the record, blank lines kept aside before it included.
    if (startPattern !== undefined && !startPattern.test(message)) return isTentative(state) ? 'plain' : state;
    return undefined;
  }

  function flushStale(nowMs: number): ContainerEntry[] {
    const out: ContainerEntry[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const group = groups[stream];
      if (group === undefined) continue;
      if (group.waitingSinceMs === undefined) group.waitingSinceMs = nowMs;
      if (nowMs - group.waitingSinceMs < options.timeoutMs) continue;
      groups[stream] = undefined;
      out.push(...emit(group));
    }
    return byOffset(out);
  }

  function flush(): ContainerEntry[] {
    const out: ContainerEntry[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const group = groups[stream];
      groups[stream] = undefined;
      if (group !== undefined) out.push(...emit(group));
    }
    return byOffset(out);
  }

  function pendingFrom(): number | undefined {
    const offsets = [groups.stdout?.first.offset, groups.stderr?.first.offset].filter((o): o is number => o !== undefined);
    return offsets.length === 0 ? undefined : Math.min(...offsets);
  }

  return { push, flushStale, flush, pendingFrom };
}

/** The record, then the lines kept aside that nothing confirmed, each on its own. */
function emit(group: Group): ContainerEntry[] {
  return group.tentative.length === 0 ? [joinedEntry(group)] : [joinedEntry(group), ...group.tentative];
}

function joinedEntry(group: Group): ContainerEntry {
  if (group.messages.length === 1) return group.first;
  const { first } = group;
  const joined: ContainerEntry = {
    message: group.messages.join('\n'),
    stream: first.stream,
    timestamp: first.timestamp,
    offset: first.offset,
    endOffset: group.endOffset,
    format: first.format,
    joinedLines: group.messages.length,
  };
  return group.truncated ? { ...joined, truncated: true } : joined;
}

/** A `g` or `y` flag would make `test` remember where it stopped and skip lines on the next call. */
function withoutState(pattern: RegExp): RegExp {
  return pattern.global || pattern.sticky ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')) : pattern;
}

function byOffset(entries: ContainerEntry[]): ContainerEntry[] {
  return entries.sort((a, b) => a.offset - b.offset);
}
