/**
 * `_cat` output: a space-aligned text table (`v` adds the header line, `h` picks columns, `s` sorts,
 * `bytes` fixes the size unit) or, with `format=json`, an array of objects whose values are strings,
 * exactly as ES renders them.
 */
import { illegalArgument } from './errors.ts';

export interface CatColumn {
  readonly name: string;
  /** Numbers are right-aligned; sizes are rendered in `bytes` units or human-readable. */
  readonly kind?: 'text' | 'number' | 'size';
}

export type CatRow = Record<string, string | number | undefined>;

export interface CatOptions {
  readonly v?: string;
  readonly h?: string;
  readonly s?: string;
  readonly bytes?: string;
  readonly format?: string;
}

export interface CatOutput {
  readonly json: boolean;
  readonly body: string | Array<Record<string, string>>;
}

export function renderCat(columns: readonly CatColumn[], rows: readonly CatRow[], options: CatOptions): CatOutput {
  const selected = selectColumns(columns, options.h);
  const sorted = sortRows(rows, options.s, columns);
  const cells = sorted.map((row) => selected.map((column) => formatCell(row[column.name], column, options.bytes)));
  const format = options.format ?? 'txt';
  if (format === 'json') {
    return { json: true, body: cells.map((values) => Object.fromEntries(selected.map((column, i) => [column.name, values[i]!]))) };
  }
  if (format !== 'txt' && format !== 'text') throw illegalArgument(`logship renders _cat as text or format=json, not [${format}]`);
  const withHeader = options.v !== undefined && options.v !== 'false';
  const table = withHeader ? [selected.map((column) => column.name), ...cells] : cells;
  if (table.length === 0) return { json: false, body: '' };
  const widths = selected.map((_, i) => Math.max(...table.map((line) => line[i]!.length)));
  const lines = table.map((line, lineIndex) =>
    line
      .map((value, i) => {
        const rightAligned = selected[i]!.kind !== undefined && selected[i]!.kind !== 'text' && !(withHeader && lineIndex === 0);
        return rightAligned ? value.padStart(widths[i]!) : value.padEnd(widths[i]!);
      })
      .join(' ')
      .trimEnd(),
  );
  return { json: false, body: `${lines.join('\n')}\n` };
}

function selectColumns(columns: readonly CatColumn[], h: string | undefined): CatColumn[] {
  if (h === undefined || h === '') return [...columns];
  const out: CatColumn[] = [];
  for (const wanted of h.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const regex = new RegExp(`^${wanted.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    const matches = columns.filter((column) => regex.test(column.name));
    if (matches.length === 0) throw illegalArgument(`header [${wanted}] is not supported by logship's _cat output (columns: ${columns.map((c) => c.name).join(', ')})`);
    out.push(...matches);
  }
  return out;
}

function sortRows(rows: readonly CatRow[], s: string | undefined, columns: readonly CatColumn[]): CatRow[] {
  const copy = [...rows];
  if (s === undefined || s === '') return copy;
  const keys = s.split(',').map((part) => {
    const [name = '', order] = part.split(':');
    if (!columns.some((column) => column.name === name)) throw illegalArgument(`Unable to sort by unknown sort key \`${name}\``);
    return { name, descending: order === 'desc' };
  });
  return copy.sort((a, b) => {
    for (const key of keys) {
      const x = a[key.name];
      const y = b[key.name];
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x ?? '').localeCompare(String(y ?? ''));
      if (order !== 0) return key.descending ? -order : order;
    }
    return 0;
  });
}

function formatCell(value: string | number | undefined, column: CatColumn, bytes: string | undefined): string {
  if (value === undefined) return '';
  if (column.kind === 'size' && typeof value === 'number') return formatSize(value, bytes);
  return String(value);
}

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4, pb: 1024 ** 5 };

/** ES's sizes: with `bytes=<unit>` a whole number of that unit; otherwise the largest unit, one decimal at most. */
export function formatSize(value: number, unit: string | undefined): string {
  if (unit !== undefined) {
    const factor = UNITS[unit];
    if (factor === undefined) throw illegalArgument(`failed to parse [bytes] with value [${unit}]`);
    return String(Math.floor(value / factor));
  }
  for (const name of ['pb', 'tb', 'gb', 'mb', 'kb'] as const) {
    const factor = UNITS[name]!;
    if (value >= factor) return `${Number((value / factor).toFixed(1))}${name}`;
  }
  return `${value}b`;
}
