/**
 * A parser for the Lucene query syntax of `query_string` (and the smaller `simple_query_string`):
 * `field:value`, `AND` / `OR` / `NOT` / `&&` / `||` / `!`, `+` / `-`, `"phrases"~N`, wildcards, `/regex/`,
 * ranges `[a TO b]` / `{a TO b}` / `>=x`, `_exists_:f`, grouping `( )` and `field:( … )`, `^boost`
 * (ignored), `term~` fuzzy (treated as exact). Clauses combine as Lucene does: `AND` makes both sides
 * required, `OR` optional, the default operator applies between bare clauses.
 *
 * No library: the candidates on npm (`lucene`, `lucene-query-parser`) produce their own AST that would
 * still need this translation, and `simple_query_string` must never fail, which is easier to own.
 */
import { EsError } from '../types.ts';
import type { Query } from './ast.ts';

export interface LuceneOptions {
  readonly fields: readonly string[];
  readonly operator: 'or' | 'and';
  readonly simple: boolean;
  readonly lenient: boolean;
  readonly zone?: string;
}

type Token =
  | { k: 'word'; v: string; quoted: false; regex?: false }
  | { k: 'phrase'; v: string }
  | { k: 'regex'; v: string }
  | { k: 'op'; v: 'AND' | 'OR' | 'NOT' | '+' | '-' }
  | { k: '('; } | { k: ')' }
  | { k: 'range'; v: string };

const SPECIAL = new Set([' ', '\t', '\n', '\r', '(', ')', '"', '^', '~', '[', ']', '{', '}']);

function tokenize(text: string, simple: boolean): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    if (c === '(' || c === ')') { out.push({ k: c }); i++; continue; }
    if (c === '"') {
      let j = i + 1;
      let v = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        v += text[j];
        j++;
      }
      out.push({ k: 'phrase', v });
      i = j + 1;
      i = skipSuffix(text, i);
      continue;
    }
    if (!simple && (c === '[' || c === '{')) {
      const close = text.slice(i).search(/[\]}]/);
      if (close === -1) throw new EsError(400, 'query_shard_exception', `Failed to parse query [${text}]`);
      out.push({ k: 'range', v: text.slice(i, i + close + 1) });
      i = i + close + 1;
      continue;
    }
    if (!simple && c === '/' ) {
      const end = text.indexOf('/', i + 1);
      if (end !== -1) {
        out.push({ k: 'regex', v: text.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    }
    if (c === '+' || c === '-' || c === '!') {
      const next = text[i + 1];
      if (next !== undefined && next !== ' ') {
        out.push({ k: 'op', v: c === '!' ? 'NOT' : (simple && c === '+') ? 'AND' : c });
        i++;
        continue;
      }
    }
    if (simple && c === '|') { out.push({ k: 'op', v: 'OR' }); i++; continue; }
    if (!simple && (text.startsWith('&&', i) || text.startsWith('||', i))) { out.push({ k: 'op', v: c === '&' ? 'AND' : 'OR' }); i += 2; continue; }
    let j = i;
    let v = '';
    while (j < text.length && !SPECIAL.has(text[j]!)) {
      if (text[j] === '\\' && j + 1 < text.length) {
        v += `\\${text[j + 1]}`;
        j += 2;
        continue;
      }
      if (simple && text[j] === '|') break;
      // `field:[a TO b]` and `field:"phrase"` continue after the colon.
      if (!simple && text[j] === ':' && (text[j + 1] === '[' || text[j + 1] === '{' || text[j + 1] === '"' || text[j + 1] === '(' || text[j + 1] === '/')) {
        v += ':';
        j++;
        break;
      }
      v += text[j];
      j++;
    }
    i = skipSuffix(text, j);
    if (!simple && (v === 'AND' || v === 'OR' || v === 'NOT')) out.push({ k: 'op', v });
    else if (v !== '') out.push({ k: 'word', v, quoted: false });
  }
  return out;
}

/** Skips `^boost` and `~fuzziness` suffixes, which logship does not score or expand. */
function skipSuffix(text: string, i: number): number {
  let j = i;
  while (text[j] === '^' || text[j] === '~') {
    j++;
    while (j < text.length && /[0-9.]/.test(text[j]!)) j++;
  }
  return j;
}

function unescape(v: string): string {
  return v.replace(/\\(.)/g, '$1');
}

const hasUnescapedWildcard = (v: string): boolean => /(^|[^\\])[*?]/.test(v);

class Parser {
  readonly #tokens: Token[];
  #pos = 0;
  readonly #opts: LuceneOptions;
  constructor(tokens: Token[], opts: LuceneOptions) {
    this.#tokens = tokens;
    this.#opts = opts;
  }

  parse(): Query {
    const q = this.#clauses(this.#opts.fields, false);
    if (this.#pos < this.#tokens.length) throw new EsError(400, 'query_shard_exception', 'Failed to parse query: unbalanced parentheses');
    return q;
  }

  /** A sequence of clauses up to `)` or the end, combined the way Lucene's QueryParser does. */
  #clauses(fields: readonly string[], nested: boolean): Query {
    const items: Array<{ q: Query; occur: 'must' | 'should' | 'mustNot' }> = [];
    let conj: 'AND' | 'OR' | undefined;
    while (this.#pos < this.#tokens.length) {
      const t = this.#tokens[this.#pos]!;
      if (t.k === ')') {
        if (!nested) throw new EsError(400, 'query_shard_exception', 'Failed to parse query: unbalanced parentheses');
        break;
      }
      if (t.k === 'op' && (t.v === 'AND' || t.v === 'OR')) {
        conj = t.v;
        this.#pos++;
        continue;
      }
      let modifier: 'must' | 'mustNot' | undefined;
      if (t.k === 'op' && (t.v === '+' || t.v === '-' || t.v === 'NOT')) {
        modifier = t.v === '+' ? 'must' : 'mustNot';
        this.#pos++;
      }
      const q = this.#clause(fields);
      if (q === undefined) continue;
      let occur: 'must' | 'should' | 'mustNot';
      if (modifier !== undefined) occur = modifier;
      else if (conj === 'AND') occur = 'must';
      else if (conj === 'OR') occur = 'should';
      else occur = this.#opts.operator === 'and' ? 'must' : 'should';
      // `a AND b`: the left side becomes required too (unless it was negated).
      if (conj === 'AND' && items.length > 0 && items[items.length - 1]!.occur === 'should') items[items.length - 1]!.occur = 'must';
      if (conj === 'OR' && this.#opts.operator === 'and' && items.length > 0 && items[items.length - 1]!.occur === 'must' && modifier === undefined) items[items.length - 1]!.occur = 'should';
      items.push({ q, occur });
      conj = undefined;
    }
    if (items.length === 1 && items[0]!.occur !== 'mustNot') return items[0]!.q;
    if (items.length === 0) return { t: 'none' };
    return {
      t: 'bool', must: items.filter((i) => i.occur === 'must').map((i) => i.q), filter: [],
      should: items.filter((i) => i.occur === 'should').map((i) => i.q), mustNot: items.filter((i) => i.occur === 'mustNot').map((i) => i.q), msm: undefined,
    };
  }

  #clause(fields: readonly string[]): Query | undefined {
    const t = this.#tokens[this.#pos++];
    if (t === undefined) return undefined;
    if (t.k === '(') {
      const q = this.#clauses(fields, true);
      if (this.#tokens[this.#pos]?.k === ')') this.#pos++;
      return q;
    }
    if (t.k === 'phrase') return this.#phrase(fields, t.v);
    if (t.k === 'regex') return or(fields.map((field) => ({ t: 'regexp', field, value: t.v, ci: false })));
    if (t.k === 'range') return this.#range(fields, t.v);
    if (t.k !== 'word') return undefined;
    const colon = this.#opts.simple ? -1 : findFieldColon(t.v);
    if (colon > 0) {
      const field = unescape(t.v.slice(0, colon));
      const rest = t.v.slice(colon + 1);
      if (field === '_exists_') return { t: 'exists', field: unescape(rest) };
      const targetFields = [field];
      if (rest === '') {
        const next = this.#tokens[this.#pos];
        if (next === undefined) return undefined;
        if (next.k === '(') {
          this.#pos++;
          const q = this.#clauses(targetFields, true);
          if (this.#tokens[this.#pos]?.k === ')') this.#pos++;
          return q;
        }
        this.#pos++;
        if (next.k === 'phrase') return this.#phrase(targetFields, next.v);
        if (next.k === 'range') return this.#range(targetFields, next.v);
        if (next.k === 'regex') return { t: 'regexp', field, value: next.v, ci: false };
        if (next.k === 'word') return this.#word(targetFields, next.v);
        return undefined;
      }
      return this.#word(targetFields, rest);
    }
    return this.#word(fields, t.v);
  }

  #phrase(fields: readonly string[], text: string): Query {
    return { t: 'match', fields: [...fields], query: text, operator: 'and', kind: 'phrase', lenient: this.#opts.lenient };
  }

  #word(fields: readonly string[], raw: string): Query {
    const zone = this.#opts.zone;
    const cmp = /^(>=|<=|>|<)(.+)$/.exec(raw);
    if (cmp !== null && !this.#opts.simple) {
      const value = unescape(cmp[2]!);
      const op = cmp[1] === '>=' ? 'gte' : cmp[1] === '<=' ? 'lte' : cmp[1] === '>' ? 'gt' : 'lt';
      return or(fields.map((field) => ({ t: 'range', field, [op]: value, ...(zone !== undefined ? { zone } : {}) }) as Query));
    }
    if (raw === '*') {
      if (fields.length === 1 && fields[0] === '*') return { t: 'all' };
      return or(fields.map((field) => ({ t: 'exists', field })));
    }
    if (hasUnescapedWildcard(raw)) {
      const prefix = /^([^*?]*)\*$/.exec(raw);
      return or(fields.map((field) => (prefix !== null && !prefix[1]!.includes('\\')
        ? { t: 'prefix', field, value: unescape(prefix[1]!), ci: false }
        : { t: 'wildcard', field, value: raw, ci: false })));
    }
    return { t: 'match', fields: [...fields], query: unescape(raw), operator: this.#opts.operator, kind: 'match', lenient: this.#opts.lenient, ...(zone !== undefined ? { zone } : {}) };
  }

  #range(fields: readonly string[], text: string): Query {
    const m = /^([[{])\s*(\S+|"[^"]*")\s+TO\s+(\S+|"[^"]*")\s*([\]}])$/.exec(text);
    if (m === null) throw new EsError(400, 'query_shard_exception', `Failed to parse query [${text}]`);
    const strip = (v: string): string | undefined => (v === '*' ? undefined : unescape(v.replace(/^"|"$/g, '')));
    const lower = strip(m[2]!);
    const upper = strip(m[3]!);
    const zone = this.#opts.zone;
    return or(fields.map((field) => ({
      t: 'range', field,
      ...(lower !== undefined ? (m[1] === '[' ? { gte: lower } : { gt: lower }) : {}),
      ...(upper !== undefined ? (m[4] === ']' ? { lte: upper } : { lt: upper }) : {}),
      ...(zone !== undefined ? { zone } : {}),
    }) as Query));
  }
}

function findFieldColon(v: string): number {
  for (let i = 0; i < v.length; i++) {
    if (v[i] === '\\') { i++; continue; }
    if (v[i] === ':') return i;
  }
  return -1;
}

function or(queries: Query[]): Query {
  if (queries.length === 1) return queries[0]!;
  return { t: 'bool', must: [], filter: [], should: queries, mustNot: [], msm: 1 };
}

export function parseLucene(text: string, options: LuceneOptions): Query {
  if (options.simple) {
    try {
      return new Parser(tokenize(text, true), options).parse();
    } catch {
      // simple_query_string never fails on syntax: it searches the text as it is.
      return { t: 'match', fields: [...options.fields], query: text, operator: options.operator, kind: 'match', lenient: true };
    }
  }
  if (text.trim() === '' ) return { t: 'none' };
  return new Parser(tokenize(text, false), options).parse();
}
