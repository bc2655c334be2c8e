/**
 * `_search` and `_count` over a consistent snapshot of the database (the caller holds a read
 * transaction). A search is: resolve the pattern to indices and their day partitions, prune partitions
 * by the @timestamp bounds the query requires, compile the query once per partition, take the top
 * `from + size` rows of each partition in sort order and merge them, count hits up to
 * `track_total_hits`, compute aggregations, and shape the response like Elasticsearch.
 */
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { Catalog, IndexInfo, Leaf } from './catalog.ts';
import { DOC_KEY_PART_FACTOR, fieldsTable, sourceTable } from './catalog.ts';
import { ChunkReader } from './source-chunks.ts';
import { DAY_MS, formatDateAs, parseDateValue } from './dates.ts';
import { parseQuery, type Query } from './query/ast.ts';
import { parseLucene } from './query/lucene.ts';
import { columnExpr, compileQuery, rowTableFor, timeBounds, type Fragment, type PartitionContext } from './query/compile.ts';
import { timeOnlyRange, withInclusiveBounds } from './query/time-range.ts';
import { ftsDriven } from './aggregations/fts-histogram.ts';
import { parseAggs, runAggs } from './aggregations/run.ts';
import { fielddataError, Scope } from './aggregations/scope.ts';
import { resolvePattern } from './names.ts';
import { filterSource, parseSourceFilter, type SourceFilter } from './source-filter.ts';
import { highlightHit, parseHighlight } from './highlight.ts';
import { fetchFields } from './fetch-fields.ts';
import { EsError, type JsonObject } from './types.ts';

export interface Snapshot {
  /** Partition id → highest row visible to the point in time. */
  readonly parts: Record<number, number>;
  readonly indices: string[];
}

export interface SearchInput {
  readonly pattern: string;
  readonly body: JsonObject;
  readonly query: Readonly<Record<string, string>>;
  readonly now: number;
  readonly snapshot?: Snapshot;
  /** Scroll continuation: the internal sort values of the last hit returned. */
  readonly after?: unknown[];
  readonly skipAggs?: boolean;
}

const BODY_KEYS = new Set([
  'query', 'from', 'size', 'sort', 'search_after', '_source', 'track_total_hits', 'aggs', 'aggregations', 'highlight', 'fields',
  'docvalue_fields', 'stored_fields', 'script_fields', 'runtime_mappings', 'post_filter', 'pit', 'version', 'seq_no_primary_term',
  'timeout', 'terminate_after', 'min_score', 'track_scores', 'explain', 'profile', 'indices_boost', 'stats', 'ext',
]);

const MAX_RESULT_WINDOW = 10_000;

interface SortKey {
  readonly kind: 'field' | 'doc' | 'score';
  readonly field: string;
  readonly dir: 'asc' | 'desc';
  readonly missingFirst: boolean;
  readonly missingValue?: SQLInputValue;
  readonly unmappedType?: string;
  readonly format?: string;
}

function intParam(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n)) throw new EsError(400, 'illegal_argument_exception', `[${name}] must be an integer, got [${String(value)}]`);
  return n;
}

function parseSort(raw: unknown, queryParam?: string): SortKey[] {
  const list: unknown[] = [];
  if (queryParam !== undefined && queryParam !== '') {
    for (const item of queryParam.split(',')) {
      const [field, order] = item.split(':');
      list.push(order === undefined ? field : { [field!]: order });
    }
  } else if (raw !== undefined && raw !== null) {
    list.push(...(Array.isArray(raw) ? raw : [raw]));
  }
  return list.map((item): SortKey => {
    let field: string;
    let opts: JsonObject = {};
    if (typeof item === 'string') field = item;
    else if (typeof item === 'object' && item !== null) {
      const entries = Object.entries(item as JsonObject);
      if (entries.length !== 1) throw new EsError(400, 'parsing_exception', 'malformed sort: expected one field per sort object');
      field = entries[0]![0];
      const v = entries[0]![1];
      opts = typeof v === 'string' ? { order: v } : (v as JsonObject);
    } else throw new EsError(400, 'parsing_exception', 'malformed sort');
    const kind = field === '_doc' || field === '_shard_doc' ? 'doc' : field === '_score' ? 'score' : 'field';
    const order = String(opts.order ?? (kind === 'score' ? 'desc' : 'asc')).toLowerCase();
    if (order !== 'asc' && order !== 'desc') throw new EsError(400, 'illegal_argument_exception', `Unknown SortOrder [${order}]`);
    const missing = opts.missing;
    return {
      kind, field, dir: order, missingFirst: missing === '_first',
      ...(missing !== undefined && missing !== '_first' && missing !== '_last' ? { missingValue: missing as SQLInputValue } : {}),
      ...(typeof opts.unmapped_type === 'string' ? { unmappedType: opts.unmapped_type } : {}),
      ...(typeof opts.format === 'string' ? { format: opts.format } : {}),
    };
  });
}

function docKeyExpr(ctx: PartitionContext): string {
  return `(${Math.trunc(ctx.part.id)} * ${DOC_KEY_PART_FACTOR} + f.r)`;
}

function sortExpr(key: SortKey, ctx: PartitionContext): string {
  if (key.kind === 'doc') return docKeyExpr(ctx);
  if (key.kind === 'score') return '1';
  const leaf = ctx.index.fields.get(key.field);
  if (leaf === undefined) return 'NULL';
  if (leaf.kind === 'text') throw fielddataError(key.field);
  const col = columnExpr(leaf);
  let expr = col;
  if (leaf.multi) {
    const fn = key.dir === 'asc' ? 'min' : 'max';
    expr = `(CASE WHEN typeof(${col}) = 'blob' THEN (SELECT ${fn}(value) FROM json_each(CAST(${col} AS TEXT))) ELSE ${col} END)`;
  }
  return expr;
}

interface Candidate {
  readonly ctx: PartitionContext;
  readonly r: number;
  readonly values: Array<string | number | null>;
  readonly docKey: number;
}

function compareValues(a: string | number | null, b: string | number | null, key: SortKey): number {
  if (a === b) return 0;
  if (a === null) return key.missingFirst ? -1 : 1;
  if (b === null) return key.missingFirst ? 1 : -1;
  const c = a < b ? -1 : 1;
  return key.dir === 'asc' ? c : -c;
}

function compareCandidates(a: Candidate, b: Candidate, keys: SortKey[]): number {
  for (let i = 0; i < keys.length; i++) {
    const c = compareValues(a.values[i] ?? null, b.values[i] ?? null, keys[i]!);
    if (c !== 0) return c;
  }
  return a.docKey - b.docKey;
}

/** SQL for "this row sorts after these values" (lexicographic over the keys, then the doc key). */
function afterCondition(exprs: string[], keys: SortKey[], values: unknown[], docKey: string): Fragment {
  const ors: string[] = [];
  const params: SQLInputValue[] = [];
  const allKeys: Array<{ expr: string; key: SortKey }> = exprs.map((expr, i) => ({ expr, key: keys[i]! }));
  if (values.length > keys.length) allKeys.push({ expr: docKey, key: { kind: 'doc', field: '_shard_doc', dir: 'asc', missingFirst: false } });
  for (let i = 0; i < allKeys.length && i < values.length; i++) {
    const conds: string[] = [];
    const condParams: SQLInputValue[] = [];
    for (let j = 0; j < i; j++) {
      const v = values[j];
      if (v === null || v === undefined) conds.push(`${allKeys[j]!.expr} IS NULL`);
      else {
        conds.push(`${allKeys[j]!.expr} = ?`);
        condParams.push(v as SQLInputValue);
      }
    }
    const { expr, key } = allKeys[i]!;
    const v = values[i];
    if (v === null || v === undefined) {
      if (!key.missingFirst) continue; // nothing sorts after a missing value when missing values come last
      conds.push(`${expr} IS NOT NULL`);
    } else {
      conds.push(`(${expr} ${key.dir === 'asc' ? '>' : '<'} ?${key.missingFirst ? '' : ` OR ${expr} IS NULL`})`);
      condParams.push(v as SQLInputValue);
    }
    ors.push(`(${conds.join(' AND ')})`);
    params.push(...condParams);
  }
  return { sql: ors.length === 0 ? '0' : `(${ors.join(' OR ')})`, params };
}

function normalizeAfterValue(value: unknown, key: SortKey | undefined, leaf: Leaf | undefined): unknown {
  // Hits show a missing number or date as ±MAX_SAFE_INTEGER (ES shows ±Long.MAX_VALUE); read it back as missing.
  if (key?.kind === 'field' && (value === Number.MAX_SAFE_INTEGER || value === Number.MIN_SAFE_INTEGER)) return null;
  if (key !== undefined && key.kind === 'field' && leaf?.kind === 'date' && typeof value === 'string' && !/^-?\d+$/.test(value)) return parseDateValue(value) ?? value;
  if (leaf?.kind === 'boolean' && typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && /^-?\d+$/.test(value) && (key?.kind === 'doc' || leaf?.kind === 'long' || leaf?.kind === 'date')) return Number(value);
  return value;
}

function partitionsOf(catalog: Catalog, indices: IndexInfo[], q: Query, now: number, snapshot?: Snapshot): PartitionContext[] {
  const { min, max } = timeBounds(q, now);
  const out: PartitionContext[] = [];
  for (const index of indices) {
    for (const part of catalog.partitions.get(index.id) ?? []) {
      if (snapshot !== undefined && snapshot.parts[part.id] === undefined) continue;
      const start = part.day * DAY_MS;
      if (start + DAY_MS - 1 < min || start > max) continue;
      out.push({ index, part, now });
    }
  }
  return out;
}

/**
 * Inclusive `ts` bounds put in front of the compiled query: redundant with the compiled range, but they
 * let SQLite use the partition's @timestamp index. Only when the range cuts the partition's day: over a
 * whole day a plain table scan is faster than the index. SQLite has no statistics to tell an index range
 * from a scan, so decide here: the index pays off when the range keeps less than half of the day.
 */
function indexBounds(q: Query, ctx: PartitionContext): { min?: number; max?: number } {
  const { min, max } = timeBounds(q, ctx.now);
  const dayStart = ctx.part.day * DAY_MS;
  const covered = Math.min(max, dayStart + DAY_MS - 1) - Math.max(min, dayStart) + 1;
  if (covered >= DAY_MS / 2) return {};
  return { ...(Number.isFinite(min) ? { min } : {}), ...(Number.isFinite(max) ? { max } : {}) };
}

function baseWhere(q: Query, ctx: PartitionContext, snapshot: Snapshot | undefined): Fragment {
  const compiled = compileQuery(q, ctx);
  const extra: string[] = [];
  const params: SQLInputValue[] = [];
  const bounds = indexBounds(q, ctx);
  if (bounds.min !== undefined) { extra.push('f.ts >= ?'); params.push(bounds.min); }
  if (bounds.max !== undefined) { extra.push('f.ts <= ?'); params.push(bounds.max); }
  if (snapshot !== undefined) { extra.push('f.r <= ?'); params.push(snapshot.parts[ctx.part.id] ?? 0); }
  if (extra.length === 0) return compiled;
  return { sql: `${extra.join(' AND ')} AND ${compiled.sql}`, params: [...params, ...compiled.params] };
}

function queryFromParams(body: JsonObject, params: Readonly<Record<string, string>>): Query {
  if (params.q !== undefined) {
    const df = params.df ?? '*';
    return parseLucene(params.q, {
      fields: [df], operator: (params.default_operator ?? 'or').toLowerCase() === 'and' ? 'and' : 'or', simple: false,
      lenient: params.lenient === 'true' || df === '*',
    });
  }
  return parseQuery(body.query);
}

export function resolveForSearch(catalog: Catalog, input: SearchInput): IndexInfo[] {
  const params = input.query;
  if (input.snapshot !== undefined) return input.snapshot.indices.map((n) => catalog.indices.get(n)).filter((i): i is IndexInfo => i !== undefined);
  return resolvePattern(catalog, input.pattern, {
    ignoreUnavailable: params.ignore_unavailable === 'true',
    allowNoIndices: params.allow_no_indices !== 'false',
    expandHidden: params.expand_wildcards === 'all' || params.expand_wildcards === 'hidden',
  }).indices;
}

export function executeCount(db: DatabaseSync, catalog: Catalog, input: SearchInput): JsonObject {
  const body = input.body;
  for (const key of Object.keys(body)) {
    if (key !== 'query') throw new EsError(400, 'parsing_exception', `request does not support [${key}]`);
  }
  const q = queryFromParams(body, input.query);
  const indices = resolveForSearch(catalog, input);
  let count = 0;
  for (const ctx of partitionsOf(catalog, indices, q, input.now)) {
    const where = baseWhere(q, ctx, undefined);
    count += (db.prepare(`SELECT count(*) AS n FROM ${rowTableFor(ctx, where.sql)} f WHERE ${where.sql}`).get(...where.params) as { n: number }).n;
  }
  return { count, _shards: { total: indices.length, successful: indices.length, skipped: 0, failed: 0 } };
}

export function executeSearch(db: DatabaseSync, catalog: Catalog, input: SearchInput): JsonObject {
  const started = Date.now();
  const body = input.body;
  const params = input.query;
  for (const key of Object.keys(body)) {
    if (BODY_KEYS.has(key)) continue;
    if (['collapse', 'rescore', 'suggest', 'knn', 'retriever', 'slice', 'point_in_time'].includes(key)) throw new EsError(400, 'illegal_argument_exception', `logship does not support [${key}] in a search`);
    throw new EsError(400, 'parsing_exception', `Unknown key for a START_OBJECT in [${key}].`, { line: 1, col: 1 });
  }
  if (body.script_fields !== undefined && Object.keys(body.script_fields as JsonObject).length > 0) throw new EsError(400, 'illegal_argument_exception', 'logship does not support [script_fields]');
  if (body.runtime_mappings !== undefined && Object.keys(body.runtime_mappings as JsonObject).length > 0) throw new EsError(400, 'illegal_argument_exception', 'logship does not support [runtime_mappings]');
  const q = queryFromParams(body, params);
  const postFilter = body.post_filter === undefined ? undefined : parseQuery(body.post_filter);
  const from = intParam(params.from ?? body.from, 'from', 0);
  const size = intParam(params.size ?? body.size, 'size', 10);
  if (from < 0) throw new EsError(400, 'illegal_argument_exception', '[from] parameter cannot be negative');
  if (size < 0) throw new EsError(400, 'illegal_argument_exception', '[size] parameter cannot be negative');
  if (from + size > MAX_RESULT_WINDOW && input.after === undefined) {
    throw new EsError(400, 'illegal_argument_exception', `Result window is too large, from + size must be less than or equal to: [${MAX_RESULT_WINDOW}] but was [${from + size}]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.`);
  }
  const explicitSort = parseSort(body.sort, params.sort);
  const keys = explicitSort.length > 0 ? explicitSort : [];
  const sortedByField = keys.length > 0 && !(keys.length === 1 && keys[0]!.kind === 'score');
  const searchAfter = input.after ?? (Array.isArray(body.search_after) ? body.search_after : undefined);
  if (input.after === undefined && searchAfter !== undefined) {
    if (keys.length === 0) throw new EsError(400, 'illegal_argument_exception', 'Sort must contain at least one field.');
    if (searchAfter.length !== keys.length && !(input.snapshot !== undefined && searchAfter.length === keys.length + 1)) {
      throw new EsError(400, 'illegal_argument_exception', `search_after has ${searchAfter.length} value(s) but sort has ${keys.length}.`);
    }
    if (from > 0) throw new EsError(400, 'illegal_argument_exception', '[from] parameter must be set to 0 when [search_after] is used');
  }
  const trackRaw = params.track_total_hits ?? body.track_total_hits;
  const trackLimit = trackRaw === undefined ? 10_000 : trackRaw === true || trackRaw === 'true' ? Infinity : trackRaw === false || trackRaw === 'false' ? 0 : Number(trackRaw);
  if (params.rest_total_hits_as_int === 'true' && Number.isFinite(trackLimit) && trackLimit !== 0 && trackRaw !== undefined) {
    throw new EsError(400, 'illegal_argument_exception', `[rest_total_hits_as_int] cannot be used if the tracking of total hits is not accurate, got ${String(trackRaw)}`);
  }
  const sourceFilter: SourceFilter = parseSourceFilter(body._source, params);
  const highlight = parseHighlight(body.highlight);
  const aggNodes = input.skipAggs === true ? [] : parseAggs(body.aggs ?? body.aggregations);

  const indices = resolveForSearch(catalog, input);
  const parts = partitionsOf(catalog, indices, q, input.now, input.snapshot);
  for (const key of keys) {
    if (key.kind !== 'field' || key.unmappedType !== undefined) continue;
    if (indices.length > 0 && !indices.some((i) => i.fields.has(key.field)) && !['_id', '_index'].includes(key.field)) {
      throw new EsError(400, 'query_shard_exception', `No mapping found for [${key.field}] in order to sort on`);
    }
  }

  const wheres = new Map<number, Fragment>();
  for (const ctx of parts) wheres.set(ctx.part.id, baseWhere(q, ctx, input.snapshot));

  // Hits: top from+size of each partition in sort order, merged.
  const want = from + size;
  const candidates: Candidate[] = [];
  if (want > 0) {
    for (const ctx of parts) {
      let where = wheres.get(ctx.part.id)!;
      if (postFilter !== undefined) {
        const pf = compileQuery(postFilter, ctx);
        where = { sql: `(${where.sql}) AND ${pf.sql}`, params: [...where.params, ...pf.params] };
      }
      const exprs = keys.map((k) => {
        const e = sortExpr(k, ctx);
        return k.missingValue !== undefined ? `coalesce(${e}, ${typeof k.missingValue === 'number' ? Number(k.missingValue) : `'${String(k.missingValue).replaceAll("'", "''")}'`})` : e;
      });
      if (searchAfter !== undefined) {
        const normalized = searchAfter.map((v, i) => normalizeAfterValue(v, keys[i], keys[i] === undefined ? undefined : ctx.index.fields.get(keys[i]!.field)));
        const after = afterCondition(exprs, keys, normalized, docKeyExpr(ctx));
        where = { sql: `(${where.sql}) AND ${after.sql}`, params: [...where.params, ...after.params] };
      }
      // `DESC NULLS LAST` on the bare column lets SQLite walk the @timestamp index backwards for the
      // usual "newest first" page instead of sorting every matching row.
      const order = keys.map((k, i) => `${exprs[i]} ${k.dir === 'asc' ? 'ASC' : 'DESC'} NULLS ${k.missingFirst ? 'FIRST' : 'LAST'}`);
      order.push('f.r ASC');
      const select = exprs.map((e, i) => `, ${e} AS s${i}`).join('');
      const sql = `SELECT f.r AS r${select} FROM ${fieldsTable(ctx.part.id)} f WHERE ${where.sql} ORDER BY ${order.join(', ')} LIMIT ?`;
      const rows = db.prepare(sql).all(...where.params, want) as unknown as Array<Record<string, number | string | null>>;
      for (const row of rows) {
        const r = Number(row.r);
        candidates.push({ ctx, r, values: keys.map((_, i) => (row[`s${i}`] ?? null) as string | number | null), docKey: ctx.part.id * DOC_KEY_PART_FACTOR + r });
      }
    }
  }
  candidates.sort((a, b) => compareCandidates(a, b, keys));
  const page = candidates.slice(from, from + size);

  const fetchers = new Map<number, ChunkReader>();
  const hits = page.map((c) => {
    let fetch = fetchers.get(c.ctx.part.id);
    if (fetch === undefined) {
      const stmt = db.prepare(`SELECT c, z FROM ${sourceTable(c.ctx.part.id)} WHERE c >= ? ORDER BY c LIMIT 1`);
      fetch = new ChunkReader((r) => stmt.get(r) as { c: number; z: Uint8Array } | undefined);
      fetchers.set(c.ctx.part.id, fetch);
    }
    const row = fetch.get(c.r);
    const source = row === undefined ? {} : (JSON.parse(row.src) as JsonObject);
    const hit: JsonObject = { _index: c.ctx.index.name, _id: row?.id ?? '', _score: sortedByField && body.track_scores !== true ? null : 1 };
    if (body.version === true) hit._version = 1;
    if (body.seq_no_primary_term === true) { hit._seq_no = c.r; hit._primary_term = 1; }
    if (sourceFilter !== false) hit._source = filterSource(source, sourceFilter);
    const fields = fetchFields(source, c.ctx.index, body.fields, body.docvalue_fields);
    if (fields !== undefined) hit.fields = fields;
    if (highlight !== undefined) {
      const h = highlightHit(source, c.ctx.index, q, highlight);
      if (h !== undefined) hit.highlight = h;
    }
    if (keys.length > 0) {
      const shown = c.values.map((v, i) => {
        const key = keys[i]!;
        if (key.kind === 'score') return 1;
        const leaf = c.ctx.index.fields.get(key.field);
        if (v === null) return leaf?.kind === 'keyword' || leaf?.kind === 'ip' || leaf === undefined ? null : key.dir === 'asc' ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
        if (leaf?.kind === 'date' && key.format !== undefined) return formatDateAs(Number(v), key.format);
        if (leaf?.kind === 'boolean') return Number(v);
        return v;
      });
      if (input.snapshot !== undefined) shown.push(c.docKey);
      hit.sort = shown;
    }
    return hit;
  });

  // Aggregations first: a date_histogram on @timestamp can give the total for free (see below).
  let aggregations: JsonObject | undefined;
  if (aggNodes.length > 0) {
    const { min, max } = timeBounds(q, input.now);
    const scope = new Scope(db, parts.map((ctx) => {
      // A time-only query (and no point in time, whose row limit is part of `where`) lets terms read rollups.
      const range = input.snapshot === undefined ? timeOnlyRange(q, ctx) : undefined;
      const fts = input.snapshot === undefined && range === undefined ? ftsDriven(q, ctx, indexBounds(q, ctx)) : undefined;
      return {
        ctx, where: wheres.get(ctx.part.id)!,
        ...(range !== undefined ? { timeRange: withInclusiveBounds(range, min, max) } : {}), ...(fts !== undefined ? { ftsDriven: fts } : {}),
      };
    }), input.now);
    aggregations = runAggs(aggNodes, scope);
  }

  // Total hits, counted exactly up to the tracking limit.
  let total = 0;
  let capped = false;
  const fromHistogram = postFilter === undefined ? totalFromHistogram(aggNodes, aggregations, indices, q, input.now) : undefined;
  if (trackLimit > 0 && fromHistogram !== undefined) {
    total = Math.min(fromHistogram, trackLimit);
    capped = fromHistogram > trackLimit;
  } else if (trackLimit > 0) {
    for (const ctx of parts) {
      let where = wheres.get(ctx.part.id)!;
      if (postFilter !== undefined) {
        const pf = compileQuery(postFilter, ctx);
        where = { sql: `(${where.sql}) AND ${pf.sql}`, params: [...where.params, ...pf.params] };
      }
      const remaining = trackLimit - total;
      if (Number.isFinite(remaining)) {
        const n = (db.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM ${rowTableFor(ctx, where.sql)} f WHERE ${where.sql} LIMIT ?)`).get(...where.params, remaining + 1) as { n: number }).n;
        total += n;
        if (total > trackLimit) { total = trackLimit; capped = true; break; }
      } else {
        total += (db.prepare(`SELECT count(*) AS n FROM ${rowTableFor(ctx, where.sql)} f WHERE ${where.sql}`).get(...where.params) as { n: number }).n;
      }
    }
  }

  const response: JsonObject = {
    took: 0, timed_out: false,
    _shards: { total: indices.length, successful: indices.length, skipped: 0, failed: 0 },
  };
  const hitsObj: JsonObject = {};
  if (params.rest_total_hits_as_int === 'true') hitsObj.total = trackLimit > 0 ? total : -1;
  else if (trackLimit > 0) hitsObj.total = { value: total, relation: capped ? 'gte' : 'eq' };
  hitsObj.max_score = hits.length === 0 || (sortedByField && body.track_scores !== true) ? null : 1;
  hitsObj.hits = hits;
  response.hits = hitsObj;
  if (aggregations !== undefined) response.aggregations = params.typed_keys === 'true' ? typedKeys(aggregations, aggNodes) : aggregations;
  response.took = Date.now() - started;
  const last = candidates[Math.min(from + size, candidates.length) - 1];
  if (last !== undefined && page.length > 0) {
    Object.defineProperty(response, '__last', { value: [...last.values, last.docKey], enumerable: false });
  }
  return response;
}

/**
 * The number of matching documents read off a top-level date_histogram on @timestamp (Kibana's histogram
 * request asks for both): exact when every matching document has exactly one @timestamp — data stream
 * documents always do, and a required @timestamp range guarantees one — and no bucket was cut off.
 */
function totalFromHistogram(nodes: ReturnType<typeof parseAggs>, aggregations: JsonObject | undefined, indices: IndexInfo[], q: Query, now: number): number | undefined {
  if (aggregations === undefined) return undefined;
  const node = nodes.find((n) => n.type === 'date_histogram' && n.spec.field === '@timestamp' && n.spec.hard_bounds === undefined && n.spec.missing === undefined && n.spec.keyed !== true);
  if (node === undefined) return undefined;
  const { min, max } = timeBounds(q, now);
  const timestampRequired = Number.isFinite(min) || Number.isFinite(max) || indices.every((i) => i.dataStream !== null);
  if (!timestampRequired || indices.some((i) => i.fields.get('@timestamp')?.multi === true || i.fields.get('@timestamp')?.kind !== 'date')) return undefined;
  const buckets = (aggregations[node.name] as { buckets?: unknown }).buckets;
  if (!Array.isArray(buckets)) return undefined;
  return (buckets as Array<{ doc_count: number }>).reduce((sum, b) => sum + b.doc_count, 0);
}

function typedKeys(aggs: JsonObject, nodes: ReturnType<typeof parseAggs>): JsonObject {
  const out: JsonObject = {};
  for (const node of nodes) {
    const value = aggs[node.name] as JsonObject;
    const type = node.type === 'terms' ? 'sterms' : node.type;
    if (node.subs.length > 0 && Array.isArray(value.buckets)) {
      value.buckets = (value.buckets as JsonObject[]).map((b) => ({ ...b, ...typedKeys(b, node.subs) }));
      for (const b of value.buckets as JsonObject[]) for (const sub of node.subs) delete b[sub.name];
    }
    out[`${type}#${node.name}`] = value;
  }
  return out;
}
