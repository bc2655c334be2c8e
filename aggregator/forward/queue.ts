/**
 * The forwarder's durable queue: every write the aggregator acknowledges is a row here until the cluster
 * has acknowledged it. One SQLite database (`<dataDir>/forward-queue.sqlite`), one table, rows in arrival
 * order (`seq`).
 *
 * Why SQLite and not an append-only segment file: the queue needs atomic appends of a whole bulk, removal
 * from the head *and* from the middle (items of a batch succeed or fail one by one), an in-place rewrite
 * (a rejected item becomes its dead-letter document without losing its place), and a lookup by `_id` (a
 * duplicate `create` of a still-queued id must get 409). A segment file would need its own framing,
 * torn-write detection, a compaction pass and an id index; SQLite's WAL gives all of that, survives
 * SIGKILL by replaying the WAL at open, and `node:sqlite` is already what the embedded store runs on.
 *
 * Durability: WAL with `synchronous=FULL`, so COMMIT returns only after the WAL is fsynced. Unlike the
 * embedded store (which keeps NORMAL), a queued record is by then the only copy: the shipper moved its
 * checkpoint past it the moment we answered 201. One fsync per bulk request is the price.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

export type QueuedOp = 'create' | 'index';

/** One queued write, as the forwarder sends it. */
export interface QueueEntry {
  readonly seq: number;
  readonly op: QueuedOp;
  readonly index: string;
  readonly id: string;
  readonly pipeline: string | undefined;
  /** The document, serialized once when it was queued. */
  readonly body: string;
  /** Bytes this entry accounts for (action line + body). */
  readonly bytes: number;
  /** When it was queued (ms since epoch). */
  readonly enqueuedAt: number;
  /** Already rewritten for the dead-letter stream. */
  readonly deadLettered: boolean;
}

export interface NewEntry {
  readonly op: QueuedOp;
  readonly index: string;
  readonly id: string;
  readonly pipeline: string | undefined;
  readonly body: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS queue (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  op TEXT NOT NULL,
  idx TEXT NOT NULL,
  id TEXT NOT NULL,
  pipeline TEXT,
  body TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  enqueued_at INTEGER NOT NULL,
  dead INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS queue_doc ON queue (idx, id);
`;

interface Row {
  seq: number;
  op: string;
  idx: string;
  id: string;
  pipeline: string | null;
  body: string;
  bytes: number;
  enqueued_at: number;
  dead: number;
}

/** Bytes an entry accounts for: what it adds to a bulk request, roughly. */
export function entryBytes(entry: { index: string; id: string; body: string }): number {
  return Buffer.byteLength(entry.body) + Buffer.byteLength(entry.index) + Buffer.byteLength(entry.id) + 40;
}

export class DurableQueue {
  readonly path: string;
  #db: DatabaseSync;
  #records = 0;
  #bytes = 0;
  #insert: StatementSync;
  #latestFor: StatementSync;
  #head: StatementSync;
  #remove: StatementSync;
  #rewrite: StatementSync;
  #oldest: StatementSync;
  #closed = false;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, 'forward-queue.sqlite');
    const db = new DatabaseSync(this.path);
    // Chosen before the table exists: lets a drained queue give a backlog's pages back to the file system.
    db.exec('PRAGMA auto_vacuum = INCREMENTAL');
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = FULL');
    db.exec('PRAGMA busy_timeout = 10000');
    db.exec(SCHEMA);
    this.#db = db;
    const totals = db.prepare('SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM queue').get() as { n: number; b: number };
    this.#records = totals.n;
    this.#bytes = totals.b;
    this.#insert = db.prepare('INSERT INTO queue (op, idx, id, pipeline, body, bytes, enqueued_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.#latestFor = db.prepare('SELECT op FROM queue WHERE idx = ? AND id = ? ORDER BY seq DESC LIMIT 1');
    this.#head = db.prepare('SELECT * FROM queue ORDER BY seq LIMIT ?');
    this.#remove = db.prepare('DELETE FROM queue WHERE seq = ?');
    this.#rewrite = db.prepare("UPDATE queue SET op = 'create', idx = ?, body = ?, pipeline = NULL, dead = 1 WHERE seq = ?");
    this.#oldest = db.prepare('SELECT enqueued_at FROM queue ORDER BY seq LIMIT 1');
  }

  get records(): number {
    return this.#records;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Whether a document with this `_id` will exist in the index once the queue has drained (a queued create/index). */
  holds(index: string, id: string): boolean {
    const row = this.#latestFor.get(index, id) as { op: string } | undefined;
    return row !== undefined;
  }

  /**
   * Appends entries atomically and durably (one transaction, fsynced on COMMIT); returns their `seq`s.
   * `decide` runs inside the transaction for each entry, in order, and may refuse it (returns false), so a
   * duplicate within the same bulk is seen too.
   */
  append(entries: readonly NewEntry[], decide: (entry: NewEntry) => boolean, now: number): Array<number | undefined> {
    const seqs: Array<number | undefined> = [];
    let added = 0;
    let addedBytes = 0;
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      for (const entry of entries) {
        if (!decide(entry)) {
          seqs.push(undefined);
          continue;
        }
        const bytes = entryBytes(entry);
        const result = this.#insert.run(entry.op, entry.index, entry.id, entry.pipeline ?? null, entry.body, bytes, now);
        seqs.push(Number(result.lastInsertRowid));
        added++;
        addedBytes += bytes;
      }
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
    this.#records += added;
    this.#bytes += addedBytes;
    return seqs;
  }

  /** The oldest entries, in order: at most `maxRecords`, and no more than `maxBytes` unless a single entry is larger. */
  head(maxRecords: number, maxBytes: number): QueueEntry[] {
    const rows = this.#head.all(maxRecords) as unknown as Row[];
    const out: QueueEntry[] = [];
    let bytes = 0;
    for (const row of rows) {
      if (out.length > 0 && bytes + row.bytes > maxBytes) break;
      bytes += row.bytes;
      out.push({
        seq: row.seq, op: row.op === 'index' ? 'index' : 'create', index: row.idx, id: row.id,
        pipeline: row.pipeline ?? undefined, body: row.body, bytes: row.bytes, enqueuedAt: row.enqueued_at, deadLettered: row.dead === 1,
      });
    }
    return out;
  }

  /**
   * Removes acknowledged entries and rewrites rejected ones for the dead-letter stream, in one transaction.
   * Without an fsync of its own (`synchronous=NORMAL` for this commit; the next append's fsync covers it):
   * if a power loss undoes a removal, the entry is sent again and the cluster answers 409 — delivered.
   */
  settle(removed: readonly QueueEntry[], rewritten: ReadonlyArray<{ entry: QueueEntry; index: string; body: string }>): void {
    if (removed.length === 0 && rewritten.length === 0) return;
    let bytes = 0;
    this.#db.exec('PRAGMA synchronous = NORMAL');
    try {
      this.#settle(removed, rewritten);
    } finally {
      this.#db.exec('PRAGMA synchronous = FULL');
    }
    for (const entry of removed) bytes += entry.bytes;
    this.#records -= removed.length;
    this.#bytes -= bytes;
    if (this.#records === 0) this.#shrink();
  }

  #settle(removed: readonly QueueEntry[], rewritten: ReadonlyArray<{ entry: QueueEntry; index: string; body: string }>): void {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      for (const entry of removed) this.#remove.run(entry.seq);
      for (const { entry, index, body } of rewritten) this.#rewrite.run(index, body, entry.seq);
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Once empty, returns free pages beyond a small reserve to the file system (after an outage's backlog). */
  #shrink(): void {
    const { freelist_count: free } = this.#db.prepare('PRAGMA freelist_count').get() as { freelist_count: number };
    if (free > 2048) this.#db.exec('PRAGMA incremental_vacuum');
  }

  /** `enqueued_at` of the oldest entry, or undefined when the queue is empty. */
  oldestEnqueuedAt(): number | undefined {
    if (this.#closed) return undefined;
    const row = this.#oldest.get() as { enqueued_at: number } | undefined;
    return row?.enqueued_at;
  }

  /** The smallest `seq` still queued (Infinity when empty): every entry below it has been acknowledged. */
  headSeq(): number {
    const [first] = this.head(1, Number.POSITIVE_INFINITY);
    return first?.seq ?? Number.POSITIVE_INFINITY;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#db.exec('PRAGMA wal_checkpoint(PASSIVE)');
    } finally {
      this.#db.close();
    }
  }
}
