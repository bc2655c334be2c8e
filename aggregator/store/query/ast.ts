/**
 * The query DSL, parsed and checked once per search into a small tree that the SQL compiler
 * (compile.ts) and the tests' reference evaluator both read. Errors are ES's `parsing_exception`s;
 * queries logship does not implement are refused by name rather than answered wrongly.
 */
import { EsError, type JsonObject } from '../types.ts';
import { parseLucene } from './lucene.ts';

export type Query =
  | { readonly t: 'all' }
  | { readonly t: 'none' }
  | { readonly t: 'bool'; readonly must: Query[]; readonly filter: Query[]; readonly should: Query[]; readonly mustNot: Query[]; readonly msm: string | number | undefined }
  | { readonly t: 'term'; readonly field: string; readonly value: unknown; readonly ci: boolean }
  | { readonly t: 'terms'; readonly field: string; readonly values: unknown[] }
  | { readonly t: 'range'; readonly field: string; readonly gt?: unknown; readonly gte?: unknown; readonly lt?: unknown; readonly lte?: unknown; readonly format?: string; readonly zone?: string }
  | { readonly t: 'exists'; readonly field: string }
  | { readonly t: 'prefix'; readonly field: string; readonly value: string; readonly ci: boolean }
  | { readonly t: 'wildcard'; readonly field: string; readonly value: string; readonly ci: boolean }
  | { readonly t: 'regexp'; readonly field: string; readonly value: string; readonly ci: boolean }
  | { readonly t: 'ids'; readonly values: string[] }
  | { readonly t: 'match'; readonly fields: string[]; readonly query: unknown; readonly operator: 'or' | 'and'; readonly kind: 'match' | 'phrase' | 'phrase_prefix'; readonly lenient: boolean; readonly zone?: string };

export const MATCH_ALL: Query = { t: 'all' };

function parsingError(reason: string): EsError {
  return new EsError(400, 'parsing_exception', reason, { line: 1, col: 1 });
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{ "term": { "field": value | { value, … } } }` → [field, options]. */
function single(name: string, body: unknown, valueKey = 'value'): [string, JsonObject] {
  if (!isObject(body)) throw parsingError(`[${name}] query malformed, no start_object after query name`);
  const entries = Object.entries(body).filter(([k]) => k !== 'boost' && k !== '_name');
  if (entries.length !== 1) throw parsingError(`[${name}] query doesn't support multiple fields, found [${entries.map(([k]) => k).join('] and [')}]`);
  const [field, spec] = entries[0]!;
  return [field, isObject(spec) ? spec : { [valueKey]: spec }];
}

function list(v: unknown): Query[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((q) => parseQuery(q));
}

export function parseQuery(input: unknown): Query {
  if (input === undefined || input === null) return MATCH_ALL;
  if (!isObject(input)) throw parsingError('query malformed, must start with start_object');
  const keys = Object.keys(input);
  if (keys.length === 0) return MATCH_ALL;
  if (keys.length > 1) throw parsingError(`[${keys[0]}] malformed query, expected [END_OBJECT] but found [FIELD_NAME]`);
  const name = keys[0]!;
  const body = input[name];
  switch (name) {
    case 'match_all': return MATCH_ALL;
    case 'match_none': return { t: 'none' };
    case 'bool': {
      if (!isObject(body)) throw parsingError('[bool] query malformed');
      for (const key of Object.keys(body)) {
        if (!['must', 'filter', 'should', 'must_not', 'minimum_should_match', 'boost', '_name', 'adjust_pure_negative'].includes(key)) throw parsingError(`[bool] query does not support [${key}]`);
      }
      const msm = body.minimum_should_match;
      return { t: 'bool', must: list(body.must), filter: list(body.filter), should: list(body.should), mustNot: list(body.must_not), msm: typeof msm === 'number' || typeof msm === 'string' ? msm : undefined };
    }
    case 'constant_score': {
      if (!isObject(body)) throw parsingError('[constant_score] query malformed');
      return parseQuery(body.filter);
    }
    case 'term': {
      const [field, spec] = single(name, body);
      if (spec.value === undefined || spec.value === null) throw parsingError('[term] query does not support null values');
      return { t: 'term', field, value: spec.value, ci: spec.case_insensitive === true };
    }
    case 'terms': {
      if (!isObject(body)) throw parsingError('[terms] query malformed');
      const entries = Object.entries(body).filter(([k]) => k !== 'boost' && k !== '_name');
      if (entries.length !== 1) throw parsingError('[terms] query does not support multiple fields');
      const [field, values] = entries[0]!;
      if (!Array.isArray(values)) throw new EsError(400, 'parsing_exception', '[terms] query does not support terms lookup in logship; give the values as an array');
      return { t: 'terms', field, values };
    }
    case 'range': {
      const [field, spec] = single(name, body);
      const get = (k: string): unknown => (spec[k] === null ? undefined : spec[k]);
      let gt = get('gt'); let gte = get('gte'); let lt = get('lt'); let lte = get('lte');
      // Legacy from/to/include_lower/include_upper.
      if (spec.from !== undefined && spec.from !== null) {
        if (spec.include_lower === false) gt = spec.from;
        else gte = spec.from;
      }
      if (spec.to !== undefined && spec.to !== null) {
        if (spec.include_upper === false) lt = spec.to;
        else lte = spec.to;
      }
      return {
        t: 'range', field,
        ...(gt !== undefined ? { gt } : {}), ...(gte !== undefined ? { gte } : {}), ...(lt !== undefined ? { lt } : {}), ...(lte !== undefined ? { lte } : {}),
        ...(typeof spec.format === 'string' ? { format: spec.format } : {}), ...(typeof spec.time_zone === 'string' ? { zone: spec.time_zone } : {}),
      };
    }
    case 'exists': {
      if (!isObject(body) || typeof body.field !== 'string') throw parsingError('[exists] must be provided with a [field]');
      return { t: 'exists', field: body.field };
    }
    case 'prefix':
    case 'wildcard':
    case 'regexp': {
      const [field, spec] = single(name, body);
      const value = spec.value ?? spec.wildcard ?? spec.prefix;
      if (typeof value !== 'string') throw parsingError(`[${name}] requires a string value`);
      return { t: name, field, value, ci: spec.case_insensitive === true };
    }
    case 'ids': {
      if (!isObject(body) || !Array.isArray(body.values)) throw parsingError('[ids] requires [values]');
      return { t: 'ids', values: body.values.map(String) };
    }
    case 'match':
    case 'match_phrase':
    case 'match_phrase_prefix':
    case 'match_bool_prefix': {
      const [field, spec] = single(name, body, 'query');
      if (spec.query === undefined) throw parsingError(`[${name}] requires query value`);
      const kind = name === 'match_phrase' ? 'phrase' : name === 'match_phrase_prefix' ? 'phrase_prefix' : 'match';
      const operator = String(spec.operator ?? 'or').toLowerCase() === 'and' ? 'and' : 'or';
      return { t: 'match', fields: [field], query: spec.query, operator, kind, lenient: spec.lenient === true };
    }
    case 'multi_match': {
      if (!isObject(body) || body.query === undefined) throw parsingError('[multi_match] requires query value');
      const type = String(body.type ?? 'best_fields');
      if (!['best_fields', 'most_fields', 'phrase', 'phrase_prefix', 'cross_fields', 'bool_prefix'].includes(type)) throw parsingError(`[multi_match] query does not support type ${type}`);
      const fields = Array.isArray(body.fields) ? body.fields.map(String) : typeof body.fields === 'string' ? [body.fields] : ['*'];
      const kind = type === 'phrase' ? 'phrase' : type === 'phrase_prefix' ? 'phrase_prefix' : 'match';
      const operator = String(body.operator ?? 'or').toLowerCase() === 'and' ? 'and' : 'or';
      return { t: 'match', fields, query: body.query, operator, kind, lenient: body.lenient === true || fields.includes('*') };
    }
    case 'query_string':
    case 'simple_query_string': {
      if (!isObject(body) || typeof body.query !== 'string') throw parsingError(`[${name}] requires query value`);
      const fields = Array.isArray(body.fields) ? body.fields.map(String) : typeof body.default_field === 'string' ? [body.default_field] : ['*'];
      const operator = String(body.default_operator ?? 'or').toLowerCase() === 'and' ? 'and' : 'or';
      return parseLucene(body.query, {
        fields, operator, simple: name === 'simple_query_string', lenient: body.lenient === true || fields.includes('*'),
        ...(typeof body.time_zone === 'string' ? { zone: body.time_zone } : {}),
      });
    }
    default:
      throw new EsError(400, 'parsing_exception', `logship does not support query [${name}]`, { line: 1, col: 1 });
  }
}

/** Parses `minimum_should_match` (`2`, `-1`, `75%`, `-25%`) against the number of optional clauses. */
export function minimumShouldMatch(msm: string | number | undefined, clauses: number, hasRequired: boolean): number {
  if (msm === undefined) return hasRequired || clauses === 0 ? 0 : 1;
  const text = String(msm).trim();
  let n: number;
  if (text.endsWith('%')) {
    const pct = Number(text.slice(0, -1));
    n = pct < 0 ? clauses + Math.trunc((clauses * pct) / 100) : Math.trunc((clauses * pct) / 100);
  } else {
    const v = Number(text);
    if (!Number.isFinite(v)) throw parsingError(`[bool] failed to parse minimum_should_match [${text}]`);
    n = v < 0 ? clauses + v : v;
  }
  return Math.max(0, Math.min(n, clauses === 0 ? 0 : n));
}
