/**
 * The embedded store's on-disk format, stamped in SQLite's `user_version`. There is no migration between
 * formats: a data directory of another format is refused at open with a clear reason, instead of failing
 * later with "no such table" on the first search (which is what an older database did before the stamp).
 */
import type { DatabaseSync } from 'node:sqlite';

/**
 * Bumped whenever the tables change. 1: the first versioned layout (row, block and rollup tables per
 * partition, `partitions.removed`); databases written before the stamp existed read as 0.
 */
export const STORE_FORMAT = 1;

/** The database is of a format this code does not read: the message says which and what to do. */
export class StoreFormatError extends Error {}

/** Stamps a new, empty database with STORE_FORMAT, accepts one of that format, refuses any other. */
export function checkStoreFormat(db: DatabaseSync, path: string): void {
  const { user_version: version } = db.prepare('PRAGMA user_version').get() as { user_version: number };
  if (version === STORE_FORMAT) return;
  const { tables } = db.prepare("SELECT count(*) AS tables FROM sqlite_master WHERE type = 'table'").get() as { tables: number };
  if (version === 0 && tables === 0) {
    db.exec(`PRAGMA user_version = ${STORE_FORMAT}`);
    return;
  }
  const written = version === 0 ? 'an earlier logship, before store formats were numbered' : `logship store format ${version}`;
  throw new StoreFormatError(`${path} was written by ${written}; this logship reads format ${STORE_FORMAT} and does not convert data: ` +
    'move the data directory aside (or delete it) to start an empty store, or run the logship version that wrote it');
}
