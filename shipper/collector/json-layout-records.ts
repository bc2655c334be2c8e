/**
 * Records of an application's JSON lines from a per-layout template, written straight from the line's
 * bytes.
 *
 * Most applications log the same keys in the same order, with values of the same kinds
 * (`{"level":"info","ts":…,"msg":…}`). The careful path parses each such line twice (docker's string,
 * then the application's object), lifts its fields into a new object and serializes that again: about
 * 3 µs a line. Yet for a flat object whose strings need no escaping of their own (see
 * ../decode/docker-json-object-bytes.ts), the document it makes is the same constant text for every
 * line of one layout with the line's values — as written in the line — at fixed places.
 *
 * A layout (its keys, each value's kind, the stream) is learnt once per file: the careful path itself
 * makes the record of a stand-in line whose values are unique markers, and where each marker lands in
 * that document says where the value goes (lifted, nested, kept under `json`, converted). Markers keep
 * what decides the careful path's choices: a marker string for a string, a marker integer for a
 * number, a valid time for a valid `@timestamp`; empty strings, booleans and `null` stay as they are,
 * part of the layout. The only values not copied as written are the ones the careful path converts: a
 * lifted `@timestamp` (written as `toCanonicalUtc` writes it) and a lifted numeric level (its name).
 * Before a layout is used, its template must write the very record the careful path writes for the
 * line that taught it; otherwise the layout is remembered as not templatable. A property test holds
 * the records made here to the careful path's on random layouts and values.
 */
import type { ContainerEntry, ContainerStream } from '../decode/container-entry.ts';
import { copyAll, copyBytes } from '../decode/copy-bytes.ts';
import { readDockerLayout, type WholeDockerBytes } from '../decode/docker-json-bytes.ts';
import { memoryViewOf } from '../decode/memory-views.ts';
import { copyUnescaped, EMPTY_STRING, emptyFlatObject, FALSE, NUMBER, NULL, readFlatObjectBytes, STRING, TRUE, type FlatObjectBytes } from '../decode/docker-json-object-bytes.ts';
import { liftKindOf, numericLevelName } from '../decode/json-message.ts';
import { toCanonicalUtc } from '../decode/timestamp.ts';
import { CANONICAL_UTC_BYTES, isUtcTimeBytes, writeCanonicalUtc } from '../decode/utc-time-bytes.ts';
import { digitCount, writeDigits } from '../kit/digit-bytes.ts';
import type { Outgoing } from '../record.ts';
import { actionLineBytes, commitRecord, reserveRecord, writeActionLine } from '../sink/bulk-record.ts';
import type { ByteLine } from '../tail/byte-line.ts';
import type { RecordTemplate } from './container-records.ts';

/** How a slot of a layout's document is filled from the line. */
const VALUE = 0;
/** A lifted `@timestamp`: the value as `toCanonicalUtc` writes it. */
const DATE = 1;
/** A lifted numeric level: its name (`numericLevelName`), between the template's quotes. */
const LEVEL = 2;
/** The runtime's time (when the message has no `@timestamp` of its own). */
const RUNTIME_TIME = 3;
const OFFSET = 4;
/** The whole message as docker escaped it (when the message has no `message`/`msg` of its own). */
const WHOLE_MESSAGE = 5;

interface Slot {
  readonly how: number;
  /** The member whose value fills it (VALUE, DATE, LEVEL). */
  readonly member: number;
}

/** The document of every line of one layout: `parts[0] slot[0] parts[1] … slot[n-1] parts[n]`. */
interface Layout {
  readonly stream: ContainerStream;
  /** The members' keys, one after the other, and where each ends. */
  readonly keys: Buffer;
  /** `keys` read four bytes at a time. */
  readonly keyWords: DataView;
  readonly keyEnds: readonly number[];
  readonly kinds: readonly number[];
  readonly parts: readonly Buffer[];
  readonly slots: readonly Slot[];
  /** Bytes of all parts. */
  readonly partBytes: number;
  /** Members whose value needs converting before the size is known: their DATE or LEVEL slot. */
  readonly converted: readonly Slot[];
}

/** How the careful path makes a container entry's record (`containerRecordOf` with the file's template). */
export type CarefulRecord = (entry: ContainerEntry) => Outgoing;

/** Layouts of one file, for one record template (a new template — path or metadata changed — starts over). */
export class JsonLayouts {
  readonly template: RecordTemplate;
  /** Recently used layouts, newest first: a line is checked against these before anything is built. */
  #recent: Layout[] = [];
  /** Every layout seen by its description (`describe`); null: not templatable. */
  #known = new Map<string, Layout | null>();
  #learnt = 0;
  #used = 0;

  readonly #careful: CarefulRecord;
  readonly #entryOf: (line: ByteLine) => ContainerEntry | undefined;

  /** `entryOf` gives a line's entry for the careful path (used when a layout is learnt from the line). */
  constructor(template: RecordTemplate, careful: CarefulRecord, entryOf: (line: ByteLine) => ContainerEntry | undefined) {
    this.template = template;
    this.#careful = careful;
    this.#entryOf = entryOf;
  }

  /**
   * The record of a whole docker line whose message is a flat JSON object of a templatable layout,
   * written from its bytes; undefined when the line is anything else (the caller takes the careful
   * path).
   */
  record(line: ByteLine, maxBytes: number): Outgoing | undefined {
    const bytes = line.bytes;
    if (!readDockerLayout(bytes, line.start, line.end, docker)) return undefined;
    // The careful path's bound on the message (the decoder may cut longer ones): a byte is at most one UTF-16 unit.
    if ((docker.messageEnd - docker.messageStart) * 3 > maxBytes) return undefined;
    if (!readFlatObjectBytes(bytes, docker.messageStart, docker.messageEnd, members)) return undefined;
    let layout = this.#recentLayout(bytes, docker.stream);
    if (layout === undefined) {
      const description = describe(bytes, docker.stream);
      const known = this.#known.get(description);
      if (known === null) return undefined;
      if (known !== undefined) {
        layout = known;
      } else {
        // A file whose lines keep bringing new layouts is left to the careful path (learning costs more).
        if (this.#learnt > MIN_LEARNT + this.#used / USES_PER_LEARNT) return undefined;
        this.#learnt++;
        if (this.#known.size >= MOST_LAYOUTS) this.#known.clear();
        return this.#learn(line, description);
      }
      this.#recent.unshift(layout);
      if (this.#recent.length > RECENT_LAYOUTS) this.#recent.pop();
    }
    if (!convert(layout, bytes)) return undefined;
    this.#used++;
    const size = recordSize(layout, this.template, line.offset);
    const space = reserveRecord(size);
    writeRecord(layout, this.template, line, space.bytes, space.at);
    return commitRecord(this.template.index, this.template.source, line.offset, line.endOffset, writtenBodyStart, writtenEnd);
  }

  #recentLayout(bytes: Buffer, stream: ContainerStream): Layout | undefined {
    const recent = this.#recent;
    for (let i = 0; i < recent.length; i++) {
      const layout = recent[i]!;
      if (fits(layout, bytes, stream)) {
        if (i > 0) {
          recent.splice(i, 1);
          recent.unshift(layout);
        }
        return layout;
      }
    }
    return undefined;
  }

  /** Learns the line's layout; the line's record is the careful path's either way. */
  #learn(line: ByteLine, description: string): Outgoing | undefined {
    const entry = this.#entryOf(line);
    if (entry === undefined) return undefined;
    const bytes = line.bytes;
    const layout = layoutOf(bytes, docker.stream, this.template, this.#careful);
    const record = this.#careful(entry);
    if (layout === undefined) {
      this.#known.set(description, null);
    } else if (convert(layout, bytes)) {
      const size = recordSize(layout, this.template, line.offset);
      const scratch = Buffer.alloc(size);
      writeRecord(layout, this.template, line, scratch, 0);
      const same = writtenEnd === size && record.bytes === size && record.index === this.template.index && record.body === scratch.toString('utf8', writtenBodyStart, writtenEnd - 1);
      this.#known.set(description, same ? layout : null);
    }
    // (A layout whose `@timestamp` did not convert in this line is learnt again from a later one.)
    return record;
  }
}

const RECENT_LAYOUTS = 4;
const MOST_LAYOUTS = 64;
const MIN_LEARNT = 16;
const USES_PER_LEARNT = 64;

// Written in place per line (the hot path is synchronous): one of each for the whole process.
const docker: WholeDockerBytes = { stream: 'stdout', messageStart: 0, messageEnd: 0, timeStart: 0, timeEnd: 0, timestamp: undefined, escapes: 0 };
const members: FlatObjectBytes = emptyFlatObject();
/** Converted values of the current line, by member; undefined for a time written from its bytes. */
const convertedValues: Array<string | undefined> = [];

/** Whether the line just read (`members`) has `layout`'s keys, kinds and stream. */
function fits(layout: Layout, bytes: Buffer, stream: ContainerStream): boolean {
  const count = members.count;
  if (layout.stream !== stream || layout.kinds.length !== count) return false;
  const keys = layout.keys;
  const keyWords = layout.keyWords;
  const line = memoryViewOf(bytes);
  const base = bytes.byteOffset;
  let keyAt = 0;
  for (let i = 0; i < count; i++) {
    if (layout.kinds[i] !== members.kind[i]) return false;
    const start = members.keyStart[i]!;
    const length = members.keyEnd[i]! - start;
    const keyEnd = layout.keyEnds[i]!;
    if (keyEnd - keyAt !== length) return false;
    // Four bytes at a time, then the rest (keys are mostly 4 to 16 bytes).
    let j = 0;
    for (; j + 4 <= length; j += 4) if (keyWords.getInt32(keyAt + j, true) !== line.getInt32(base + start + j, true)) return false;
    for (; j < length; j++) if (keys[keyAt + j] !== bytes[start + j]) return false;
    keyAt = keyEnd;
  }
  return true;
}

/** The line's layout as a string (a map key): stream, then each member's kind and key. */
function describe(bytes: Buffer, stream: ContainerStream): string {
  let description = stream;
  for (let i = 0; i < members.count; i++) description += `\u0000${members.kind[i]}${bytes.toString('latin1', members.keyStart[i], members.keyEnd[i])}`;
  return description;
}

/** Converts the line's DATE and LEVEL values (into `convertedValues`); false when a time does not convert. */
function convert(layout: Layout, bytes: Buffer): boolean {
  for (const slot of layout.converted) {
    const start = members.valueStart[slot.member]!;
    const end = members.valueEnd[slot.member]!;
    if (slot.how === DATE) {
      if (isUtcTimeBytes(bytes, start, end)) {
        // Written from its bytes (see writeRecord).
        convertedValues[slot.member] = undefined;
        continue;
      }
      for (let i = start; i < end; i++) if (bytes[i]! > 0x7f) return false;
      const time = toCanonicalUtc(bytes.toString('latin1', start, end));
      if (time === undefined) return false;
      convertedValues[slot.member] = time;
    } else {
      convertedValues[slot.member] = numericLevelName(Number(bytes.toString('latin1', start, end)));
    }
  }
  return true;
}

function recordSize(layout: Layout, template: RecordTemplate, offset: number): number {
  let size = actionLineBytes(template.head, offset) + layout.partBytes + 1;
  for (const slot of layout.slots) {
    switch (slot.how) {
      case VALUE: size += members.valueEnd[slot.member]! - members.valueStart[slot.member]! - members.saved[slot.member]!; break;
      case DATE: case LEVEL: size += convertedValues[slot.member]?.length ?? CANONICAL_UTC_BYTES; break;
      case RUNTIME_TIME: size += docker.timestamp === undefined ? docker.timeEnd - docker.timeStart : docker.timestamp.length; break;
      case OFFSET: size += digitCount(offset, 10); break;
      default: size += docker.messageEnd - docker.messageStart - members.savedInAll;
    }
  }
  return size;
}

/** Where the record `writeRecord` just wrote has its document start, and where it ends (module-level: this runs per record). */
let writtenBodyStart = 0;
let writtenEnd = 0;

/** Writes the line's record at `at`: the action line, then the layout's document (see `writtenBodyStart`, `writtenEnd`). */
function writeRecord(layout: Layout, template: RecordTemplate, line: ByteLine, target: Buffer, at: number): void {
  const bytes = line.bytes;
  const offset = line.offset;
  let pos = writeActionLine(target, at, template.head, offset);
  writtenBodyStart = pos;
  const { parts, slots } = layout;
  for (let i = 0; i < slots.length; i++) {
    pos = copyAll(parts[i]!, target, pos);
    const slot = slots[i]!;
    switch (slot.how) {
      case VALUE:
        pos = members.saved[slot.member] === 0
          ? copyBytes(bytes, members.valueStart[slot.member]!, members.valueEnd[slot.member]!, target, pos)
          : copyUnescaped(bytes, members.valueStart[slot.member]!, members.valueEnd[slot.member]!, target, pos);
        break;
      // Canonical times and level names are ASCII.
      case DATE: case LEVEL: {
        const converted = convertedValues[slot.member];
        pos = converted === undefined ? writeCanonicalUtc(bytes, members.valueStart[slot.member]!, members.valueEnd[slot.member]!, target, pos) : pos + target.write(converted, pos, 'latin1');
        break;
      }
      case RUNTIME_TIME:
        pos = docker.timestamp === undefined ? copyBytes(bytes, docker.timeStart, docker.timeEnd, target, pos) : pos + target.write(docker.timestamp, pos, 'latin1');
        break;
      case OFFSET: pos = writeDigits(target, pos, offset, 10); break;
      default: pos = members.savedInAll === 0 ? copyBytes(bytes, docker.messageStart, docker.messageEnd, target, pos) : copyUnescaped(bytes, docker.messageStart, docker.messageEnd, target, pos);
    }
  }
  pos = copyAll(parts[slots.length]!, target, pos);
  target[pos++] = 0x0a;
  writtenEnd = pos;
}

// Markers: values no line of a templatable layout can hold where they are looked for.
const RUNTIME_MARKER = '1888-08-08T08:08:08.888888888Z';
const OFFSET_MARKER = 7_345_678_901_234;
const numberMarker = (member: number): string => `481516234${String(member).padStart(4, '0')}`;
const dateMarker = (member: number): string => `2999-01-01T00:00:00.00000${String(member).padStart(4, '0')}Z`;
/** A string of two control characters around the member number: JSON escapes them, no copied value has them. */
const stringMarker = (member: number): string => `\\u0001${member}\\u0002`;

interface Found {
  readonly at: number;
  readonly length: number;
  readonly slot: Slot;
}

/**
 * The layout of the line just read, learnt from the careful path's record of a stand-in line with
 * markers for values; undefined when the layout cannot be a template (duplicate keys, a marker that
 * does not land exactly once, a record of another index).
 */
function layoutOf(bytes: Buffer, stream: ContainerStream, template: RecordTemplate, careful: CarefulRecord): Layout | undefined {
  const count = members.count;
  if (count > 1000) return undefined;
  const keys: string[] = [];
  const kinds: number[] = [];
  const fields: string[] = [];
  const markers: Array<{ text: string; member: number; digits: boolean; date: boolean }> = [];
  for (let i = 0; i < count; i++) {
    const key = bytes.toString('utf8', members.keyStart[i], members.keyEnd[i]);
    if (keys.includes(key)) return undefined;
    keys.push(key);
    const kind = members.kind[i]!;
    kinds.push(kind);
    let value: string;
    switch (kind) {
      case STRING:
        if (liftKindOf(key) === 'date') {
          value = `"${dateMarker(i)}"`;
          markers.push({ text: dateMarker(i), member: i, digits: false, date: true });
        } else {
          value = `"${stringMarker(i)}"`;
          markers.push({ text: stringMarker(i), member: i, digits: false, date: false });
        }
        break;
      case NUMBER:
        value = numberMarker(i);
        markers.push({ text: value, member: i, digits: true, date: false });
        break;
      case EMPTY_STRING: value = '""'; break;
      case TRUE: value = 'true'; break;
      case FALSE: value = 'false'; break;
      case NULL: value = 'null'; break;
      default: return undefined;
    }
    fields.push(`"${key}":${value}`);
  }
  const message = `{${fields.join(',')}}`;
  const standIn: ContainerEntry = { message, stream, timestamp: RUNTIME_MARKER, offset: OFFSET_MARKER, endOffset: OFFSET_MARKER + 1, format: 'docker' };
  const record = careful(standIn);
  if (record.index !== template.index) return undefined;
  const body = record.body;
  const found: Found[] = [];
  // The whole message first: the markers inside it are its own, not slots.
  const whole = JSON.stringify(message).slice(1, -1);
  const wholeAt = occurrences(body, whole, false, []);
  if (wholeAt.length > 1) return undefined;
  const outside = wholeAt.map((at) => [at, at + whole.length] as const);
  if (wholeAt.length === 1) found.push({ at: wholeAt[0]!, length: whole.length, slot: { how: WHOLE_MESSAGE, member: -1 } });
  for (const marker of markers) {
    const at = occurrences(body, marker.text, marker.digits, outside);
    if (at.length !== 1) return undefined;
    const quoted = body[at[0]! - 1] === '"' && body[at[0]! + marker.text.length] === '"';
    const how = marker.date ? DATE : marker.digits && quoted && liftKindOf(keys[marker.member]!) === 'level' ? LEVEL : VALUE;
    found.push({ at: at[0]!, length: marker.text.length, slot: { how, member: marker.member } });
  }
  const times = occurrences(body, RUNTIME_MARKER, false, outside);
  if (times.length > 1) return undefined;
  if (times.length === 1) found.push({ at: times[0]!, length: RUNTIME_MARKER.length, slot: { how: RUNTIME_TIME, member: -1 } });
  const offsets = occurrences(body, String(OFFSET_MARKER), true, outside);
  if (offsets.length !== 1) return undefined;
  found.push({ at: offsets[0]!, length: String(OFFSET_MARKER).length, slot: { how: OFFSET, member: -1 } });
  found.sort((a, b) => a.at - b.at);
  const parts: Buffer[] = [];
  let from = 0;
  for (const { at, length } of found) {
    if (at < from) return undefined;
    parts.push(Buffer.from(body.slice(from, at), 'utf8'));
    from = at + length;
  }
  parts.push(Buffer.from(body.slice(from), 'utf8'));
  const keyBuffers = keys.map((key) => Buffer.from(key, 'utf8'));
  const keyEnds: number[] = [];
  let keyEnd = 0;
  for (const key of keyBuffers) keyEnds.push((keyEnd += key.length));
  const slots = found.map((f) => f.slot);
  const allKeys = Buffer.concat(keyBuffers);
  return {
    stream,
    keys: allKeys,
    keyWords: new DataView(allKeys.buffer, allKeys.byteOffset, allKeys.length),
    keyEnds,
    kinds,
    parts,
    slots,
    partBytes: parts.reduce((sum, part) => sum + part.length, 0),
    converted: slots.filter((slot) => slot.how === DATE || slot.how === LEVEL),
  };
}

/** Where `text` occurs in `body` outside the `outside` ranges; for digits, only where no digit touches it. */
function occurrences(body: string, text: string, digits: boolean, outside: ReadonlyArray<readonly [number, number]>): number[] {
  const found: number[] = [];
  for (let at = body.indexOf(text); at !== -1; at = body.indexOf(text, at + 1)) {
    if (outside.some(([start, end]) => at < end && at + text.length > start)) continue;
    if (digits && (isDigit(body.charCodeAt(at - 1)) || isDigit(body.charCodeAt(at + text.length)))) continue;
    found.push(at);
  }
  return found;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}
