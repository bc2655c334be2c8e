/**
 * KQL syntax tree → Elasticsearch query DSL, emitting what Kibana's KQL compiler emits
 * (`kbn-es-query/src/kuery/functions/{is,range,and,or,not,nested}.ts`), so a query typed here finds the
 * same documents as in Kibana, on the embedded store and on a real cluster alike:
 * - `f: v` → `bool{should:[<per field>], minimum_should_match:1}` with `match` (text), `match_phrase`
 *   (quoted), `term` (keyword-only field), `range{gte:v,lte:v}` (date), `wildcard` (keyword + `*`),
 *   `query_string{fields,query}` (other + `*`), `exists` (`f:*`);
 * - free text → `multi_match{type:best_fields|phrase, lenient:true}`, or `query_string{query}` with `*`;
 * - `and` → `bool.filter`, `or` → `bool.should` + `minimum_should_match:1`, `not` → `bool.must_not`.
 * Field types come from `_field_caps` when known; unknown fields are sent as typed, as Kibana does.
 */
import type { KqlNode, KqlValue } from './parse.ts';
import { isLoneWildcard, parseKql } from './parse.ts';

export type Dsl = { [key: string]: unknown };

/** A field as the data view knows it: Kibana's type (`string`, `number`, `date`, …) and the ES types. */
export type FieldSpec = { readonly name: string; readonly type: string; readonly esTypes: readonly string[] };

export type KqlOptions = {
  readonly fields?: readonly FieldSpec[];
  /** Added as `time_zone` to ranges on date fields (Kibana's `dateFormat:tz`). */
  readonly dateFormatTZ?: string;
  readonly caseInsensitive?: boolean;
};

type Context = { readonly nestedPath?: string };

export function kqlToDsl(input: string | KqlNode, options: KqlOptions = {}): Dsl {
  const node = typeof input === 'string' ? parseKql(input) : input;
  return toDsl(node, options, {});
}

function toDsl(node: KqlNode, options: KqlOptions, context: Context): Dsl {
  switch (node.type) {
    case 'and': return { bool: { filter: node.args.map((a) => toDsl(a, options, context)) } };
    case 'or': return { bool: { should: node.args.map((a) => toDsl(a, options, context)), minimum_should_match: 1 } };
    case 'not': return { bool: { must_not: toDsl(node.arg, options, context) } };
    case 'nested': {
      const path = fullName(valueText(node.path), context);
      return { nested: { path, query: toDsl(node.query, options, { nestedPath: path }), score_mode: 'none' } };
    }
    case 'range': return rangeQuery(node.field, node.operator, node.value, options, context);
    case 'is': return isQuery(node.field, node.value, options, context);
  }
}

function isQuery(fieldArg: KqlValue | null, valueArg: KqlValue, options: KqlOptions, context: Context): Dsl {
  const isExists = isLoneWildcard(valueArg);
  if (isExists && fieldArg !== null && isLoneWildcard(fieldArg)) return { match_all: {} };

  const value = esValue(valueArg);
  const type = valueArg.type === 'literal' && valueArg.quoted ? 'phrase' : 'best_fields';
  if (fieldArg === null) {
    if (valueArg.type === 'wildcard') return { query_string: { query: queryStringValue(valueArg) } };
    return { multi_match: { type, query: value, lenient: true } };
  }

  const queries = fieldsFor(fieldArg, options, context).map((field): Dsl => {
    const keywordOnly = field.esTypes.length === 1 && field.esTypes[0] === 'keyword';
    const caseInsensitive = typeof options.caseInsensitive === 'boolean' ? { case_insensitive: options.caseInsensitive } : {};
    if (isExists) return { exists: { field: field.name } };
    if (valueArg.type === 'wildcard') {
      return keywordOnly
        ? { wildcard: { [field.name]: { value: queryStringValue(valueArg), ...caseInsensitive } } }
        : { query_string: { fields: [field.name], query: queryStringValue(valueArg) } };
    }
    if (field.type === 'date') {
      const epoch = typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value));
      const tz = options.dateFormatTZ && !epoch ? { time_zone: options.dateFormatTZ } : {};
      return { range: { [field.name]: { gte: value, lte: value, ...tz } } };
    }
    if (keywordOnly) return { term: { [field.name]: { value, ...caseInsensitive } } };
    return { [type === 'phrase' ? 'match_phrase' : 'match']: { [field.name]: value } };
  });
  return { bool: { should: queries, minimum_should_match: 1 } };
}

function rangeQuery(fieldArg: KqlValue, operator: string, valueArg: KqlValue, options: KqlOptions, context: Context): Dsl {
  const value = esValue(valueArg);
  const queries = fieldsFor(fieldArg, options, context).map((field): Dsl => {
    if (field.type === 'date') {
      const epoch = typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value));
      const tz = options.dateFormatTZ && !epoch ? { time_zone: options.dateFormatTZ } : {};
      return { range: { [field.name]: { [operator]: value, ...tz } } };
    }
    return { range: { [field.name]: { [operator]: value } } };
  });
  return { bool: { should: queries, minimum_should_match: 1 } };
}

/** Kibana's `getFields`: a plain name is itself; a wildcard name expands over the known fields. */
function fieldsFor(fieldArg: KqlValue, options: KqlOptions, context: Context): FieldSpec[] {
  const known = options.fields ?? [];
  if (fieldArg.type === 'literal') {
    const name = fullName(String(fieldArg.value), context);
    const found = known.find((f) => f.name === name);
    return [found ?? { name, type: '', esTypes: [] }];
  }
  const prefix = context.nestedPath ? `${context.nestedPath}.` : '';
  const pattern = new RegExp(`^${fieldArg.parts.map(escapeRegExp).join('.*')}$`);
  const matches = known.filter((f) => f.name.startsWith(prefix) && pattern.test(f.name.slice(prefix.length)));
  if (matches.length > 0) return matches;
  return [{ name: prefix + fieldArg.parts.join('*'), type: '', esTypes: [] }];
}

function fullName(name: string, context: Context): string {
  return context.nestedPath ? `${context.nestedPath}.${name}` : name;
}

function valueText(value: KqlValue): string {
  return value.type === 'literal' ? String(value.value) : value.parts.join('*');
}

function esValue(value: KqlValue): string | boolean | null {
  return value.type === 'literal' ? value.value : value.parts.join('*');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Kibana's `wildcard.toQueryStringQuery`: Lucene-escape the text between the wildcards. */
function queryStringValue(value: KqlValue & { type: 'wildcard' }): string {
  return value.parts.map((p) => p.replace(/[+\-=&|><!(){}[\]^"~*?:\\/]/g, '\\$&')).join('*');
}
