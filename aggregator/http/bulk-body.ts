/**
 * `_bulk` NDJSON → store operations, with Elasticsearch's split between the two kinds of failure:
 * - a malformed action line (not JSON, not exactly one known action, unknown metadata, a missing index
 *   or id) fails the whole request with 400 naming the line, because nothing after it can be trusted
 *   to pair up correctly;
 * - a source line that is not a JSON object is that item's own 400 (`document_parsing_exception`), as in
 *   ES: one bad record must not block its neighbours, and shippers dead-letter it by its item error.
 *
 * Pure: the caller sends `ops` to the store and merges `presetItems` back in by position.
 */
import type { BulkItemResponse, BulkOp, JsonObject } from '../store/types.ts';
import { parseException, illegalArgument, validationFailed } from './errors.ts';
import { ndjsonLines, type NdjsonLine } from './ndjson.ts';
import { isJsonObject } from './request-body.ts';
import { parseSourceLine } from '../store/source-line.ts';

const ACTIONS = ['create', 'delete', 'index', 'update'] as const;
type ActionName = (typeof ACTIONS)[number];

/** Metadata keys ES accepts on an action line; those without an effect on a single-shard store are ignored. */
const KNOWN_METADATA = new Set([
  '_index', '_id', '_type', 'op_type', 'pipeline', 'routing', '_routing', 'retry_on_conflict', 'require_alias',
  'require_data_stream', 'dynamic_templates', 'list_executed_pipelines', '_source',
]);
/** Optimistic concurrency control changes the outcome, so ignoring it would be a silent wrong answer: the item fails. */
const UNSUPPORTED_METADATA = ['if_seq_no', 'if_primary_term', 'version', 'version_type'];

export interface ParsedBulk {
  /** One entry per action, in request order: either an op for the store or an item already decided here. */
  readonly entries: ReadonlyArray<{ readonly op: BulkOp } | { readonly item: BulkItemResponse }>;
  /** True when some action line carried the removed `_type`; the route adds ES's deprecation warning. */
  readonly sawType: boolean;
}

export interface BulkDefaults {
  readonly index?: string;
  readonly pipeline?: string;
  /**
   * The store reads documents from their text (Store.readsSourceText): a create/index line with an `_id`
   * and no pipeline goes to it unparsed, and is parsed (or refused) where its row is made.
   */
  readonly unparsedSources?: boolean;
}

export function parseBulkBody(body: string | Buffer, defaults: BulkDefaults): ParsedBulk {
  const lines = ndjsonLines(body);
  const entries: Array<{ op: BulkOp } | { item: BulkItemResponse }> = [];
  const missing: string[] = [];
  let sawType = false;
  const sameIndex = new LastString();
  for (let i = 0; i < lines.length; i++) {
    const actionLine = lines[i]!;
    const { action, meta } = readActionLine(actionLine);
    if (meta._type !== undefined) sawType = true;
    const index = sameIndex.intern(stringMeta(meta, '_index', actionLine) ?? defaults.index);
    const id = idMeta(meta, actionLine);
    const pipeline = stringMeta(meta, 'pipeline', actionLine) ?? defaults.pipeline;
    if (index === undefined) missing.push('index is missing');
    if ((action === 'delete' || action === 'update') && id === undefined) missing.push('id is missing');

    const unsupported = UNSUPPORTED_METADATA.find((key) => meta[key] !== undefined);
    const unsupportedItem = (op: string, itemIndex: string): BulkItemResponse =>
      itemError(op, itemIndex, id ?? null, 400, 'illegal_argument_exception', `logship does not support [${unsupported}] (optimistic concurrency control) in bulk actions`);
    if (action === 'delete') {
      if (index !== undefined && id !== undefined) entries.push(unsupported === undefined ? { op: { op: 'delete', index, id } } : { item: unsupportedItem('delete', index) });
      continue;
    }
    const sourceLine = lines[++i];
    if (sourceLine === undefined) {
      throw illegalArgument(`The bulk request must be terminated by a newline [\\n]: action on line [${actionLine.number}] has no source line`);
    }
    if (index === undefined) continue;

    const opName: 'create' | 'index' | 'update' = action === 'index' && meta.op_type === 'create' ? 'create' : action;
    if (unsupported !== undefined) {
      if (opName !== 'update' || id !== undefined) entries.push({ item: unsupportedItem(opName, index) });
      continue;
    }
    if (id === '') {
      entries.push({ item: itemError(opName, index, id, 400, 'illegal_argument_exception', 'if _id is specified it must not be empty') });
      continue;
    }
    if (opName === 'update') {
      if (id !== undefined) entries.push({ op: readUpdate(sourceLine, index, id) });
      continue;
    }
    if (defaults.unparsedSources === true && id !== undefined && pipeline === undefined) {
      entries.push({ op: { op: opName, index, id, sourceJson: sourceLine.text, line: sourceLine.number } });
      continue;
    }
    const source = parseSourceLine(sourceLine.text, sourceLine.number);
    if ('error' in source) {
      entries.push({ item: itemError(opName, index, id ?? null, 400, source.error.type, source.error.reason) });
      continue;
    }
    entries.push({ op: id !== undefined && pipeline === undefined
      ? { op: opName, index, id, doc: source.doc, sourceJson: sourceLine.text }
      : { op: opName, index, ...(id === undefined ? {} : { id }), doc: source.doc, sourceJson: sourceLine.text, ...(pipeline === undefined ? {} : { pipeline }) } });
  }
  if (missing.length > 0) throw validationFailed(missing);
  return { entries, sawType };
}

/**
 * The action line every shipper writes for each record (ours, Fluent Bit's, Filebeat's, the clients'
 * bulk helpers): `{"create|index":{"_index":"…","_id":"…"}}` with no escapes in either value. Read
 * without JSON.parse (measured ≈ 0.25 µs less per document); anything else takes the full path below.
 */
const PLAIN_ACTION = /^\{"(create|index)":\{"_index":"([^"\\\u0000-\u001f]*)","_id":"([^"\\\u0000-\u001f]*)"\}\}$/;

function readActionLine(line: NdjsonLine): { action: ActionName; meta: JsonObject } {
  const plain = PLAIN_ACTION.exec(line.text);
  if (plain !== null) return { action: plain[1] as ActionName, meta: { _index: plain[2]!, _id: plain[3]! } };
  const parsed = parseJson(line.text);
  if (!isJsonObject(parsed)) {
    throw illegalArgument(`Malformed action/metadata line [${line.number}], expected START_OBJECT or END_OBJECT but found a ${parsed === PARSE_FAILED ? 'line that is not JSON' : 'JSON value that is not an object'}`);
  }
  const keys = Object.keys(parsed);
  if (keys.length !== 1) {
    throw illegalArgument(`Malformed action/metadata line [${line.number}], expected one action (one of [${ACTIONS.join(', ')}]) but found [${keys.length}] keys`);
  }
  const action = keys[0]!;
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw illegalArgument(`Malformed action/metadata line [${line.number}], expected one of [${ACTIONS.join(', ')}] but found [${action}]`);
  }
  const meta = parsed[action];
  if (!isJsonObject(meta)) {
    throw illegalArgument(`Malformed action/metadata line [${line.number}], expected START_OBJECT but found [${JSON.stringify(meta)}]`);
  }
  for (const key of Object.keys(meta)) {
    if (!KNOWN_METADATA.has(key) && !UNSUPPORTED_METADATA.includes(key)) throw illegalArgument(`Action/metadata line [${line.number}] contains an unknown parameter [${key}]`);
  }
  return { action: action as ActionName, meta };
}

function stringMeta(meta: JsonObject, key: string, line: NdjsonLine): string | undefined {
  const value = meta[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw illegalArgument(`Action/metadata line [${line.number}]: [${key}] must be a string`);
  return value;
}

/** ES reads `_id` as text, so a number is accepted and becomes its decimal string. */
function idMeta(meta: JsonObject, line: NdjsonLine): string | undefined {
  const value = meta._id;
  if (typeof value === 'number') return String(value);
  return stringMeta(meta, '_id', line);
}

function readUpdate(line: NdjsonLine, index: string, id: string): BulkOp {
  const body = parseJson(line.text);
  if (!isJsonObject(body)) throw parseException(`Malformed update request on line [${line.number}]: expected a JSON object`);
  if (body.script !== undefined) throw illegalArgument(`update on line [${line.number}] uses a script: logship does not support scripted updates (send "doc" or "upsert")`);
  const doc = body.doc;
  const upsert = body.upsert;
  if (doc !== undefined && !isJsonObject(doc)) throw parseException(`update on line [${line.number}]: [doc] must be an object`);
  if (upsert !== undefined && !isJsonObject(upsert)) throw parseException(`update on line [${line.number}]: [upsert] must be an object`);
  if (doc === undefined && upsert === undefined) throw validationFailed(['script or doc is missing']);
  return {
    op: 'update', index, id,
    ...(doc === undefined ? {} : { doc }),
    ...(body.doc_as_upsert === true ? { docAsUpsert: true } : {}),
    ...(upsert === undefined ? {} : { upsert }),
  };
}

/** An item this layer decides itself, shaped exactly like the store's. */
function itemError(op: string, index: string, id: string | null, status: number, type: string, reason: string): BulkItemResponse {
  return { [op]: { _index: index, _id: id, status, error: { type, reason, index } } };
}

/**
 * Hands back the previous string when the next one is equal. Every action line yields a new `_index`
 * string, and the store looks each one up in a Map, which hashes a string the first time it sees it:
 * a bulk names one or a few indices, so the same instance (its hash kept) serves all its lines.
 */
class LastString {
  #last = '';

  intern(text: string | undefined): string | undefined {
    if (text === undefined) return undefined;
    if (text !== this.#last) this.#last = text;
    return this.#last;
  }
}

const PARSE_FAILED = Symbol('not JSON');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return PARSE_FAILED;
  }
}
