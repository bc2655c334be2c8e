import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../../aggregator/store/index.ts';
import { STORE_FORMAT, StoreFormatError } from '../../../aggregator/store/format.ts';

const logger = pino({ level: 'silent' });

describe('the store format stamp', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'logship-format-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const versionOf = () => {
    const db = new DatabaseSync(join(dir, 'logship.sqlite'));
    const { user_version: version } = db.prepare('PRAGMA user_version').get() as { user_version: number };
    db.close();
    return version;
  };

  it('stamps a new store, keeps incremental auto-vacuum, and opens it again', async () => {
    const store = await openEmbeddedStore({ dataDir: dir, logger });
    await store.bulk([{ op: 'create', index: 'logs-app-default', id: 'a', doc: { '@timestamp': new Date().toISOString(), message: 'hello' } }]);
    await store.close();
    expect(versionOf()).toBe(STORE_FORMAT);
    const db = new DatabaseSync(join(dir, 'logship.sqlite'));
    expect((db.prepare('PRAGMA auto_vacuum').get() as { auto_vacuum: number }).auto_vacuum).toBe(2);
    db.close();
    const again = await openEmbeddedStore({ dataDir: dir, logger });
    expect((await again.count('logs-*', {})).count).toBe(1);
    await again.close();
  });

  it('refuses a database written before formats were numbered, saying what to do', async () => {
    const db = new DatabaseSync(join(dir, 'logship.sqlite'));
    db.exec('CREATE TABLE indices (id INTEGER PRIMARY KEY, name TEXT)');
    db.close();
    const opening = openEmbeddedStore({ dataDir: dir, logger });
    await expect(opening).rejects.toBeInstanceOf(StoreFormatError);
    await expect(opening).rejects.toThrow(/written by an earlier logship.*move the data directory aside/);
    expect(versionOf()).toBe(0); // left as it was
  });

  it('refuses a database of a newer format', async () => {
    const db = new DatabaseSync(join(dir, 'logship.sqlite'));
    db.exec(`PRAGMA user_version = ${STORE_FORMAT + 1}`);
    db.exec('CREATE TABLE later (x)');
    db.close();
    await expect(openEmbeddedStore({ dataDir: dir, logger })).rejects.toThrow(new RegExp(`format ${STORE_FORMAT + 1}; this logship reads format ${STORE_FORMAT}`));
  });

  it('reads a format-1 store (a full-text table per text field) and upgrades it: old partitions keep their tables, new ones share one', async () => {
    const day1 = '2026-11-20T10:00:00.000Z';
    const store = await openEmbeddedStore({ dataDir: dir, logger });
    const messages = ['alpha first', 'beta second', 'alpha third'];
    await store.bulk(messages.map((message, i) => ({ op: 'create', index: 'logs-app-default', id: `old-${i}`, doc: { '@timestamp': day1, message, error: { message: `old failure ${i}` } } })));
    await store.close();

    // Rewrite the partition as format 1 laid it out: one full-text table per text column, no shared table.
    const db = new DatabaseSync(join(dir, 'logship.sqlite'));
    const shared = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name GLOB 'p[0-9]*_x'`).all() as Array<{ name: string; sql: string }>;
    expect(shared).toHaveLength(1);
    const { name, sql } = shared[0]!;
    const columns = [...sql.matchAll(/\bc(\d+)\b/g)].map((m) => Number(m[1]));
    expect(columns.length).toBe(2); // message and error.message (the logs template's text fields)
    for (const col of columns) db.exec(`CREATE VIRTUAL TABLE ${name}${col} USING fts5(t, content='', columnsize=0, tokenize='unicode61 remove_diacritics 0')`);
    const messageCol = columns[0]!;
    const errorCol = columns[1]!;
    messages.forEach((message, i) => {
      db.prepare(`INSERT INTO ${name}${messageCol}(rowid, t) VALUES (?, ?)`).run(i + 1, message);
      db.prepare(`INSERT INTO ${name}${errorCol}(rowid, t) VALUES (?, ?)`).run(i + 1, `old failure ${i}`);
    });
    db.exec(`DROP TABLE ${name}`);
    db.exec('PRAGMA user_version = 1');
    db.close();

    const upgraded = await openEmbeddedStore({ dataDir: dir, logger });
    expect(versionOf()).toBe(STORE_FORMAT);
    const ids = async (query: object) => ((await upgraded.search('logs-app-default', { query, size: 100 })) as { hits: { hits: Array<{ _id: string }> } }).hits.hits.map((h) => h._id).sort();
    expect(await ids({ match: { message: 'alpha' } })).toEqual(['old-0', 'old-2']);
    // A new day: a new partition, with the shared table; both layouts answer the same queries.
    await upgraded.bulk([{ op: 'create', index: 'logs-app-default', id: 'new-0', doc: { '@timestamp': '2026-11-21T10:00:00.000Z', message: 'alpha fourth', error: { message: 'new failure' } } }], 'true');
    expect(await ids({ match: { message: 'alpha' } })).toEqual(['new-0', 'old-0', 'old-2']);
    expect(await ids({ match_phrase: { message: 'alpha fourth' } })).toEqual(['new-0']);
    expect(await ids({ match: { 'error.message': 'failure' } })).toEqual(['new-0', 'old-0', 'old-1', 'old-2']);
    // The column filter keeps a match to its own field in the shared table: "new" is only in error.message.
    expect(await ids({ match: { message: 'new' } })).toEqual([]);
    expect(await ids({ match: { 'error.message': 'new' } })).toEqual(['new-0']);
    expect(await ids({ match: { 'error.message': 'alpha' } })).toEqual([]);
    await upgraded.close();
    const after = new DatabaseSync(join(dir, 'logship.sqlite'));
    const sharedNow = after.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'p[0-9]*_x'`).all() as Array<{ name: string }>;
    after.close();
    expect(sharedNow.map((t) => t.name)).toHaveLength(1);
    expect(sharedNow[0]!.name).not.toBe(name);
  });
});
