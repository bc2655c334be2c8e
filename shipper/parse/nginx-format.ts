/**
 * nginx `log_format` strings, compiled once into what the access parser scans with:
 * the literal text between variables, and the variables' names.
 *
 * Accepted inputs:
 * - a format string: `$remote_addr - $remote_user [$time_local] "$request" …`
 * - a predefined name: `combined` (nginx's built-in) or `main` (the stock nginx.conf's, = combined
 *   + ` "$http_x_forwarded_for"`)
 * - a whole directive pasted from nginx.conf: `log_format main escape=json '{…' '…}';`
 *   (the name is ignored, `escape=` is honoured, the quoted parts are joined as nginx does).
 */

export type NginxEscape = 'default' | 'json' | 'none';

/**
 * How values are decoded: nginx's own three, plus `json-or-default` for a JSON-looking format
 * given without saying its escaping: a value that is valid JSON string content is JSON-decoded,
 * anything else (`\x22`) is read as nginx's default escaping.
 */
export type ValueEscape = NginxEscape | 'json-or-default';

/** A format split at its variables: `literals.length === variables.length + 1`. */
export interface LiteralFormat {
  /** Text before the first variable, between each pair, and after the last one. */
  readonly literals: readonly string[];
  readonly variables: readonly string[];
  /**
   * Per variable: its value is a list nginx joins with `, ` and ` : ` (the `$upstream_*` ones),
   * so a space inside it may be part of the value rather than the format's separator.
   */
  readonly listValued: readonly boolean[];
}

/** A format that is a JSON object template: each field of a line's JSON maps to a small literal format. */
export interface JsonTemplateField {
  /** Keys from the line's JSON object down to this value. */
  readonly keys: readonly string[];
  readonly format: LiteralFormat;
}

export interface ResolvedFormat {
  /** The format text itself (a name resolved, a directive unwrapped). */
  readonly text: string;
  readonly escape: ValueEscape;
  readonly literal: LiteralFormat;
  /** Present when the format is a JSON object template (`'{"status":$status,…}'`). */
  readonly json?: readonly JsonTemplateField[];
}

export const COMBINED_FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';

export const NAMED_FORMATS: Readonly<Record<string, string>> = {
  combined: COMBINED_FORMAT,
  main: COMBINED_FORMAT + ' "$http_x_forwarded_for"',
};

function isVariableChar(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95;
}

/**
 * Splits a format into literals and variables (`$name` or `${name}`), as nginx's
 * ngx_http_log_compile_format does. Throws on a format we cannot scan unambiguously.
 */
export function splitFormat(format: string): LiteralFormat {
  const literals: string[] = [];
  const variables: string[] = [];
  let literal = '';
  let i = 0;
  while (i < format.length) {
    const c = format[i]!;
    if (c !== '$') {
      literal += c;
      i++;
      continue;
    }
    let name: string;
    if (format[i + 1] === '{') {
      const close = format.indexOf('}', i + 2);
      if (close < 0) throw new Error(`log_format: "\${" without "}" at character ${i}`);
      name = format.slice(i + 2, close);
      i = close + 1;
    } else {
      let end = i + 1;
      while (end < format.length && isVariableChar(format.charCodeAt(end))) end++;
      name = format.slice(i + 1, end);
      i = end;
    }
    if (name.length === 0) throw new Error(`log_format: "$" without a variable name at character ${i}`);
    if (variables.length > 0 && literal.length === 0) {
      // `$a$b`: nothing tells where one value ends; nginx itself has the same ambiguity on reading.
      throw new Error(`log_format: $${variables[variables.length - 1]} and $${name} are adjacent, so their values cannot be told apart`);
    }
    literals.push(literal);
    variables.push(name);
    literal = '';
  }
  literals.push(literal);
  return { literals, variables, listValued: variables.map((name) => name.startsWith('upstream_')) };
}

/** Reads nginx config quoted strings (`'…'` or `"…"`, backslash escapes) and bare words. */
function directiveWords(directive: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < directive.length) {
    const c = directive[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === ';') {
      i++;
      continue;
    }
    let word = '';
    if (c === '"' || c === "'") {
      i++;
      while (i < directive.length && directive[i] !== c) {
        if (directive[i] === '\\' && i + 1 < directive.length) {
          const next = directive[i + 1]!;
          word += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next === '"' || next === "'" || next === '\\' ? next : '\\' + next;
          i += 2;
        } else {
          word += directive[i];
          i++;
        }
      }
      if (i >= directive.length) throw new Error(`log_format: unterminated ${c} quote`);
      i++;
      words.push(word);
      continue;
    }
    while (i < directive.length && !' \t\n\r;'.includes(directive[i]!)) word += directive[i++];
    words.push(word);
  }
  return words;
}

function unwrapDirective(directive: string): { text: string; escape?: NginxEscape } {
  const words = directiveWords(directive).slice(2); // `log_format` and the format's name
  let escape: NginxEscape | undefined;
  if (words[0]?.startsWith('escape=')) {
    const value = words.shift()!.slice('escape='.length);
    if (value !== 'default' && value !== 'json' && value !== 'none') throw new Error(`log_format: unknown escape=${value}`);
    escape = value;
  }
  return { text: words.join(''), ...(escape ? { escape } : {}) };
}

/** A format string that is a JSON object with `$variables` as values (quoted or bare). */
function looksLikeJsonTemplate(text: string): boolean {
  const trimmed = text.trim();
  return trimmed.startsWith('{') && trimmed.endsWith('}');
}

/**
 * Turns a JSON-object format into a list of value paths. Bare variables (`"status":$status`) are
 * quoted so the template itself parses as JSON; every string leaf is then split like a format.
 * Returns undefined when the format is not valid JSON even so (it is then scanned as text).
 */
function jsonTemplateFields(text: string): JsonTemplateField[] | undefined {
  let quoted = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      quoted += c;
      if (c === '\\') quoted += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      quoted += c;
    } else if (c === '$') {
      let end = i + 1;
      if (text[end] === '{') end = text.indexOf('}', end) + 1 || text.length;
      else while (end < text.length && isVariableChar(text.charCodeAt(end))) end++;
      quoted += '"' + text.slice(i, end) + '"';
      i = end - 1;
    } else {
      quoted += c;
    }
  }
  let template: unknown;
  try {
    template = JSON.parse(quoted);
  } catch {
    return undefined;
  }
  const fields: JsonTemplateField[] = [];
  const walk = (node: unknown, keys: string[]): void => {
    if (typeof node === 'string') {
      const format = splitFormat(node);
      if (format.variables.length > 0) fields.push({ keys, format });
    } else if (typeof node === 'object' && node !== null && !Array.isArray(node)) {
      for (const [key, child] of Object.entries(node)) walk(child, [...keys, key]);
    }
  };
  walk(template, []);
  return fields.length > 0 ? fields : undefined;
}

/**
 * Resolves what the user configured into a scannable format.
 * Throws with a message naming the problem; meant to run once at start, from config validation.
 */
export function resolveFormat(format: string, escape?: NginxEscape): ResolvedFormat {
  let text = NAMED_FORMATS[format.trim()] ?? format;
  let resolvedEscape = escape;
  if (/^\s*log_format\s/.test(text)) {
    const unwrapped = unwrapDirective(text);
    text = unwrapped.text;
    // In a directive, no `escape=` means nginx's default escaping, whatever the format looks like.
    resolvedEscape ??= unwrapped.escape ?? 'default';
  }
  const literal = splitFormat(text);
  if (literal.variables.length === 0) throw new Error('log_format: the format has no $variables');
  const json = looksLikeJsonTemplate(text) ? jsonTemplateFields(text) : undefined;
  return { text, escape: resolvedEscape ?? (json ? 'json-or-default' : 'default'), literal, ...(json ? { json } : {}) };
}
