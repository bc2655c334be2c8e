/**
 * nginx access log parser, compiled from the `log_format` that wrote the log.
 *
 * The format is split once into literals and variables; a line is then read by looking for each
 * next literal with `indexOf`: no regular expression, no backtracking, one pass over the line.
 * That works because nginx escapes `"` inside values (`\x22`, or `\"` with escape=json), so a
 * quote in the line is always the format's own.
 *
 * JSON-object formats (`escape=json` with `'{"status":$status,…}'`) are read with JSON.parse and
 * mapped by the template's keys; a line that is not valid JSON is scanned as text instead.
 */
import type { Parser } from '../record.ts';
import type { FieldObject } from './fields.ts';
import { assembleRecord, NginxFields } from './nginx-fields.ts';
import { decodeJsonEscapes, decodeNginxEscapes } from './nginx-escape.ts';
import { resolveFormat, type JsonTemplateField, type LiteralFormat, type NginxEscape, type ValueEscape } from './nginx-format.ts';
import { fieldForVariable, type VariableWriter } from './nginx-variables.ts';

export const NGINX_ACCESS_DATASET = 'nginx.access';

export interface AccessFormatOptions {
  /**
   * How nginx escaped values (`log_format … escape=`). Default: what a pasted directive says (nginx's
   * `default` when it says nothing); for a bare JSON-object format, JSON where a value is valid JSON
   * string content and nginx's `\xHH` otherwise; else `default`.
   */
  readonly escape?: NginxEscape;
}

/** One variable's writer with its place in the format (the index of its value). */
interface Slot {
  readonly variable: string;
  readonly index: number;
  readonly write: VariableWriter;
}

function byteOffset(text: string, index: number): number {
  return Buffer.byteLength(text.slice(0, index));
}

/** `index` is preceded by an odd number of backslashes, i.e. the character there is escaped. */
function isEscaped(text: string, index: number): boolean {
  let backslashes = 0;
  for (let i = index - 1; i >= 0 && text.charCodeAt(i) === 92; i--) backslashes++;
  return backslashes % 2 === 1;
}

/** First occurrence of `literal` at or after `from`; with JSON escaping, skipping escaped quotes. */
function findLiteral(text: string, literal: string, from: number, jsonEscaped: boolean): number {
  let at = text.indexOf(literal, from);
  if (jsonEscaped) while (at >= 0 && isEscaped(text, at)) at = text.indexOf(literal, at + 1);
  return at;
}

/**
 * A space at `at` belongs to an upstream list (`10.0.0.1:80, 10.0.0.2:80 : 10.0.0.3:80`) rather
 * than ending it: it follows a comma, or is one of the spaces around ` : `.
 */
function isInsideUpstreamList(text: string, at: number): boolean {
  const before = text.charCodeAt(at - 1);
  return before === 44 /* , */ || (before === 58 /* : */ && text.charCodeAt(at - 2) === 32) || text.startsWith(' : ', at);
}

function describe(literal: string): string {
  return JSON.stringify(literal);
}

/**
 * Reads the values of a literal format out of `text` into `values`, and where each starts in `text` into
 * `starts` when given. Returns undefined on success, else why the text does not match.
 */
function scanLiteralFormat(text: string, format: LiteralFormat, jsonEscaped: boolean, values: string[], starts?: Int32Array): string | undefined {
  const { literals, variables, listValued } = format;
  const first = literals[0]!;
  if (!text.startsWith(first)) return `expected ${describe(first)} at byte 0`;
  let position = first.length;
  const lastVariable = variables.length - 1;
  for (let v = 0; v < lastVariable; v++) {
    const literal = literals[v + 1]!;
    let end = findLiteral(text, literal, position, jsonEscaped);
    if (listValued[v] && literal.charCodeAt(0) === 32) {
      while (end >= 0 && isInsideUpstreamList(text, end)) end = findLiteral(text, literal, end + 1, jsonEscaped);
    }
    if (end < 0) return `expected ${describe(literal)} after $${variables[v]} at byte ${byteOffset(text, position)}`;
    if (starts !== undefined) starts[v] = position;
    values[v] = text.slice(position, end);
    position = end + literal.length;
  }
  // The last value runs to the format's closing literal, which must end the line.
  const closing = literals[lastVariable + 1]!;
  if (!text.endsWith(closing) || text.length - closing.length < position) {
    return `expected ${describe(closing)} at the end of the line after $${variables[lastVariable]} (byte ${byteOffset(text, position)})`;
  }
  if (starts !== undefined) starts[lastVariable] = position;
  values[lastVariable] = text.slice(position, text.length - closing.length);
  return undefined;
}

/** The variables' slots in the order their writers run: by priority, then as in the format. */
function slotsInWriteOrder(variables: readonly string[]): Slot[] {
  const fields = variables.map((variable, index) => ({ variable, index, ...fieldForVariable(variable) }));
  fields.sort((a, b) => a.priority - b.priority || a.index - b.index);
  return fields.map(({ variable, index, write }) => ({ variable, index, write }));
}

/**
 * Reads scanned values into fields: `-` means absent; escapes are undone before writing (`decode`
 * undefined: the line holds none). Returns why on failure.
 */
function readValues(slots: readonly Slot[], values: readonly (string | undefined)[], decode: ((value: string) => string) | undefined): NginxFields | string {
  const fields = new NginxFields();
  for (let s = 0; s < slots.length; s++) {
    const slot = slots[s]!;
    const raw = values[slot.index];
    if (raw === undefined || raw === '-' || raw === '') continue;
    const problem = slot.write(fields, decode === undefined ? raw : decode(raw));
    if (problem !== undefined) return problem;
  }
  return fields;
}

const keepAsIs = (value: string): string => value;

function decodeJsonOrDefaultEscapes(value: string): string {
  const json = decodeJsonEscapes(value);
  return json === value ? decodeNginxEscapes(value) : json;
}

function decoderFor(escape: ValueEscape): (value: string) => string {
  if (escape === 'json') return decodeJsonEscapes;
  if (escape === 'json-or-default') return decodeJsonOrDefaultEscapes;
  if (escape === 'none') return keepAsIs;
  return decodeNginxEscapes;
}

/** A reader for a JSON-object format; `undefined` from it means "not JSON, scan as text". */
function jsonLineReader(template: readonly JsonTemplateField[]): (text: string) => NginxFields | string | undefined {
  const variables = template.flatMap((field) => field.format.variables);
  const slots = slotsInWriteOrder(variables);
  const values: Array<string | undefined> = new Array(variables.length);
  const fieldValues: string[] = [];
  return (text) => {
    if (text.charCodeAt(0) !== 123 /* { */) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    values.fill(undefined);
    let slot = 0;
    let found = 0;
    for (const field of template) {
      let node: unknown = parsed;
      for (const key of field.keys) node = typeof node === 'object' && node !== null ? (node as FieldObject)[key] : undefined;
      const count = field.format.variables.length;
      if (node !== undefined && node !== null && typeof node !== 'object') {
        found++;
        const value = String(node);
        if (count === 1 && field.format.literals[0] === '' && field.format.literals[1] === '') {
          values[slot] = value;
        } else if (scanLiteralFormat(value, field.format, false, fieldValues) === undefined) {
          for (let k = 0; k < count; k++) values[slot + k] = fieldValues[k];
        }
      }
      slot += count;
    }
    // Some other JSON (none of the format's keys): not this log; the text scan will say why.
    if (found === 0) return undefined;
    // JSON.parse already undid the escaping.
    return readValues(slots, values, undefined);
  };
}

/** Reads access lines into flat fields; the parser and the sidecar's document writer are made of it. */
export interface AccessFieldReader {
  /**
   * A line read into flat fields (`NginxFields`), or why it does not match (a string). The record is
   * `assembleRecord(fields, line, NGINX_ACCESS_DATASET)`; the sidecar writes its JSON straight from the
   * fields instead (see sidecar/access-document.ts). Never throws.
   */
  readonly read: (text: string) => NginxFields | string;
  /**
   * How many characters `JSON.stringify` adds escaping the format's literals (one per `"`, for example),
   * for a format whose values are cut from the line as written; undefined for a JSON-object format, whose
   * lines are read by JSON.parse (and for literals holding a surrogate, which could pair with a value's).
   */
  readonly escapesInLiterals: number | undefined;
  /** The literal format lines are cut by (for a JSON-object format, the one a non-JSON line is scanned with). */
  readonly format: LiteralFormat;
  /**
   * Where the value of the format's variable `v` starts in the line last `read`, when that line's fields
   * were cut from it as written (no escape undone, not read as JSON) and matched; -1 otherwise. Lets a
   * writer copy a value from the line's own bytes instead of encoding the value's string again.
   */
  readonly valueStart: (v: number) => number;
}

function escapesIn(literals: readonly string[]): number | undefined {
  let added = 0;
  for (const literal of literals) {
    if (/[\ud800-\udfff]/.test(literal)) return undefined;
    added += JSON.stringify(literal).length - literal.length - 2;
  }
  return added;
}

/**
 * Compiles an nginx `log_format` (a format string, `combined`, `main`, or a pasted
 * `log_format name [escape=…] '…';` directive) into a reader of the lines it writes.
 * Throws at compile time when the format itself is unusable (adjacent variables, no variables):
 * that is a configuration error to report at start.
 */
export function compileAccessFieldReader(format: string = 'combined', options: AccessFormatOptions = {}): AccessFieldReader {
  const resolved = resolveFormat(format, options.escape);
  const slots = slotsInWriteOrder(resolved.literal.variables);
  const jsonEscaped = resolved.escape === 'json' || resolved.escape === 'json-or-default';
  const decode = decoderFor(resolved.escape);
  const readJson = resolved.json ? jsonLineReader(resolved.json) : undefined;
  const values: string[] = new Array(resolved.literal.variables.length);
  const starts = new Int32Array(resolved.literal.variables.length);
  let verbatim = false;

  const read = (text: string): NginxFields | string => {
    verbatim = false;
    try {
      if (readJson) {
        const fields = readJson(text);
        if (fields !== undefined) return fields;
      }
      const mismatch = scanLiteralFormat(text, resolved.literal, jsonEscaped, values, starts);
      if (mismatch !== undefined) return `line does not match the log format: ${mismatch}`;
      // Most lines hold no escape at all: one search of the line spares one per value.
      const asWritten = text.indexOf('\\') < 0;
      const fields = readValues(slots, values, asWritten ? undefined : decode);
      verbatim = asWritten && typeof fields !== 'string';
      return fields;
    } catch (error) {
      // Belt and braces: a parser bug must cost one line, never the pipeline.
      return `nginx access parser failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  };
  const valueStart = (v: number): number => (verbatim ? starts[v]! : -1);
  return { read, escapesInLiterals: readJson ? undefined : escapesIn(resolved.literal.literals), format: resolved.literal, valueStart };
}

/** The parser made of a field reader: the nested ECS record, or the reason as a failure. */
export function accessParserOf(reader: AccessFieldReader): Parser {
  const { read } = reader;
  return (text) => {
    const fields = read(text);
    return typeof fields === 'string' ? { ok: false, error: fields } : { ok: true, record: assembleRecord(fields, text, NGINX_ACCESS_DATASET) };
  };
}

/**
 * Compiles an nginx `log_format` into a parser for the lines it writes (see compileAccessFieldReader).
 * Throws at compile time when the format itself is unusable; the returned parser never throws.
 */
export function compileAccessFormat(format: string = 'combined', options: AccessFormatOptions = {}): Parser {
  return accessParserOf(compileAccessFieldReader(format, options));
}
