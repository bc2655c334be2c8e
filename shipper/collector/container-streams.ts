/**
 * Lines of container log files → records, one file at a time:
 *
 *   Line → decoder (docker / CRI fragments joined) → multiline joiner (when configured)
 *        → container metadata (path, runtime files, API cache) → pod policy → record
 *
 * Each file (source) keeps its own decoder and joiner. A byte range that produces no record (an
 * excluded pod's entry, a file that should not have been read) is settled here at once, so the
 * checkpoint never waits for it; ranges that become records are settled by the pipeline on delivery.
 */
import type { Line, Outgoing, SourceId } from '../record.ts';
import type { ContainerEntry, Decoder } from '../decode/container-entry.ts';
import { createDecoder } from '../decode/decoder.ts';
import { createMultilineJoiner, type MultilineOptions } from '../decode/multiline.ts';
import type { PodCache } from '../enrich/kubernetes-pod-cache.ts';
import type { AnnotationFilter, PodMeta } from '../enrich/kubernetes-pod.ts';
import { containerMetadata, type ContainerMetadata, type ContainerRef } from '../enrich/kubernetes-fields.ts';
import type { ContainerResolver, Resolution } from './container-resolver.ts';
import { containerRecordOf, recordTemplateOf, type ContainerRecordOptions, type RecordTemplate } from './container-records.ts';
import { wholeCriBytesRecord, wholeDockerBytesRecord, wholeLineRecord } from './whole-line-records.ts';
import { JsonLayouts } from './json-layout-records.ts';
import { ByteLine, textLine } from '../tail/byte-line.ts';
import { readDockerEntryBytes, type DockerEntryText } from '../decode/docker-json-bytes.ts';
import { withoutTrailingCr } from '../decode/partial-joiner.ts';
import { surelyFits } from '../decode/utf8-limit.ts';

export interface ContainerStreamsOptions {
  readonly resolver: ContainerResolver;
  /** The API's pods, when the API is used. */
  readonly pods: PodCache | undefined;
  readonly nodeName: string | undefined;
  readonly keepAnnotation: AnnotationFilter;
  readonly records: ContainerRecordOptions;
  /** Longest joined container line, in bytes. */
  readonly maxBytes: number;
  readonly partialTimeoutMs: number;
  /** Multiline joining; undefined: every container line is its own record. */
  readonly multiline: Omit<MultilineOptions, 'maxBytes'> | undefined;
  readonly excludeNamespaces: readonly string[];
  /** `namespace/name` of the collector's own pod (skipped), or undefined. */
  readonly selfPod: string | undefined;
  /**
   * While this says the API watch is working, the lines of a file whose pod the cache does not know yet
   * are held up to `podWaitMs` (and `podWaitBytes` per file), so the pod's annotations — `exclude` above
   * all — apply from its first line. Undefined: never hold.
   */
  readonly apiHealthy?: () => boolean;
  readonly podWaitMs?: number;
  readonly podWaitBytes?: number;
  /** Settles a byte range consumed without a record. */
  settle(source: SourceId, offset: number, endOffset: number): void;
  /** Counts what was skipped, by bounded reason. */
  onSkip?(reason: string, bytes: number): void;
  readonly now?: () => number;
}

export interface ContainerStreams {
  /** Whether the tailer should read this path at all (false: never opened). */
  wanted(path: string): boolean;
  /** Decodes a chunk of lines; returns the records completed by it. */
  push(lines: readonly Line[]): Outgoing[];
  /** Records of partial lines and multiline groups that waited long enough (the container stopped mid-line). */
  flushStale(): Outgoing[];
  /** Drops per-file state of files idle for `idleMs` with nothing pending. */
  sweep(idleMs: number): void;
  /** Files with decoder state. */
  readonly files: number;
}

interface FileState {
  readonly source: SourceId;
  path: string;
  /** Which container; a CRI file's container id may be learnt later (the kubelet's link appears after the file). */
  resolution: Resolution;
  /** Nothing of the file is shipped (a skipped path, an excluded namespace, the collector's own pod): decided once, as the pod never changes. */
  readonly skipped: boolean;
  readonly decoder: Decoder;
  readonly joiner: ReturnType<typeof createMultilineJoiner> | undefined;
  metadata: ContainerMetadata | undefined;
  /** The API's pod the metadata was made from (the cache replaces the object when the pod changes). */
  metadataPod: PodMeta | undefined;
  /** What the file's records share, for the current path and metadata. */
  template: RecordTemplate | undefined;
  /** Last look for a missing container id. */
  idLookupAt: number;
  lastLineAt: number;
  readonly firstSeenAt: number;
  /** Lines held until the pod is known (see `apiHealthy`), in file order. */
  held: Line[];
  heldBytes: number;
  /** The record layouts of the file's JSON lines (for its current template), once it has had one. */
  jsonLayouts: JsonLayouts | undefined;
}

const REFRESH_UNRESOLVED_MS = 2_000;
/** Where a docker line's message starts: after `{"log":"`. */
const JSON_MESSAGE_AT = 8;
const dockerEntry: DockerEntryText = { stream: 'stdout', timestamp: '', content: '' };

export function createContainerStreams(options: ContainerStreamsOptions): ContainerStreams {
  const now = options.now ?? Date.now;
  const files = new Map<SourceId, FileState>();
  const excluded = new Set(options.excludeNamespaces);
  /** The tailer asks on every rescan; a path's answer never changes (it depends on the path and its link). */
  const wantedByPath = new Map<string, boolean>();

  const skippedByConfig = (ref: ContainerRef): string | undefined => {
    if (ref.pod === undefined) return undefined;
    if (excluded.has(ref.pod.namespace)) return 'namespace';
    if (options.selfPod !== undefined && `${ref.pod.namespace}/${ref.pod.name}` === options.selfPod) return 'self';
    return undefined;
  };

  const stateOf = (line: Line): FileState => {
    let state = files.get(line.source);
    if (state === undefined) {
      const resolution = options.resolver.resolve(line.path);
      state = {
        source: line.source,
        path: line.path,
        resolution,
        skipped: resolution.kind === 'skip' || skippedByConfig(resolution.ref) !== undefined,
        decoder: createDecoder({ format: 'auto', maxBytes: options.maxBytes }),
        joiner: options.multiline === undefined ? undefined : createMultilineJoiner({ ...options.multiline, maxBytes: options.maxBytes }),
        metadata: undefined,
        metadataPod: undefined,
        template: undefined,
        idLookupAt: now(),
        lastLineAt: now(),
        firstSeenAt: now(),
        held: [],
        heldBytes: 0,
        jsonLayouts: undefined,
      };
      files.set(line.source, state);
    }
    state.path = line.path;
    return state;
  };

  const metadataOf = (state: FileState): ContainerMetadata | undefined => {
    const resolution = state.resolution;
    if (resolution.kind !== 'container') return undefined;
    let ref = resolution.ref;
    let changed = state.metadata === undefined;
    if (ref.containerId === undefined && ref.runtime === undefined && now() - state.idLookupAt > REFRESH_UNRESOLVED_MS) {
      state.idLookupAt = now();
      const id = options.resolver.containerIdOf(state.path);
      if (id !== undefined) {
        ref = { ...ref, containerId: id };
        state.resolution = { ...resolution, ref };
        changed = true;
      }
    }
    const uid = ref.pod?.uid;
    const pod = uid === undefined ? undefined : options.pods?.get(uid);
    if (changed || pod !== state.metadataPod) {
      state.metadata = containerMetadata(ref, pod, { nodeName: options.nodeName, keepAnnotation: options.keepAnnotation });
      state.metadataPod = pod;
    }
    return state.metadata;
  };

  const toRecords = (state: FileState, entries: readonly ContainerEntry[], out: Outgoing[]): void => {
    if (entries.length === 0) return;
    const metadata = metadataOf(state);
    const template = metadata === undefined ? undefined : templateOf(state, metadata);
    for (const entry of entries) {
      if (metadata === undefined || metadata.policy.exclude) {
        options.settle(state.source, entry.offset, entry.endOffset);
        options.onSkip?.(metadata === undefined ? 'unresolved' : 'annotation', entry.endOffset - entry.offset);
        continue;
      }
      out.push(containerRecordOf(entry, state, metadata, options.records, template));
    }
  };

  const templateOf = (state: FileState, metadata: ContainerMetadata): RecordTemplate => {
    const known = state.template;
    if (known !== undefined && known.metadata === metadata && known.path === state.path) return known;
    return (state.template = recordTemplateOf(state, metadata, options.records));
  };

  const podWaitMs = options.podWaitMs ?? 2_000;
  const podWaitBytes = options.podWaitBytes ?? 1024 * 1024;

  /** True while the file's lines should wait for its pod's metadata. */
  const waitsForPod = (state: FileState, at: number): boolean => {
    if (options.apiHealthy === undefined || options.pods === undefined || state.resolution.kind !== 'container') return false;
    if (at - state.firstSeenAt >= podWaitMs || state.heldBytes >= podWaitBytes) return false;
    const uid = state.resolution.ref.pod?.uid;
    return uid !== undefined && options.pods.get(uid) === undefined && options.apiHealthy();
  };

  const decodeLine = (state: FileState, read: Line, out: Outgoing[]): void => {
    if (read instanceof ByteLine && state.joiner === undefined) {
      // A message starting with `{` is never a plain line when JSON is lifted (wholeLineBytes refuses it).
      const record = isJsonMessageLine(read) ? jsonLayoutRecord(state, read) : wholeLineBytes(state, read);
      if (record !== undefined) {
        out.push(record);
        return;
      }
      const entry = jsonMessageEntry(state, read);
      if (entry !== undefined) {
        toRecords(state, [entry], out);
        return;
      }
    }
    // Every other way reads the line's text, some of them more than once: decode it once.
    const line = textLine(read);
    const record = state.joiner === undefined && line.truncated !== true ? wholeLine(state, line) : undefined;
    if (record !== undefined) out.push(record);
    else toRecords(state, joined(state, state.decoder.push(line)), out);
  };

  /** Whether JSON messages are lifted and the line's docker `log` value starts with `{` (an application's JSON, maybe). */
  const isJsonMessageLine = (line: ByteLine): boolean => options.records.parseJson && line.bytes[line.start + JSON_MESSAGE_AT] === 0x7b;

  /**
   * The decoder's entry of a whole docker line whose message starts with `{` (an application's JSON, to be
   * lifted), made from its bytes: the text way would find the `{`, skip `wholeLine`, and have the decoder
   * make this very entry of the line's text (see `readDockerEntryBytes`). Undefined for anything else.
   */
  const jsonMessageEntry = (state: FileState, line: ByteLine): ContainerEntry | undefined => {
    if (!isJsonMessageLine(line)) return undefined;
    if (state.decoder.format() !== 'docker' || state.decoder.pendingFrom() !== undefined) return undefined;
    if (!readDockerEntryBytes(line.bytes, line.start, line.end, dockerEntry)) return undefined;
    // Longer ones the joiner measures and may cut: left to it.
    if (!surelyFits(dockerEntry.content, maxBytes)) return undefined;
    return { message: withoutTrailingCr(dockerEntry.content), stream: dockerEntry.stream, timestamp: dockerEntry.timestamp, offset: line.offset, endOffset: line.endOffset, format: 'docker' };
  };

  /**
   * The record of a whole docker line whose message is an application's flat JSON object, from its
   * layout's template (see json-layout-records.ts); undefined when the line is not one, or its layout
   * cannot be a template. For a line `isJsonMessageLine` accepts; the other conditions are those of
   * `jsonMessageEntry`, and a usable record template.
   */
  const jsonLayoutRecord = (state: FileState, line: ByteLine): Outgoing | undefined => {
    if (state.decoder.format() !== 'docker') return undefined;
    const template = wholeLineTemplate(state);
    if (template === undefined) return undefined;
    let layouts = state.jsonLayouts;
    if (layouts === undefined || layouts.template !== template) {
      const careful = (entry: ContainerEntry): Outgoing => containerRecordOf(entry, state, template.metadata, options.records, template);
      layouts = state.jsonLayouts = new JsonLayouts(template, careful, (learnt) => jsonMessageEntry(state, learnt));
    }
    return layouts.record(line, maxBytes);
  };

  /**
   * The file's record template when its next whole line may skip the decoder (see whole-line-records.ts):
   * the format is known, no partial entry is pending, and the container's metadata is known, not
   * excluded, and lets its records share the template. Undefined otherwise.
   */
  const wholeLineTemplate = (state: FileState): RecordTemplate | undefined => {
    if (state.decoder.format() === undefined || state.decoder.pendingFrom() !== undefined) return undefined;
    const metadata = metadataOf(state);
    if (metadata === undefined || metadata.policy.exclude) return undefined;
    const template = templateOf(state, metadata);
    return template.usable ? template : undefined;
  };

  /** A whole plain docker or CRI line's record from its bytes, on the same terms as `wholeLine`. */
  const wholeLineBytes = (state: FileState, line: ByteLine): Outgoing | undefined => {
    const template = wholeLineTemplate(state);
    if (template === undefined) return undefined;
    return state.decoder.format() === 'docker' ? wholeDockerBytesRecord(line, template, maxBytes) : wholeCriBytesRecord(line, template, maxBytes);
  };

  /** The line's record in one step, when it is a whole plain entry the decoder need not see. */
  const wholeLine = (state: FileState, line: Line): Outgoing | undefined => {
    const template = wholeLineTemplate(state);
    const format = state.decoder.format();
    return template === undefined || format === undefined ? undefined : wholeLineRecord(line.text, format, line.offset, line.endOffset, template, maxBytes);
  };
  /** As the decoder rounds it. */
  const maxBytes = Math.max(1, Math.floor(options.maxBytes));

  const release = (state: FileState, out: Outgoing[]): void => {
    const held = state.held;
    state.held = [];
    state.heldBytes = 0;
    for (const line of held) decodeLine(state, line, out);
  };

  const joined = (state: FileState, entries: ContainerEntry[]): ContainerEntry[] => {
    if (state.joiner === undefined || entries.length === 0) return entries;
    const out: ContainerEntry[] = [];
    for (const entry of entries) out.push(...state.joiner.push(entry));
    return out;
  };

  return {
    wanted(path) {
      const known = wantedByPath.get(path);
      if (known !== undefined) return known;
      const resolution = options.resolver.resolve(path);
      const reason = resolution.kind === 'skip' ? resolution.reason : skippedByConfig(resolution.ref);
      if (reason !== undefined) options.onSkip?.(reason, 0);
      if (wantedByPath.size >= 100_000) wantedByPath.clear();
      wantedByPath.set(path, reason === undefined);
      return reason === undefined;
    },
    push(lines) {
      const out: Outgoing[] = [];
      const at = now();
      // A chunk's lines come from one file (the tailer reads one at a time): its state is looked up once.
      let state: FileState | undefined;
      for (const line of lines) {
        if (state === undefined || state.source !== line.source) state = stateOf(line);
        else state.path = line.path;
        state.lastLineAt = at;
        if (state.skipped) {
          options.settle(line.source, line.offset, line.endOffset);
          continue;
        }
        if (state.held.length > 0 || waitsForPod(state, at)) {
          // Kept past this chunk: a line still in the tailer's read buffer is decoded now.
          state.held.push(textLine(line));
          state.heldBytes += line.endOffset - line.offset;
          if (!waitsForPod(state, at)) release(state, out);
          continue;
        }
        decodeLine(state, line, out);
      }
      return out;
    },
    flushStale() {
      const out: Outgoing[] = [];
      const at = now();
      for (const state of files.values()) if (state.held.length > 0 && !waitsForPod(state, at)) release(state, out);
      for (const state of files.values()) {
        if (state.decoder.pendingFrom() === undefined && state.joiner?.pendingFrom() === undefined) continue;
        const entries = joined(state, state.decoder.flushStale(at, options.partialTimeoutMs));
        if (state.joiner !== undefined) entries.push(...state.joiner.flushStale(at));
        toRecords(state, entries, out);
      }
      return out;
    },
    sweep(idleMs) {
      const cutoff = now() - idleMs;
      for (const [source, state] of files) {
        if (state.lastLineAt > cutoff || state.held.length > 0) continue;
        if (state.decoder.pendingFrom() !== undefined || state.joiner?.pendingFrom() !== undefined) continue;
        files.delete(source);
      }
    },
    get files() {
      return files.size;
    },
  };
}
