/**
 * Configuration as data. Each command declares one TypeBox object schema: every option's type, default,
 * bounds and one-line description live there, and the same definition gives the TypeScript type, the
 * JSON schema, the `--help` text and the README's configuration reference.
 *
 * Precedence: command-line flags, then `LOGSHIP_*` environment variables, then the YAML file named by
 * `--config`, then defaults. Every problem is collected and reported at once, each naming its option.
 */
import { readFileSync } from 'node:fs';
import { Type, type TObject, type TSchema, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FormatRegistry } from '@sinclair/typebox';
import { parse as parseYaml } from 'yaml';
import { parseByteSize, parseDuration } from './units.ts';

export { Type };
export type { Static, TObject };

registerFormats();

/** `x-unit` lets an option be written as `10MiB` or `5s` and still be a number of bytes or milliseconds. */
export type Unit = 'bytes' | 'ms';

export interface CommandSpec<S extends TObject = TObject> {
  readonly name: string;
  readonly summary: string;
  readonly options: S;
}

export type LoadResult<S extends TObject> =
  | { readonly ok: true; readonly config: Static<S> }
  | { readonly ok: false; readonly errors: string[] }
  | { readonly ok: 'help'; readonly text: string };

/**
 * Thrown by a program that finds its configuration unusable only once it looks closer (an auth file that
 * does not parse, a public address without authentication). The CLI reports it like a schema error:
 * every problem listed, exit code 2.
 */
export class ConfigurationError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join('; '));
    this.problems = problems;
  }
}

export function defineCommand<S extends TObject>(spec: CommandSpec<S>): CommandSpec<S> {
  return spec;
}

/** `batchMaxBytes` → `batch-max-bytes`. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `batchMaxBytes` → `LOGSHIP_BATCH_MAX_BYTES`. */
export function envName(key: string): string {
  return `LOGSHIP_${flagName(key).replace(/-/g, '_').toUpperCase()}`;
}

export function loadConfig<S extends TObject>(
  spec: CommandSpec<S>,
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): LoadResult<S> {
  const errors: string[] = [];
  const properties = spec.options.properties as Record<string, TSchema>;
  const fromFlags = parseFlags(properties, argv, errors);
  if (fromFlags.help === true) return { ok: 'help', text: renderHelp(spec) };

  const fromEnv: Record<string, unknown> = {};
  for (const key of Object.keys(properties)) {
    const value = env[envName(key)];
    if (value !== undefined && value !== '') fromEnv[key] = isArray(properties[key]) ? splitList(value) : value;
  }

  const configPath = (fromFlags.config ?? fromEnv.config) as string | undefined;
  const fromFile = configPath === undefined ? {} : readConfigFile(configPath, properties, errors);

  const merged: Record<string, unknown> = { ...fromFile, ...fromEnv, ...fromFlags };
  delete merged.help;
  for (const [key, schema] of Object.entries(properties)) {
    if (merged[key] === undefined) continue;
    merged[key] = coerce(key, schema, merged[key], errors);
  }
  const withDefaults = Value.Default(spec.options, Value.Clone(merged)) as Record<string, unknown>;
  for (const error of Value.Errors(spec.options, withDefaults)) {
    const key = error.path.replace(/^\//, '').split('/')[0] ?? '';
    const shown = key === '' ? 'configuration' : `--${flagName(key)}`;
    const value = key === '' ? undefined : withDefaults[key];
    errors.push(`${shown}: ${describeError(error.message, error.schema)}${value === undefined ? '' : ` (got ${JSON.stringify(value)})`}`);
  }
  if (errors.length > 0) return { ok: false, errors: dedupe(errors) };
  return { ok: true, config: withDefaults as Static<S> };
}

function parseFlags(properties: Record<string, TSchema>, argv: readonly string[], errors: string[]): Record<string, unknown> {
  const byFlag = new Map(Object.keys(properties).map((key) => [flagName(key), key]));
  const out: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') {
      out.help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      errors.push(`unexpected argument ${JSON.stringify(arg)}: options are written --name value`);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const negated = name.startsWith('no-') && byFlag.has(name.slice(3));
    const key = byFlag.get(negated ? name.slice(3) : name);
    if (key === undefined) {
      errors.push(`--${name}: unknown option (see --help)`);
      if (eq === -1 && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) i++;
      continue;
    }
    const schema = properties[key]!;
    let value: string | boolean;
    if (schema.type === 'boolean' && (eq === -1 || negated)) {
      value = !negated;
    } else if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else if (argv[i + 1] !== undefined) {
      value = argv[++i]!;
    } else {
      errors.push(`--${name}: needs a value`);
      continue;
    }
    if (isArray(schema)) out[key] = [...((out[key] as unknown[] | undefined) ?? []), value];
    else out[key] = value;
  }
  return out;
}

function readConfigFile(path: string, properties: Record<string, TSchema>, errors: string[]): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    errors.push(`--config: cannot read ${path}: ${(error as Error).message}`);
    return {};
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    errors.push(`--config: ${path} must hold a mapping of option names to values`);
    return {};
  }
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries(parsed)) {
    // The file may use flag spelling (batch-max-bytes) or property spelling (batchMaxBytes).
    const key = rawKey.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!(key in properties)) errors.push(`--config: ${path}: unknown option ${JSON.stringify(rawKey)}`);
    else out[key] = value;
  }
  return out;
}

function coerce(key: string, schema: TSchema, value: unknown, errors: string[]): unknown {
  if (isArray(schema)) return Array.isArray(value) ? value.map(String) : [String(value)];
  const unit = schema['x-unit'] as Unit | undefined;
  if (typeof value === 'string' && unit !== undefined) {
    const parsed = unit === 'bytes' ? parseByteSize(value) : parseDuration(value);
    if (parsed === undefined) {
      errors.push(`--${flagName(key)}: ${JSON.stringify(value)} is not a ${unit === 'bytes' ? 'size such as 512KiB or 10MiB' : 'duration such as 500ms, 5s or 2m'}`);
      return undefined;
    }
    return parsed;
  }
  if (typeof value === 'string' && (schema.type === 'integer' || schema.type === 'number')) {
    const n = Number(value);
    return value.trim() === '' || Number.isNaN(n) ? value : n;
  }
  if (typeof value === 'string' && schema.type === 'boolean') {
    if (/^(true|1|yes|on)$/i.test(value)) return true;
    if (/^(false|0|no|off)$/i.test(value)) return false;
  }
  return value;
}

function describeError(message: string, schema: TSchema): string {
  if (schema.format === 'uri') return 'must be an http:// or https:// URL';
  if (schema.format === 'listen') return 'must be host:port, for example 127.0.0.1:9200';
  if (schema.format === 'regex') return 'must be a valid regular expression';
  if (schema.enum !== undefined || schema.anyOf !== undefined) {
    const choices = (schema.anyOf as TSchema[] | undefined)?.map((s) => s.const as string) ?? (schema.enum as string[]);
    return `must be one of ${choices.join(', ')}`;
  }
  return message.charAt(0).toLowerCase() + message.slice(1);
}

function isArray(schema: TSchema | undefined): boolean {
  return schema?.type === 'array';
}

function splitList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}

function registerFormats(): void {
  if (!FormatRegistry.Has('uri')) {
    FormatRegistry.Set('uri', (value) => {
      try {
        const url = new URL(value);
        return url.protocol === 'http:' || url.protocol === 'https:';
      } catch {
        return false;
      }
    });
  }
  if (!FormatRegistry.Has('regex')) {
    FormatRegistry.Set('regex', (value) => {
      try {
        new RegExp(value);
        return true;
      } catch {
        return false;
      }
    });
  }
  if (!FormatRegistry.Has('listen')) {
    FormatRegistry.Set('listen', (value) => /^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(value) && Number(value.split(':').pop()) <= 65535);
  }
}

/** One line per option: flag, env variable, type, default and meaning. */
export function renderHelp(spec: CommandSpec): string {
  const lines = [`logship ${spec.name} — ${spec.summary}`, '', 'Options (each also as an environment variable):'];
  for (const [key, schema] of Object.entries(spec.options.properties as Record<string, TSchema>)) {
    lines.push(`  --${flagName(key)} <${typeLabel(schema)}>   ${envName(key)}`);
    lines.push(`      ${schema.description ?? ''}${defaultLabel(schema)}`);
  }
  lines.push('  --help', '      Print this help.');
  return lines.join('\n');
}

/** Rows for the README's configuration reference, generated from the same schema. */
export function renderMarkdownTable(spec: CommandSpec): string {
  const rows = ['| flag | environment | type | default | meaning |', '|---|---|---|---|---|'];
  for (const [key, schema] of Object.entries(spec.options.properties as Record<string, TSchema>)) {
    const fallback = schema.default === undefined ? '' : `\`${JSON.stringify(schema.default)}\``;
    rows.push(`| \`--${flagName(key)}\` | \`${envName(key)}\` | ${typeLabel(schema)} | ${fallback} | ${schema.description ?? ''} |`);
  }
  return rows.join('\n');
}

function typeLabel(schema: TSchema): string {
  if (schema['x-unit'] === 'bytes') return 'bytes';
  if (schema['x-unit'] === 'ms') return 'duration';
  if (schema.anyOf !== undefined) return (schema.anyOf as TSchema[]).map((s) => String(s.const)).join('|');
  if (schema.type === 'array') return 'list';
  if (schema.format === 'uri') return 'url';
  if (schema.format === 'listen') return 'host:port';
  return String(schema.type ?? 'value');
}

function defaultLabel(schema: TSchema): string {
  if (schema.default === undefined) return '';
  if (Array.isArray(schema.default) && schema.default.length === 0) return '';
  return ` (default: ${Array.isArray(schema.default) ? schema.default.join(',') : String(schema.default)})`;
}
