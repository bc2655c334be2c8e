/**
 * DDL of day partitions: creating one with every column and full-text table its index maps, adding a
 * column (or full-text table) to all partitions of an index when the mapping grows, and dropping one.
 * Identifiers are built from catalog integers only (see catalog.ts).
 */
import type { DatabaseSync } from 'node:sqlite';
import type { IndexInfo } from './catalog.ts';
import { blocksTable, column, fieldsTable, ftsSharedTable, ftsTable, idsTable, rollupTable, rowsTable, sourceTable } from './catalog.ts';

/**
 * Contentless (the text is in `_source` already) and without the per-row size table (`columnsize=0`: it
 * serves only bm25 ranking, which logship does not do). Entries of deleted or overwritten documents are
 * never deleted: row numbers are never reused, and every full-text match is joined with the live rows of
 * the fields table (`f.r IN (SELECT rowid … MATCH …)`), so a dead entry matches nothing. `detail` stays
 * `full`: `match_phrase` needs token positions.
 */
const FTS_OPTIONS = `content='', columnsize=0, tokenize='unicode61 remove_diacritics 0'`;

export function textColumns(index: IndexInfo): number[] {
  const cols = new Set<number>();
  for (const leaf of index.fields.values()) if (leaf.kind === 'text') cols.add(leaf.col);
  return [...cols];
}

export function dataColumns(index: IndexInfo): number[] {
  return [...new Set(Object.values(index.cols))].sort((a, b) => a - b);
}

/**
 * Columns of the fields named by the index setting `index.logship.indexed_fields` (the built-in logs
 * template names `log.level` and `http.response.status_code`). Each gets a (value, @timestamp) index per
 * partition: term filters seek it, and terms aggregations that rollups cannot answer read it in key
 * order. It costs one more B-tree insert per document and field, so only named fields get one.
 */
export function indexedColumns(index: IndexInfo): number[] {
  const settings = index.settings as { index?: { logship?: { indexed_fields?: unknown } }; 'index.logship.indexed_fields'?: unknown };
  const raw = settings.index?.logship?.indexed_fields ?? settings['index.logship.indexed_fields'];
  const names = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(',') : [];
  const cols = new Set<number>();
  for (const name of names) {
    const leaf = index.fields.get(name.trim());
    if (leaf !== undefined && leaf.kind !== 'text' && leaf.path !== '@timestamp') cols.add(leaf.col);
  }
  return [...cols];
}

/**
 * Columns whose values are counted per time bucket in the partition's rollup table (rollup.ts): every
 * column that holds a keyword, number, boolean, date or ip value (a text field's column holds either a
 * presence marker or, with a keyword sub-field, the string its sub-field aggregates on). Not @timestamp:
 * it lives in `ts`.
 */
export function rollupColumns(index: IndexInfo): number[] {
  const cols = new Set<number>();
  for (const leaf of index.fields.values()) if (leaf.kind !== 'text' && leaf.path !== '@timestamp') cols.add(leaf.col);
  return [...cols];
}

export function createValueIndex(db: DatabaseSync, part: number, col: number): void {
  // Partial: documents without the field cost nothing here. Terms aggregations (`… IS NOT NULL`) and term
  // filters (`= ?` implies NOT NULL) can still use it.
  db.exec(`CREATE INDEX IF NOT EXISTS ${fieldsTable(part)}_${column(col)} ON ${fieldsTable(part)}(${column(col)}, ts) WHERE ${column(col)} IS NOT NULL`);
}

/** Creates a partition's tables; returns the text columns its shared full-text table indexes. */
export function createPartitionTables(db: DatabaseSync, index: IndexInfo, part: number): number[] {
  const cols = dataColumns(index).map((c) => `, ${column(c)}`).join('');
  db.exec(`CREATE TABLE ${fieldsTable(part)} (r INTEGER PRIMARY KEY, ts INTEGER${cols})`);
  db.exec(`CREATE INDEX ${fieldsTable(part)}_ts ON ${fieldsTable(part)}(ts)`);
  // The same rows, `r` and `ts` only: what a full-text match needs to reach a document's time (compile.ts).
  db.exec(`CREATE TABLE ${rowsTable(part)} (r INTEGER PRIMARY KEY, ts INTEGER)`);
  // Rows lo..hi and the range of their @timestamp (`irregular`: how many have none or a fractional one), see writer.ts#writeBlock.
  db.exec(`CREATE TABLE ${blocksTable(part)} (lo INTEGER PRIMARY KEY, hi INTEGER NOT NULL, min_ts, max_ts, irregular INTEGER NOT NULL)`);
  // Live rows per column, value and 10-minute bucket of `ts` (rollup.ts). Value before bucket: a terms
  // aggregation groups by value, which this order gives without sorting.
  db.exec(`CREATE TABLE ${rollupTable(part)} (col INTEGER NOT NULL, v NOT NULL, b INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (col, v, b)) WITHOUT ROWID`);
  for (const col of indexedColumns(index)) createValueIndex(db, part, col);
  // `_id` and `_source` in zstd chunks of consecutive rows, keyed by the chunk's last row (source-chunks.ts).
  db.exec(`CREATE TABLE ${sourceTable(part)} (c INTEGER PRIMARY KEY, z BLOB NOT NULL)`);
  // One full-text table for all the text fields known now, a column each (catalog.ts reads the columns back
  // from this definition). Measured on nginx documents (message, url.original, user_agent.original): one
  // insert of three columns costs 3.7 µs per document where three one-column tables cost 5.1.
  const text = textColumns(index);
  if (text.length > 0) createFts(db, ftsSharedTable(part), text.map((c) => column(c)).join(', '));
  return text;
}

/** The full-text table of a text column mapped after its partition was made (FTS5 tables cannot gain columns). */
export function createFtsTable(db: DatabaseSync, part: number, col: number): void {
  createFts(db, ftsTable(part, col), 't');
}

function createFts(db: DatabaseSync, table: string, columns: string): void {
  db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS ${table} USING fts5(${columns}, ${FTS_OPTIONS})`);
  // No incremental merging at every commit (automerge): segments are merged 16 at a time when a level
  // fills up (crisismerge). Measured: commit time per document 6.0 → 4.5 µs, full-text search unchanged.
  db.exec(`INSERT INTO ${table}(${table}, rank) VALUES('automerge', 0)`);
}

export function addColumn(db: DatabaseSync, part: number, col: number): void {
  db.exec(`ALTER TABLE ${fieldsTable(part)} ADD COLUMN ${column(col)}`);
}

export function dropPartitionTables(db: DatabaseSync, index: IndexInfo, part: number): void {
  db.exec(`DROP TABLE IF EXISTS ${ftsSharedTable(part)}`);
  for (const col of textColumns(index)) db.exec(`DROP TABLE IF EXISTS ${ftsTable(part, col)}`);
  db.exec(`DROP TABLE IF EXISTS ${fieldsTable(part)}`);
  db.exec(`DROP TABLE IF EXISTS ${rowsTable(part)}`);
  db.exec(`DROP TABLE IF EXISTS ${blocksTable(part)}`);
  db.exec(`DROP TABLE IF EXISTS ${rollupTable(part)}`);
  db.prepare('DELETE FROM rollups WHERE part = ?').run(part);
  db.exec(`DROP TABLE IF EXISTS ${sourceTable(part)}`);
}

export function createIdsTable(db: DatabaseSync, indexId: number): void {
  db.exec(`CREATE TABLE IF NOT EXISTS ${idsTable(indexId)} (id TEXT PRIMARY KEY, part INTEGER NOT NULL, r INTEGER NOT NULL, v INTEGER NOT NULL) WITHOUT ROWID`);
}
