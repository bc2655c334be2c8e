/**
 * The catalog: which indices, data streams and day partitions exist, and how each index maps its fields
 * to columns. It lives in the same SQLite database as the documents, so a bulk that adds a field commits
 * the mapping change and the documents atomically. Readers (search workers) load it once per
 * `catalog_version` and cache it.
 *
 * Physical layout, one SQLite database (one WAL, so every bulk is one atomic transaction):
 * - `p<part>_f` — one row per document: `r` (rowid), `ts` (@timestamp millis, indexed) and one column
 *   `c<n>` per mapped leaf field. Narrow on purpose: aggregations scan it without touching `_source`.
 * - `p<part>_t` — the same rows as `p<part>_f` with only `r` and `ts`: full-text matches reach a
 *   document's @timestamp here, in a table a tenth as wide (see query/compile.ts, rowTableFor).
 * - `p<part>_b` — blocks of consecutive rows (one per bulk, small ones merged) with their lowest and
 *   highest @timestamp: a full-text date histogram counts whole blocks off the full-text index
 *   (aggregations/fts-histogram.ts). `partitions.removed` counts deleted rows (whose full-text entries stay).
 * - `p<part>_v` — per keyword-like column, 10-minute time bucket and value: the number of live rows
 *   (rollup.ts); terms aggregations over a time range read it instead of every row.
 * - `p<part>_s` — `_id` and `_source` of up to 64 consecutive rows per zstd chunk (source-chunks.ts).
 * - `p<part>_x` — one contentless FTS5 table for the text fields the index had when the partition was made,
 *   one FTS5 column `c<n>` per field: one insert per document instead of one per field, and one set of
 *   segments per bulk to write (entries of dead rows stay; rows are never reused).
 * - `p<part>_x<n>` — a contentless FTS5 table of its own for a text field mapped after the partition was made
 *   (FTS5 tables cannot gain columns), and for every text field of a partition written by store format 1.
 * - `ids_<index>` — `_id` → (partition, r, version): makes `create` answer 409 across all partitions.
 * Table names contain only integers that the catalog generated, never user input.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { JsonObject } from './types.ts';

export type LeafKind = 'keyword' | 'text' | 'long' | 'double' | 'date' | 'boolean' | 'ip';

export interface Leaf {
  readonly path: string;
  readonly kind: LeafKind;
  /** The Elasticsearch type name reported by `_mapping` / `_field_caps`. */
  readonly esType: string;
  readonly col: number;
  /** A text leaf whose column holds the string (it has a keyword sub-field sharing the column) or only a presence marker. */
  readonly storesValue: boolean;
  readonly multi: boolean;
  readonly format?: string;
  readonly ignoreAbove?: number;
}

export interface Mappings {
  dynamic?: boolean | string;
  date_detection?: boolean;
  dynamic_templates?: Array<Record<string, JsonObject>>;
  properties?: Record<string, FieldMapping>;
  _meta?: JsonObject;
  [key: string]: unknown;
}

export interface FieldMapping {
  type?: string;
  properties?: Record<string, FieldMapping>;
  fields?: Record<string, FieldMapping>;
  ignore_above?: number;
  format?: string;
  [key: string]: unknown;
}

export interface IndexInfo {
  readonly id: number;
  readonly name: string;
  readonly uuid: string;
  readonly createdMs: number;
  settings: JsonObject;
  mappings: Mappings;
  /** Leaf path → column number; a text field and its keyword sub-field share one. */
  cols: Record<string, number>;
  multi: Set<string>;
  nextCol: number;
  readonly dataStream: string | null;
  readonly hidden: boolean;
  seq: number;
  fields: Map<string, Leaf>;
}

export interface PartitionInfo {
  readonly id: number;
  readonly indexId: number;
  /** Days since the epoch (UTC); the partition holds documents whose @timestamp falls in that day. */
  readonly day: number;
  /** The text columns indexed in the partition's shared full-text table (`ftsSharedTable`), in its column order. */
  readonly sharedText: readonly number[];
}

export interface DataStreamInfo {
  readonly name: string;
  readonly template: string;
  readonly createdMs: number;
  readonly backingIndex: string;
}

export interface Catalog {
  version: number;
  readonly indices: Map<string, IndexInfo>;
  readonly byId: Map<number, IndexInfo>;
  readonly partitions: Map<number, PartitionInfo[]>;
  readonly dataStreams: Map<string, DataStreamInfo>;
}

export const CATALOG_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS indices (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, uuid TEXT NOT NULL, created_ms INTEGER NOT NULL,
  settings TEXT NOT NULL, mappings TEXT NOT NULL, cols TEXT NOT NULL, multi TEXT NOT NULL, next_col INTEGER NOT NULL,
  data_stream TEXT, hidden INTEGER NOT NULL, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS partitions (id INTEGER PRIMARY KEY, index_id INTEGER NOT NULL, day INTEGER NOT NULL, docs INTEGER NOT NULL DEFAULT 0, removed INTEGER NOT NULL DEFAULT 0, UNIQUE(index_id, day));
CREATE TABLE IF NOT EXISTS data_streams (name TEXT PRIMARY KEY, template TEXT NOT NULL, created_ms INTEGER NOT NULL, backing TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rollups (part INTEGER NOT NULL, col INTEGER NOT NULL, PRIMARY KEY(part, col)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS templates (kind TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY(kind, name)) WITHOUT ROWID;
INSERT OR IGNORE INTO meta(key, value) VALUES ('catalog_version', 0);
`;

const KINDS: Record<string, LeafKind> = {
  keyword: 'keyword', constant_keyword: 'keyword', wildcard: 'keyword', version: 'keyword',
  text: 'text', match_only_text: 'text',
  long: 'long', integer: 'long', short: 'long', byte: 'long', unsigned_long: 'long',
  double: 'double', float: 'double', half_float: 'double', scaled_float: 'double',
  date: 'date', date_nanos: 'date', boolean: 'boolean', ip: 'ip',
};

export function kindOf(esType: string | undefined): LeafKind | undefined {
  return esType === undefined ? undefined : KINDS[esType];
}

/** Derives the leaf fields (with their columns) from the mapping tree; leaves without a column are skipped. */
export function deriveLeaves(mappings: Mappings, cols: Record<string, number>, multi: Set<string>): Map<string, Leaf> {
  const leaves = new Map<string, Leaf>();
  const walk = (props: Record<string, FieldMapping> | undefined, prefix: string): void => {
    for (const [name, m] of Object.entries(props ?? {})) {
      const path = prefix + name;
      if (m.properties !== undefined || m.type === 'object' || m.type === 'nested') {
        walk(m.properties, `${path}.`);
        continue;
      }
      const kind = kindOf(m.type);
      const col = cols[path];
      if (kind === undefined || col === undefined) continue;
      const keywordSub = Object.entries(m.fields ?? {}).find(([, sub]) => kindOf(sub.type) === 'keyword');
      leaves.set(path, {
        path, kind, esType: m.type ?? 'object', col, storesValue: kind !== 'text' || keywordSub !== undefined, multi: multi.has(path),
        ...(m.format !== undefined ? { format: m.format } : {}),
        ...(m.ignore_above !== undefined ? { ignoreAbove: m.ignore_above } : {}),
      });
      for (const [subName, sub] of Object.entries(m.fields ?? {})) {
        const subKind = kindOf(sub.type);
        const subPath = `${path}.${subName}`;
        const subCol = cols[subPath];
        if (subKind === undefined || subCol === undefined) continue;
        leaves.set(subPath, {
          path: subPath, kind: subKind, esType: sub.type ?? 'keyword', col: subCol, storesValue: subKind !== 'text', multi: multi.has(path),
          ...(sub.ignore_above !== undefined ? { ignoreAbove: sub.ignore_above } : {}),
        });
      }
    }
  };
  walk(mappings.properties, '');
  return leaves;
}

interface IndexRow { id: number; name: string; uuid: string; created_ms: number; settings: string; mappings: string; cols: string; multi: string; next_col: number; data_stream: string | null; hidden: number; seq: number }

export function catalogVersion(db: DatabaseSync): number {
  const row = db.prepare(`SELECT value FROM meta WHERE key = 'catalog_version'`).get() as { value: number } | undefined;
  return row?.value ?? 0;
}

export function loadCatalog(db: DatabaseSync): Catalog {
  const catalog: Catalog = { version: catalogVersion(db), indices: new Map(), byId: new Map(), partitions: new Map(), dataStreams: new Map() };
  for (const row of db.prepare('SELECT * FROM indices').all() as unknown as IndexRow[]) {
    const mappings = JSON.parse(row.mappings) as Mappings;
    const cols = JSON.parse(row.cols) as Record<string, number>;
    const multi = new Set(JSON.parse(row.multi) as string[]);
    const info: IndexInfo = {
      id: row.id, name: row.name, uuid: row.uuid, createdMs: row.created_ms, settings: JSON.parse(row.settings) as JsonObject,
      mappings, cols, multi, nextCol: row.next_col, dataStream: row.data_stream, hidden: row.hidden === 1, seq: row.seq,
      fields: deriveLeaves(mappings, cols, multi),
    };
    catalog.indices.set(info.name, info);
    catalog.byId.set(info.id, info);
  }
  const sharedText = sharedTextColumns(db);
  for (const row of db.prepare('SELECT id, index_id, day FROM partitions ORDER BY day, id').all() as unknown as Array<{ id: number; index_id: number; day: number }>) {
    const list = catalog.partitions.get(row.index_id) ?? [];
    list.push({ id: row.id, indexId: row.index_id, day: row.day, sharedText: sharedText.get(row.id) ?? [] });
    catalog.partitions.set(row.index_id, list);
  }
  for (const row of db.prepare('SELECT * FROM data_streams').all() as unknown as Array<{ name: string; template: string; created_ms: number; backing: string }>) {
    catalog.dataStreams.set(row.name, { name: row.name, template: row.template, createdMs: row.created_ms, backingIndex: row.backing });
  }
  return catalog;
}

/**
 * The columns of every partition's shared full-text table, read off the table's own definition (which
 * partitions.ts wrote: `… USING fts5(c3, c7, content='', …)`), so the catalog tables need no new column
 * and a partition of store format 1 (no shared table) simply has none.
 */
function sharedTextColumns(db: DatabaseSync): Map<number, number[]> {
  const found = new Map<number, number[]>();
  const rows = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name GLOB 'p[0-9]*_x'`).all() as unknown as Array<{ name: string; sql: string }>;
  for (const { name, sql } of rows) {
    const columns = /USING fts5\(((?:c\d+, )+)content=/.exec(sql)?.[1];
    if (columns === undefined) throw new Error(`full-text table ${name} has a definition this store does not know: ${sql}`);
    found.set(Number(name.slice(1, -2)), columns.split(', ').filter((c) => c !== '').map((c) => Number(c.slice(1))));
  }
  return found;
}

/** Quoted table names; the numbers come from the catalog's own integer ids only. */
export const fieldsTable = (part: number): string => `p${Math.trunc(part)}_f`;
export const sourceTable = (part: number): string => `p${Math.trunc(part)}_s`;
export const rowsTable = (part: number): string => `p${Math.trunc(part)}_t`;
export const blocksTable = (part: number): string => `p${Math.trunc(part)}_b`;
export const rollupTable = (part: number): string => `p${Math.trunc(part)}_v`;
export const ftsTable = (part: number, col: number): string => `p${Math.trunc(part)}_x${Math.trunc(col)}`;
export const ftsSharedTable = (part: number): string => `p${Math.trunc(part)}_x`;

/**
 * Where a text column of a partition is indexed: its shared table, restricted to the column by an FTS5
 * column filter, or its own table.
 */
export function ftsLocation(part: PartitionInfo, col: number): { readonly table: string; readonly column: string | undefined } {
  return part.sharedText.includes(col) ? { table: ftsSharedTable(part.id), column: column(col) } : { table: ftsTable(part.id, col), column: undefined };
}
export const idsTable = (indexId: number): string => `ids_${Math.trunc(indexId)}`;
export const column = (col: number): string => `c${Math.trunc(col)}`;

/** The `_doc` / `_shard_doc` key of a row: unique and ordered across the store. */
export const DOC_KEY_PART_FACTOR = 4_294_967_296;
