/**
 * `_bulk`'s answer as JSON text, byte for byte what `JSON.stringify` writes. Why not JSON.stringify: a bulk
 * of a few thousand documents answers with as many items, and writing the items the embedded store made
 * (recognised by their shared `_shards` object, see WRITTEN_SHARDS) from a template is about twice as fast
 * as walking their objects. Anything else — errors, items from a forwarded cluster, a response reshaped by
 * `filter_path` — goes through JSON.stringify as before.
 */
import { WRITTEN_SHARDS, type BulkItemResponse, type JsonObject } from '../store/types.ts';

export function serializeBulkResponse(value: unknown): string {
  if (!isBulkResponse(value)) return JSON.stringify(value);
  const items = value.items;
  let out = `{"took":${JSON.stringify(value.took)},"errors":${value.errors ? 'true' : 'false'},"items":[`;
  let index: unknown;
  let indexJson = '';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    const item = items[i]!;
    const op = writtenItemOp(item);
    if (op === undefined) {
      out += JSON.stringify(item);
      continue;
    }
    const body = item[op]!;
    if (body._index !== index) {
      index = body._index;
      indexJson = JSON.stringify(index);
    }
    out += `{"${op}":{"_index":${indexJson},"_id":${JSON.stringify(body._id)},"_version":${JSON.stringify(body._version)},"result":${JSON.stringify(body.result)},"_shards":{"total":1,"successful":1,"failed":0},"_seq_no":${JSON.stringify(body._seq_no)},"_primary_term":${JSON.stringify(body._primary_term)},"status":${JSON.stringify(body.status)}}}`;
  }
  return `${out}]}`;
}

interface BulkResponse {
  readonly took: unknown;
  readonly errors: boolean;
  readonly items: readonly BulkItemResponse[];
}

const RESPONSE_KEYS = ['took', 'errors', 'items'];

/** `{took, errors, items}` and nothing else, in that order (what the route returns before any filter_path). */
function isBulkResponse(value: unknown): value is BulkResponse {
  if (typeof value !== 'object' || value === null) return false;
  let n = 0;
  for (const key in value) if (key !== RESPONSE_KEYS[n++]) return false;
  const response = value as BulkResponse;
  return n === RESPONSE_KEYS.length && typeof response.errors === 'boolean' && Array.isArray(response.items);
}

/** The item's one key when its body is one the writer made with its eight usual keys, else undefined. */
function writtenItemOp(item: BulkItemResponse): 'create' | 'index' | 'update' | 'delete' | undefined {
  let found: string | undefined;
  for (const key in item) {
    if (found !== undefined) return undefined;
    found = key;
  }
  if (found !== 'create' && found !== 'index' && found !== 'update' && found !== 'delete') return undefined;
  const body: JsonObject | undefined = item[found];
  return body !== undefined && body._shards === WRITTEN_SHARDS ? found : undefined;
}
