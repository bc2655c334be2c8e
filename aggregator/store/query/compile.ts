/**
 * Query tree → SQL boolean expression over one partition's fields table (aliased `f`), with every user
 * value bound as a parameter. Identifiers come from the catalog (column and table numbers) only.
 *
 * A leaf on a missing field is NULL, which WHERE, AND and OR treat as false; only NOT and the
 * `minimum_should_match` sum need it as 0, so those coalesce (leaving plain leaves bare lets SQLite drive a
 * full-text match by rowid instead of scanning).
 * Text fields are searched through the partition's FTS5 table for that field; keyword, numeric, date,
 * boolean and ip fields through their column. Multi-valued fields hold a JSON array (as a BLOB) and are
 * searched with `json_each`.
 */
import type { SQLInputValue } from 'node:sqlite';
import type { IndexInfo, Leaf, PartitionInfo } from '../catalog.ts';
import { column, fieldsTable, ftsLocation, idsTable, rowsTable, sourceTable } from '../catalog.ts';
import { evaluateDateMath } from '../datemath.ts';
import { normalizeZone } from '../dates.ts';
import { ftsQuote, tokenize } from '../analyze.ts';
import { globLiteral, hasWildcard, wildcardToGlob, wildcardToRegExp } from '../wildcard.ts';
import { EsError } from '../types.ts';
import { minimumShouldMatch, type Query } from './ast.ts';

export interface Fragment {
  readonly sql: string;
  readonly params: SQLInputValue[];
}

export interface PartitionContext {
  readonly index: IndexInfo;
  readonly part: PartitionInfo;
  readonly now: number;
}

const TRUE: Fragment = { sql: '1', params: [] };
const FALSE: Fragment = { sql: '0', params: [] };

export function columnExpr(leaf: Leaf): string {
  return leaf.path === '@timestamp' && leaf.kind === 'date' ? 'f.ts' : `f.${column(leaf.col)}`;
}

/**
 * The table to read a partition's rows from for SQL that refers to them as `f`: the narrow `p<N>_t` (the
 * same rows, `r` and `ts` only) when the SQL reads nothing else and is driven by row ids (a full-text
 * match, an id lookup), else the fields table. Seeking a full-text match's rows in the narrow table
 * touches a tenth of the pages; a plain time range stays on the fields table, whose `ts` index covers it.
 */
export function rowTableFor(ctx: PartitionContext, ...sql: string[]): string {
  const text = sql.join(' ');
  return !/\bf\.c\d/.test(text) && text.includes('f.r IN (') ? rowsTable(ctx.part.id) : fieldsTable(ctx.part.id);
}

/** A regexp from a query; a malformed one is the user's 400, not our 500. */
export function userRegExp(source: string, flags = 'u'): RegExp {
  try {
    return new RegExp(`^(?:${source})$`, flags);
  } catch (error) {
    throw new EsError(400, 'illegal_argument_exception', `invalid regular expression [${source}]: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Leaves named by a field name or pattern (`*`, `http.*`, `message`). */
export function resolveFields(index: IndexInfo, name: string): Leaf[] {
  const exact = index.fields.get(name);
  if (exact !== undefined) return [exact];
  if (!hasWildcard(name)) return [];
  const re = wildcardToRegExp(name);
  return [...index.fields.values()].filter((l) => re.test(l.path));
}

function join(parts: Fragment[], op: 'AND' | 'OR'): Fragment {
  if (parts.length === 0) return op === 'AND' ? TRUE : FALSE;
  if (parts.length === 1) return parts[0]!;
  return { sql: `(${parts.map((p) => p.sql).join(` ${op} `)})`, params: parts.flatMap((p) => p.params) };
}

/** NOT of a condition that may be NULL (a missing field): a missing field is "not matching", so NOT is true. */
export function negate(part: Fragment): Fragment {
  return { sql: `NOT coalesce(${part.sql}, 0)`, params: part.params };
}

function safe(part: Fragment): Fragment {
  return { sql: `coalesce(${part.sql}, 0)`, params: part.params };
}

/** Applies a value condition to a column, looking inside JSON arrays for multi-valued fields. */
export function onValues(leaf: Leaf, build: (x: string) => Fragment): Fragment {
  const col = columnExpr(leaf);
  const direct = build(col);
  if (!leaf.multi) return direct;
  const inner = build('j.value');
  return ({
    sql: `((typeof(${col}) != 'blob' AND ${direct.sql}) OR (typeof(${col}) = 'blob' AND EXISTS (SELECT 1 FROM json_each(CAST(${col} AS TEXT)) j WHERE ${inner.sql})))`,
    params: [...direct.params, ...inner.params],
  });
}

function fts(ctx: PartitionContext, leaf: Leaf, expression: string): Fragment {
  const { table, column } = ftsLocation(ctx.part, leaf.col);
  // In the shared table an FTS5 column filter keeps the match to this field's column.
  return { sql: `f.r IN (SELECT rowid FROM ${table} WHERE ${table} MATCH ?)`, params: [column === undefined ? expression : `${column} : (${expression})`] };
}

function badValue(leaf: Leaf, value: unknown): EsError {
  const reason = leaf.kind === 'date'
    ? `failed to parse date field [${String(value)}] with format [strict_date_optional_time||epoch_millis]`
    : `failed to create query: For input string: "${String(value)}"`;
  return new EsError(400, 'query_shard_exception', reason, { index: '' });
}

/** A query value converted to what the column holds; undefined = cannot match (lenient), or throws. */
function toColumnValue(leaf: Leaf, value: unknown, lenient: boolean, ctx: PartitionContext, zone?: string): SQLInputValue | undefined {
  const fail = (): undefined => {
    if (lenient) return undefined;
    throw badValue(leaf, value);
  };
  switch (leaf.kind) {
    case 'keyword':
    case 'ip':
    case 'text':
      return typeof value === 'object' ? fail() : String(value);
    case 'long':
    case 'double': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      return Number.isFinite(n) ? n : fail();
    }
    case 'boolean':
      if (value === true || value === 'true') return 1;
      if (value === false || value === 'false') return 0;
      return fail();
    case 'date': {
      const ms = evaluateDateMath(value, { now: ctx.now, zone: normalizeZone(zone), format: leaf.format });
      return ms === undefined ? fail() : ms;
    }
  }
}

function termOnLeaf(ctx: PartitionContext, leaf: Leaf, value: unknown, ci: boolean, lenient: boolean, zone?: string): Fragment {
  if (leaf.kind === 'text') {
    const tokens = tokenize(String(value));
    if (tokens.length === 0) return FALSE;
    return fts(ctx, leaf, `"${tokens.join(' ')}"`);
  }
  const v = toColumnValue(leaf, value, lenient, ctx, zone);
  if (v === undefined) return FALSE;
  if (ci && typeof v === 'string') return onValues(leaf, (x) => ({ sql: `lower(${x}) = lower(?)`, params: [v] }));
  return onValues(leaf, (x) => ({ sql: `${x} = ?`, params: [v] }));
}

function metaField(ctx: PartitionContext, field: string, test: (value: string) => boolean): Fragment | undefined {
  if (field === '_index') return test(ctx.index.name) || (ctx.index.dataStream !== null && test(ctx.index.dataStream)) ? TRUE : FALSE;
  return undefined;
}

function idsIn(ctx: PartitionContext, ids: string[]): Fragment {
  if (ids.length === 0) return FALSE;
  return {
    sql: `f.r IN (SELECT r FROM ${idsTable(ctx.index.id)} WHERE part = ? AND id IN (${ids.map(() => '?').join(', ')}))`,
    params: [ctx.part.id, ...ids],
  };
}

function rangeOnLeaf(ctx: PartitionContext, leaf: Leaf, q: Extract<Query, { t: 'range' }>, lenient: boolean): Fragment {
  if (leaf.kind === 'text' && !leaf.storesValue) return FALSE;
  const bounds: Array<[string, SQLInputValue]> = [];
  for (const [op, sqlOp] of [['gt', '>'], ['gte', '>='], ['lt', '<'], ['lte', '<=']] as const) {
    const raw = q[op];
    if (raw === undefined) continue;
    let v: SQLInputValue | undefined;
    if (leaf.kind === 'date') {
      const rounding = op === 'gt' || op === 'lte' ? 'up' : 'down';
      v = evaluateDateMath(raw, { now: ctx.now, zone: normalizeZone(q.zone), rounding, format: q.format ?? leaf.format });
      if (v === undefined) {
        if (lenient) return FALSE;
        throw new EsError(400, 'parse_exception', `failed to parse date field [${String(raw)}] with format [${q.format ?? leaf.format ?? 'strict_date_optional_time||epoch_millis'}]`);
      }
    } else {
      v = toColumnValue(leaf, raw, lenient, ctx);
      if (v === undefined) return FALSE;
    }
    bounds.push([sqlOp, v]);
  }
  if (bounds.length === 0) return onValues(leaf, (x) => ({ sql: `${x} IS NOT NULL`, params: [] }));
  return onValues(leaf, (x) => ({ sql: `(${bounds.map(([op]) => `${x} ${op} ?`).join(' AND ')})`, params: bounds.map(([, v]) => v) }));
}

function patternOnLeaf(ctx: PartitionContext, leaf: Leaf, kind: 'prefix' | 'wildcard' | 'regexp', value: string, ci: boolean): Fragment {
  if (leaf.kind === 'text') {
    const lower = value.toLowerCase();
    const prefix = kind === 'prefix' ? lower : /^([\p{L}\p{N}]+)\*$/u.exec(lower)?.[1];
    if (kind !== 'regexp' && prefix !== undefined && /^[\p{L}\p{N}]+$/u.test(prefix)) return fts(ctx, leaf, `${ftsQuote(prefix)}*`);
    // Patterns FTS5 cannot express are checked token by token on the stored _source.
    const pattern = kind === 'prefix' ? `${lower.replace(/[\\*?]/g, '\\$&')}*` : lower;
    return { sql: `f.r IN (SELECT j.value FROM ${sourceTable(ctx.part.id)} s, json_each(es_text_tokens_like(s.z, ?, ?, ?)) j)`, params: [leaf.path, kind === 'regexp' ? 'regexp' : 'wildcard', pattern] };
  }
  if (leaf.kind !== 'keyword' && leaf.kind !== 'ip') return FALSE;
  if (kind === 'regexp') return onValues(leaf, (x) => ({ sql: `es_like(${x}, 'regexp', ?, ?)`, params: [value, ci ? 1 : 0] }));
  if (ci) {
    const pattern = kind === 'prefix' ? `${value.replace(/[\\*?]/g, '\\$&')}*` : value;
    return onValues(leaf, (x) => ({ sql: `es_like(${x}, 'wildcard', ?, 1)`, params: [pattern] }));
  }
  const glob = kind === 'prefix' ? `${globLiteral(value)}*` : wildcardToGlob(value);
  return onValues(leaf, (x) => ({ sql: `${x} GLOB ?`, params: [glob] }));
}

function matchOnLeaf(ctx: PartitionContext, leaf: Leaf, q: Extract<Query, { t: 'match' }>, lenient: boolean): Fragment {
  if (leaf.kind === 'text') {
    const tokens = tokenize(String(q.query));
    if (tokens.length === 0) return FALSE;
    if (q.kind === 'phrase') return fts(ctx, leaf, `"${tokens.join(' ')}"`);
    if (q.kind === 'phrase_prefix') return fts(ctx, leaf, `"${tokens.join(' ')}" *`);
    return fts(ctx, leaf, tokens.map(ftsQuote).join(q.operator === 'and' ? ' AND ' : ' OR '));
  }
  return termOnLeaf(ctx, leaf, q.query, false, lenient, q.zone);
}

function fieldsFor(ctx: PartitionContext, name: string): Leaf[] {
  return resolveFields(ctx.index, name.replace(/\^[\d.]+$/, ''));
}

export function compileQuery(q: Query, ctx: PartitionContext): Fragment {
  switch (q.t) {
    case 'all': return TRUE;
    case 'none': return FALSE;
    case 'bool': {
      const required = [...q.must, ...q.filter].map((c) => compileQuery(c, ctx));
      const excluded = q.mustNot.map((c) => negate(compileQuery(c, ctx)));
      const parts = [...required, ...excluded];
      const msm = minimumShouldMatch(q.msm, q.should.length, q.must.length + q.filter.length > 0);
      if (q.should.length > 0 && msm > 0) {
        const should = q.should.map((c) => compileQuery(c, ctx));
        // A sum needs 0/1, never NULL: each clause is coalesced.
        parts.push(msm === 1 ? join(should, 'OR') : { sql: `(${should.map((s) => safe(s).sql).join(' + ')} >= ${Math.trunc(msm)})`, params: should.flatMap((s) => s.params) });
      }
      return join(parts, 'AND');
    }
    case 'term': {
      if (q.field === '_id') return idsIn(ctx, [String(q.value)]);
      const meta = metaField(ctx, q.field, (v) => v === String(q.value));
      if (meta !== undefined) return meta;
      return join(fieldsFor(ctx, q.field).map((leaf) => termOnLeaf(ctx, leaf, q.value, q.ci, hasWildcard(q.field))), 'OR');
    }
    case 'terms': {
      if (q.field === '_id') return idsIn(ctx, q.values.map(String));
      const meta = metaField(ctx, q.field, (v) => q.values.map(String).includes(v));
      if (meta !== undefined) return meta;
      const parts: Fragment[] = [];
      for (const leaf of fieldsFor(ctx, q.field)) {
        if (leaf.kind === 'text') {
          parts.push(join(q.values.map((v) => termOnLeaf(ctx, leaf, v, false, false)), 'OR'));
          continue;
        }
        const values = q.values.map((v) => toColumnValue(leaf, v, false, ctx)).filter((v): v is SQLInputValue => v !== undefined);
        if (values.length === 0) continue;
        parts.push(onValues(leaf, (x) => ({ sql: `${x} IN (${values.map(() => '?').join(', ')})`, params: values })));
      }
      return join(parts, 'OR');
    }
    case 'range': {
      const leaves = fieldsFor(ctx, q.field);
      return join(leaves.map((leaf) => rangeOnLeaf(ctx, leaf, q, hasWildcard(q.field))), 'OR');
    }
    case 'exists': {
      if (q.field === '_id' || q.field === '_index' || q.field === '_source') return TRUE;
      let leaves = fieldsFor(ctx, q.field);
      if (leaves.length === 0) leaves = [...ctx.index.fields.values()].filter((l) => l.path.startsWith(`${q.field}.`));
      return join(leaves.map((leaf) => ({ sql: `${columnExpr(leaf)} IS NOT NULL`, params: [] })), 'OR');
    }
    case 'prefix':
    case 'wildcard':
    case 'regexp': {
      if (q.field === '_id' && q.t !== 'regexp') {
        const glob = q.t === 'prefix' ? `${globLiteral(q.value)}*` : wildcardToGlob(q.value);
        return { sql: `f.r IN (SELECT r FROM ${idsTable(ctx.index.id)} WHERE part = ? AND id GLOB ?)`, params: [ctx.part.id, glob] };
      }
      const meta = metaField(ctx, q.field, (v) => (q.t === 'prefix' ? v.startsWith(q.value) : q.t === 'wildcard' ? wildcardToRegExp(q.value).test(v) : userRegExp(q.value).test(v)));
      if (meta !== undefined) return meta;
      return join(fieldsFor(ctx, q.field).map((leaf) => patternOnLeaf(ctx, leaf, q.t, q.value, q.ci)), 'OR');
    }
    case 'ids':
      return idsIn(ctx, q.values);
    case 'match': {
      const parts: Fragment[] = [];
      for (const name of q.fields) {
        const clean = name.replace(/\^[\d.]+$/, '');
        if (clean === '_id') {
          parts.push(idsIn(ctx, [String(q.query)]));
          continue;
        }
        const lenient = q.lenient || hasWildcard(clean);
        for (const leaf of fieldsFor(ctx, clean)) {
          // `*` expansion skips fields whose mapping cannot hold the value instead of failing.
          parts.push(matchOnLeaf(ctx, leaf, q, lenient));
        }
      }
      return join(parts, 'OR');
    }
  }
}

/** @timestamp bounds implied by required clauses: used for partition pruning and the `ts` index. */
export function timeBounds(q: Query, now: number): { min: number; max: number } {
  let min = -Infinity;
  let max = Infinity;
  const visit = (node: Query): void => {
    if (node.t === 'bool') {
      for (const c of [...node.must, ...node.filter]) visit(c);
      return;
    }
    if (node.t !== 'range' || node.field !== '@timestamp') return;
    const zone = normalizeZone(node.zone);
    const at = (v: unknown, rounding: 'up' | 'down'): number | undefined => evaluateDateMath(v, { now, zone, rounding, format: node.format });
    if (node.gte !== undefined) min = Math.max(min, at(node.gte, 'down') ?? -Infinity);
    if (node.gt !== undefined) min = Math.max(min, (at(node.gt, 'up') ?? -Infinity) + 1);
    if (node.lte !== undefined) max = Math.min(max, at(node.lte, 'up') ?? Infinity);
    if (node.lt !== undefined) max = Math.min(max, (at(node.lt, 'down') ?? Infinity) - 1);
  };
  visit(q);
  return { min, max };
}
