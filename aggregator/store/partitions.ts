/**
 * DDL of day partitions: creating one with every column and full-text table its index maps, adding a
 * column (or full-text table) to all partitions of an index when the mapping grows, and dropping one.
 * Identifiers are built from catalog integers only (see catalog.ts).
 */
import type { DatabaseSync } from 'node:sqlite';
import type { IndexInfo } from './catalog.ts';
import { column, fieldsTable, ftsTable, idsTable, sourceTable } from './catalog.ts';

const FTS_OPTIONS = `content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0'`;

export function textColumns(index: IndexInfo): number[] {
  const cols = new Set<number>();
  for (const leaf of index.fields.values()) if (leaf.kind === 'text') cols.add(leaf.col);
  return [...cols];
}

export function dataColumns(index: IndexInfo): number[] {
  return [...new Set(Object.values(index.cols))].sort((a, b) => a - b);
}

export function createPartitionTables(db: DatabaseSync, index: IndexInfo, part: number): void {
  const cols = dataColumns(index).map((c) => `, ${column(c)}`).join('');
  db.exec(`CREATE TABLE ${fieldsTable(part)} (r INTEGER PRIMARY KEY, ts INTEGER${cols})`);
  db.exec(`CREATE INDEX ${fieldsTable(part)}_ts ON ${fieldsTable(part)}(ts)`);
  db.exec(`CREATE TABLE ${sourceTable(part)} (r INTEGER PRIMARY KEY, id TEXT NOT NULL, src TEXT NOT NULL)`);
  for (const col of textColumns(index)) createFtsTable(db, part, col);
}

export function createFtsTable(db: DatabaseSync, part: number, col: number): void {
  db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS ${ftsTable(part, col)} USING fts5(t, ${FTS_OPTIONS})`);
}

export function addColumn(db: DatabaseSync, part: number, col: number): void {
  db.exec(`ALTER TABLE ${fieldsTable(part)} ADD COLUMN ${column(col)}`);
}

export function dropPartitionTables(db: DatabaseSync, index: IndexInfo, part: number): void {
  for (const col of textColumns(index)) db.exec(`DROP TABLE IF EXISTS ${ftsTable(part, col)}`);
  db.exec(`DROP TABLE IF EXISTS ${fieldsTable(part)}`);
  db.exec(`DROP TABLE IF EXISTS ${sourceTable(part)}`);
}

export function createIdsTable(db: DatabaseSync, indexId: number): void {
  db.exec(`CREATE TABLE IF NOT EXISTS ${idsTable(indexId)} (id TEXT PRIMARY KEY, part INTEGER NOT NULL, r INTEGER NOT NULL, v INTEGER NOT NULL) WITHOUT ROWID`);
}
