/**
 * KQL (Kibana Query Language) parser: text → syntax tree, or a syntax error that carries its position.
 *
 * Hand-written recursive descent that follows Kibana's PEG grammar rule by rule
 * (`kbn-es-query/src/kuery/grammar/grammar.peggy`), including its quirks: unquoted values may contain
 * spaces (`message: hello world` is one value), `or`/`and` are keywords only between spaces, `not` only
 * before a space, and `*` is a wildcard unless escaped. Like a PEG parser it reports the furthest
 * position it reached and what it expected there, so `status >= ` says where the value is missing.
 * Pure, dependency-free, shared by the browser bundle and the unit tests.
 */

export type KqlLiteral = { readonly type: 'literal'; readonly value: string | boolean | null; readonly quoted: boolean };
/** A value with unescaped `*`: the text between the wildcards, so `win*` is `['win', '']`. */
export type KqlWildcard = { readonly type: 'wildcard'; readonly parts: readonly string[] };
export type KqlValue = KqlLiteral | KqlWildcard;
export type RangeOperator = 'gt' | 'gte' | 'lt' | 'lte';

export type KqlNode =
  | { readonly type: 'and' | 'or'; readonly args: readonly KqlNode[] }
  | { readonly type: 'not'; readonly arg: KqlNode }
  /** `field: value`; `field` is null for free text (`value` alone). */
  | { readonly type: 'is'; readonly field: KqlValue | null; readonly value: KqlValue }
  | { readonly type: 'range'; readonly field: KqlValue; readonly operator: RangeOperator; readonly value: KqlValue }
  | { readonly type: 'nested'; readonly path: KqlValue; readonly query: KqlNode };

export class KqlSyntaxError extends Error {
  /** Offset (0-based, in UTF-16 code units) where the parser could not go on. */
  readonly position: number;
  readonly expected: readonly string[];
  readonly found: string | null;
  constructor(message: string, position: number, expected: readonly string[], found: string | null) {
    super(message);
    this.name = 'KqlSyntaxError';
    this.position = position;
    this.expected = expected;
    this.found = found;
  }
}

/** A value list (`(a or b)`) before its field is known: Kibana's "partial" nodes. */
type Partial =
  | { readonly type: 'and' | 'or'; readonly args: readonly Partial[] }
  | { readonly type: 'not'; readonly arg: Partial }
  | { readonly type: 'value'; readonly value: KqlValue };

const SPECIAL = new Set(['\\', '(', ')', ':', '<', '>', '"', '*', '{', '}']);
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\u00A0';

/** Characters of an unquoted literal: a wildcard marker is an object so escaped `\*` stays text. */
type Char = string | { readonly wildcard: true };

class Parser {
  private readonly input: string;
  private pos = 0;
  private failPos = 0;
  private expected = new Set<string>();

  constructor(input: string) {
    this.input = input;
  }

  parse(): KqlNode {
    this.skipSpaces();
    const start = this.pos;
    const query = this.orQuery();
    if (query === null) this.pos = start;
    this.skipSpaces();
    if (this.pos < this.input.length) {
      this.expect('end of input');
      throw this.error();
    }
    if (query === null) {
      if (this.input.slice(start).trim() === '') return matchAll();
      throw this.error();
    }
    return query;
  }

  // ---- rules (names follow the grammar) -------------------------------------------------------

  /**
   * `operand (keyword operand)*`, the shape of every and/or rule: one operand alone is returned as it is,
   * several become one node of that type. A keyword not followed by an operand is given back.
   */
  private chain<T>(keyword: 'and' | 'or', operand: () => T | null): T | { type: 'and' | 'or'; args: T[] } | null {
    const head = operand();
    if (head === null) return null;
    const nodes = [head];
    for (;;) {
      const save = this.pos;
      if (!this.keyword(keyword, true)) break;
      const next = operand();
      if (next === null) {
        this.pos = save;
        break;
      }
      nodes.push(next);
    }
    return nodes.length === 1 ? head : { type: keyword, args: nodes };
  }

  /** `not operand`, or the operand alone; a `not` with nothing after it is given back. */
  private negated<T>(operand: () => T | null): T | { type: 'not'; arg: T } | null {
    const save = this.pos;
    if (this.keyword('not', false)) {
      const arg = operand();
      if (arg !== null) return { type: 'not', arg };
      this.pos = save;
    }
    return operand();
  }

  /** `( inner )`, or null with the position given back when there is no complete group here. */
  private grouped<T>(inner: () => T | null): T | null {
    const save = this.pos;
    if (this.char('(')) {
      this.skipSpaces();
      const result = inner();
      if (result !== null) {
        this.skipSpaces();
        if (this.char(')')) return result;
      }
      this.pos = save;
    }
    return null;
  }

  private orQuery(): KqlNode | null {
    return this.chain<KqlNode>('or', () => this.andQuery());
  }

  private andQuery(): KqlNode | null {
    return this.chain<KqlNode>('and', () => this.notQuery());
  }

  private notQuery(): KqlNode | null {
    return this.negated<KqlNode>(() => this.subQuery());
  }

  private subQuery(): KqlNode | null {
    return this.grouped(() => this.orQuery()) ?? this.nestedQuery();
  }

  private nestedQuery(): KqlNode | null {
    const save = this.pos;
    const field = this.literal();
    if (field !== null) {
      this.skipSpaces();
      if (this.char(':')) {
        this.skipSpaces();
        if (this.char('{')) {
          this.skipSpaces();
          const query = this.orQuery();
          if (query !== null) {
            this.skipSpaces();
            if (this.char('}')) return { type: 'nested', path: field, query };
          }
        }
      }
    }
    this.pos = save;
    return this.expression();
  }

  private expression(): KqlNode | null {
    return this.fieldRangeExpression() ?? this.fieldValueExpression() ?? this.valueExpression();
  }

  private fieldRangeExpression(): KqlNode | null {
    const save = this.pos;
    const field = this.literal();
    if (field !== null) {
      this.skipSpaces();
      const operator = this.rangeOperator();
      if (operator !== null) {
        this.skipSpaces();
        const value = this.literal('value');
        if (value !== null) return { type: 'range', field, operator, value };
      }
    }
    this.pos = save;
    return null;
  }

  private fieldValueExpression(): KqlNode | null {
    const save = this.pos;
    const field = this.literal();
    if (field !== null) {
      this.skipSpaces();
      if (this.char(':')) {
        this.skipSpaces();
        const partial = this.listOfValues();
        if (partial !== null) return applyField(partial, field);
      }
    }
    this.pos = save;
    return null;
  }

  private valueExpression(): KqlNode | null {
    const value = this.value();
    return value === null ? null : { type: 'is', field: null, value };
  }

  private listOfValues(): Partial | null {
    const group = this.grouped(() => this.orListOfValues());
    if (group !== null) return group;
    const value = this.value();
    return value === null ? null : { type: 'value', value };
  }

  private orListOfValues(): Partial | null {
    return this.chain<Partial>('or', () => this.andListOfValues());
  }

  private andListOfValues(): Partial | null {
    return this.chain<Partial>('and', () => this.notListOfValues());
  }

  private notListOfValues(): Partial | null {
    return this.negated<Partial>(() => this.listOfValues());
  }

  private value(): KqlValue | null {
    const quoted = this.quotedString();
    if (quoted !== null) return quoted;
    const unquoted = this.unquotedLiteral();
    if (unquoted === null) this.expect('value');
    return unquoted;
  }

  private literal(label: 'field name' | 'value' = 'field name'): KqlValue | null {
    const quoted = this.quotedString();
    if (quoted !== null) return quoted;
    const unquoted = this.unquotedLiteral();
    if (unquoted === null) this.expect(label);
    return unquoted;
  }

  private quotedString(): KqlLiteral | null {
    const save = this.pos;
    if (this.input[this.pos] !== '"') return null;
    this.pos++;
    let text = '';
    for (;;) {
      const c = this.input[this.pos];
      if (c === undefined) {
        this.expect('"\\""');
        this.pos = save;
        return null;
      }
      if (c === '"') { this.pos++; return { type: 'literal', value: text, quoted: true }; }
      if (c === '\\') {
        const escaped = this.escapedWhitespace() ?? this.escapedUnicode();
        if (escaped !== null) { text += escaped; continue; }
        const next = this.input[this.pos + 1];
        if (next === '\\' || next === '"') { text += next; this.pos += 2; continue; }
      }
      text += c;
      this.pos++;
    }
  }

  private unquotedLiteral(): KqlValue | null {
    const chars: Char[] = [];
    for (;;) {
      const c = this.unquotedCharacter();
      if (c === null) break;
      chars.push(c);
    }
    if (chars.length === 0) return null;
    const hasWildcard = chars.some((c) => typeof c !== 'string');
    if (!hasWildcard) {
      const sequence = (chars as string[]).join('').trim();
      if (sequence === 'null') return { type: 'literal', value: null, quoted: false };
      if (sequence === 'true') return { type: 'literal', value: true, quoted: false };
      if (sequence === 'false') return { type: 'literal', value: false, quoted: false };
      return { type: 'literal', value: sequence, quoted: false };
    }
    // Trim like Kibana does on the joined sequence: only real whitespace at both ends.
    const parts: string[] = [''];
    for (const c of chars) {
      if (typeof c === 'string') parts[parts.length - 1] += c;
      else parts.push('');
    }
    parts[0] = parts[0]!.replace(/^[ \t\r\n\u00A0]+/, '');
    parts[parts.length - 1] = parts[parts.length - 1]!.replace(/[ \t\r\n\u00A0]+$/, '');
    return { type: 'wildcard', parts };
  }

  private unquotedCharacter(): Char | null {
    const c = this.input[this.pos];
    if (c === undefined) return null;
    if (c === '\\') {
      const whitespace = this.escapedWhitespace();
      if (whitespace !== null) return whitespace;
      const next = this.input[this.pos + 1];
      if (next !== undefined && SPECIAL.has(next)) { this.pos += 2; return next; }
      const unicode = this.escapedUnicode();
      if (unicode !== null) return unicode;
      const keyword = /^(or|and|not)/i.exec(this.input.slice(this.pos + 1, this.pos + 4));
      if (keyword) { this.pos += 1 + keyword[0].length; return keyword[0]; }
      return null; // a lone backslash is a special character
    }
    if (c === '*') { this.pos++; return { wildcard: true }; }
    if (SPECIAL.has(c) || this.atKeyword()) return null;
    this.pos++;
    return c;
  }

  private escapedWhitespace(): string | null {
    const pair = this.input.slice(this.pos, this.pos + 2);
    const map: Record<string, string> = { '\\t': '\t', '\\r': '\r', '\\n': '\n' };
    const found = map[pair];
    if (found === undefined) return null;
    this.pos += 2;
    return found;
  }

  private escapedUnicode(): string | null {
    const match = /^\\u([0-9a-f]{4})/i.exec(this.input.slice(this.pos, this.pos + 6));
    if (!match) return null;
    this.pos += 6;
    return String.fromCharCode(parseInt(match[1]!, 16));
  }

  /** Kibana's `Keyword` lookahead: `<space>or<space>`, `<space>and<space>`, `not<space>`. */
  private atKeyword(): boolean {
    const rest = this.input.slice(this.pos, this.pos + 5);
    return /^[ \t\r\n\u00A0](or|and)[ \t\r\n\u00A0]/i.test(rest) || /^not[ \t\r\n\u00A0]/i.test(rest);
  }

  /** `Or`/`And` = Space+ word Space+; `Not` = word Space+. */
  private keyword(word: 'or' | 'and' | 'not', leadingSpace: boolean): boolean {
    const save = this.pos;
    if (leadingSpace) {
      if (!isSpace(this.input[this.pos])) { this.expect(word.toUpperCase()); return false; }
      this.skipSpaces();
    }
    if (this.input.slice(this.pos, this.pos + word.length).toLowerCase() !== word) {
      this.expect(word.toUpperCase());
      this.pos = save;
      return false;
    }
    this.pos += word.length;
    if (!isSpace(this.input[this.pos])) {
      this.expect('whitespace');
      this.pos = save;
      return false;
    }
    this.skipSpaces();
    return true;
  }

  private rangeOperator(): RangeOperator | null {
    for (const [text, op] of [['<=', 'lte'], ['>=', 'gte'], ['<', 'lt'], ['>', 'gt']] as const) {
      if (this.input.startsWith(text, this.pos)) { this.pos += text.length; return op; }
    }
    this.expect('range operator');
    return null;
  }

  private char(c: string): boolean {
    if (this.input[this.pos] === c) { this.pos++; return true; }
    this.expect(`"${c}"`);
    return false;
  }

  private skipSpaces(): void {
    while (isSpace(this.input[this.pos])) this.pos++;
  }

  private expect(what: string): void {
    if (this.pos > this.failPos) {
      this.failPos = this.pos;
      this.expected = new Set([what]);
    } else if (this.pos === this.failPos) {
      this.expected.add(what);
    }
  }

  private error(): KqlSyntaxError {
    const position = this.failPos;
    const found = position < this.input.length ? this.input[position]! : null;
    const expected = [...this.expected].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b) || a.localeCompare(b));
    const list = expected.length <= 1 ? (expected[0] ?? 'more input') : `${expected.slice(0, -1).join(', ')} or ${expected.at(-1)}`;
    const message = `Expected ${list} but ${found === null ? 'end of input' : JSON.stringify(found)} found.`;
    return new KqlSyntaxError(message, position, expected, found);
  }
}

const ORDER = ['"("', 'NOT', 'field name', 'value', 'range operator', '":"', '"{"', '")"', '"}"', 'OR', 'AND', 'whitespace', '"\\""', 'end of input'];

function matchAll(): KqlNode {
  const star: KqlWildcard = { type: 'wildcard', parts: ['', ''] };
  return { type: 'is', field: star, value: star };
}

function applyField(partial: Partial, field: KqlValue): KqlNode {
  switch (partial.type) {
    case 'value': return { type: 'is', field, value: partial.value };
    case 'not': return { type: 'not', arg: applyField(partial.arg, field) };
    default: return { type: partial.type, args: partial.args.map((p) => applyField(p, field)) };
  }
}

/** Parses a KQL query; an empty query means "everything". Throws `KqlSyntaxError`. */
export function parseKql(input: string): KqlNode {
  return new Parser(input).parse();
}

/** The same, as a value, for UIs that show the error beside the input. */
export function tryParseKql(input: string): { ok: true; node: KqlNode } | { ok: false; error: KqlSyntaxError } {
  try {
    return { ok: true, node: parseKql(input) };
  } catch (error) {
    if (error instanceof KqlSyntaxError) return { ok: false, error };
    throw error;
  }
}

/** True for a lone `*` (Kibana's `isLoneWildcard`: `**` is not one). */
export function isLoneWildcard(value: KqlValue): boolean {
  return value.type === 'wildcard' && value.parts.length === 2 && value.parts[0] === '' && value.parts[1] === '';
}
