/**
 * The embedded store's on-disk format, stamped in SQLite's `user_version`. A data directory of a format
 * this code cannot read is refused at open with a clear reason, instead of failing later with "no such
 * table" on the first search (which is what an older database did before the stamp). Format 1 is read
 * and upgraded in place, see UPGRADED_IN_PLACE.
 */
import type { DatabaseSync } from 'node:sqlite';

/**
 * Bumped whenever the tables change. 1: the first versioned layout (row, block and rollup tables per
 * partition, `partitions.removed`); databases written before the stamp existed read as 0. 2: a
 * partition's text fields share one full-text table (`p<part>_x`, see catalog.ts).
 */
export const STORE_FORMAT = 2;

/**
 * Formats this code reads and restamps as STORE_FORMAT when it opens them for writing. Format 1 differs
 * only in having no shared full-text tables: its partitions keep a full-text table per text field, which
 * this code still reads and writes (catalog.ts#ftsLocation), and partitions made from then on get a shared
 * table, which format-1 code could not read, hence the new stamp.
 */
const UPGRADED_IN_PLACE = new Set([1]);

/** The database is of a format this code does not read: the message says which and what to do. */
export class StoreFormatError extends Error {}

/** Stamps a new, empty database with STORE_FORMAT, accepts one of that format, refuses any other. */
export function checkStoreFormat(db: DatabaseSync, path: string): void {
  const { user_version: version } = db.prepare('PRAGMA user_version').get() as { user_version: number };
  if (version === STORE_FORMAT) return;
  if (UPGRADED_IN_PLACE.has(version)) {
    db.exec(`PRAGMA user_version = ${STORE_FORMAT}`);
    return;
  }
  const { tables } = db.prepare("SELECT count(*) AS tables FROM sqlite_master WHERE type = 'table'").get() as { tables: number };
  if (version === 0 && tables === 0) {
    db.exec(`PRAGMA user_version = ${STORE_FORMAT}`);
    return;
  }
  const written = version === 0 ? 'an earlier logship, before store formats were numbered' : `logship store format ${version}`;
  throw new StoreFormatError(`${path} was written by ${written}; this logship reads format ${STORE_FORMAT} and does not convert data: ` +
    'move the data directory aside (or delete it) to start an empty store, or run the logship version that wrote it');
}
