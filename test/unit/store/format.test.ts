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
});
