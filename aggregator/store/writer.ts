/**
 * The write side: one SQLite connection on the main thread that owns the catalog in memory and applies
 * bulk requests, each in one transaction (so an acknowledged bulk is whole, see open.ts). Documents are
 * typed by mapping.ts, routed to the day partition of their @timestamp, and registered in the index's id
 * table, which is what makes `create` answer 409 for an `_id` stored in any partition.
 */
import { randomBytes } from 'node:crypto';
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { Catalog, IndexInfo, Leaf, Mappings, PartitionInfo } from './catalog.ts';
import { DAY_MS } from './dates.ts';
import { blocksTable, column, deriveLeaves, fieldsTable, ftsSharedTable, ftsTable, idsTable, loadCatalog, rowsTable, sourceTable } from './catalog.ts';
import { addFieldMapping, analyzeDocument, mappedLeafPaths, type AnalyzedDoc, type DocError } from './mapping.ts';
import { addColumn, createFtsTable, createIdsTable, createPartitionTables, createValueIndex, dataColumns, dropPartitionTables, indexedColumns, rollupColumns } from './partitions.ts';
import { bucketOf, countValue, RollupWriter } from './rollup.ts';
import { Templates } from './templates.ts';
import { CHUNK_DOCS, PendingChunk, decompressChunk, findInChunk } from './source-chunks.ts';
import { DocumentShapes, type LeafSlot, type RowFill } from './document-shapes.ts';
import { validateIndexName } from './names.ts';
import { parseSourceLine } from './source-line.ts';
import { EsError, WRITTEN_SHARDS, type BulkItemResponse, type BulkOp, type JsonObject } from './types.ts';

export interface BulkOutcomeCounts {
  created: number;
  updated: number;
  deleted: number;
  conflict: number;
  rejected: number;
  notFound: number;
}

interface Existing {
  part: number;
  r: number;
  v: number;
}

/** Blocks of fewer rows are widened by the next bulk instead of getting a neighbour. */
const BLOCK_ROWS = 1024;
const TOTAL_FIELDS_LIMIT = 1000;

export class Writer {
  readonly db: DatabaseSync;
  catalog: Catalog;
  readonly templates: Templates;
  readonly #statements = new Map<string, StatementSync>();
  /** Per partition: the prepared INSERTs of #insert (dropped with #statements). */
  readonly #partInserts = new Map<number, PartStatements>();
  /** Per index: the prepared statements of its `_id` table (dropped with #statements). */
  readonly #idStatements = new Map<number, IdStatements>();
  readonly #nextRow = new Map<number, number>();
  /** `_source` chunks being filled, per partition: written when full and before every COMMIT. */
  #pending = new Map<number, PendingChunk>();
  /** Per partition, the rows this transaction inserted: copied to the narrow row table and described by a block before COMMIT. */
  readonly #newRows = new Map<number, NewRows>();
  #removedRows = new Map<number, number>();
  #catalogDirty = false;
  #docDelta = new Map<number, number>();
  #seqDirty = new Set<IndexInfo>();
  readonly #now: () => number;
  readonly #documentShapes: boolean;
  readonly #rollups: RollupWriter;

  constructor(db: DatabaseSync, now: () => number = Date.now, documentShapes = true) {
    this.db = db;
    this.#documentShapes = documentShapes;
    this.catalog = loadCatalog(db);
    this.templates = new Templates(db);
    this.#now = now;
    this.#rollups = new RollupWriter(db);
  }

  /** Drops every prepared statement: tables changed or went away (DDL, a dropped index or partition, a rollback). */
  #forgetStatements(): void {
    this.#statements.clear();
    this.#partInserts.clear();
    this.#idStatements.clear();
  }

  /** The statements of an index's `_id` table, prepared once rather than looked up by SQL text per document. */
  #ids(index: IndexInfo): IdStatements {
    let found = this.#idStatements.get(index.id);
    if (found === undefined) {
      const table = idsTable(index.id);
      found = {
        claim: this.db.prepare(`INSERT INTO ${table} (id, part, r, v) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`),
        put: this.db.prepare(`INSERT OR REPLACE INTO ${table} (id, part, r, v) VALUES (?, ?, ?, ?)`),
        find: this.db.prepare(`SELECT part, r, v FROM ${table} WHERE id = ?`),
        remove: this.db.prepare(`DELETE FROM ${table} WHERE id = ?`),
      };
      this.#idStatements.set(index.id, found);
    }
    return found;
  }

  #stmt(sql: string): StatementSync {
    let s = this.#statements.get(sql);
    if (s === undefined) {
      if (this.#statements.size > 2000) this.#statements.clear();
      s = this.db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  /** Runs `work` in one write transaction; the catalog version moves if the catalog changed. */
  transaction<T>(work: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    this.#catalogDirty = false;
    this.#docDelta = new Map();
    this.#removedRows = new Map();
    this.#seqDirty = new Set();
    try {
      const result = work();
      this.#flushChunks();
      this.#copyNewRows();
      this.#rollups.flush();
      for (const [part, delta] of this.#docDelta) this.#stmt('UPDATE partitions SET docs = docs + ? WHERE id = ?').run(delta, part);
      for (const [part, n] of this.#removedRows) this.#stmt('UPDATE partitions SET removed = removed + ? WHERE id = ?').run(n, part);
      for (const index of this.#seqDirty) this.#stmt('UPDATE indices SET seq = ? WHERE id = ?').run(index.seq, index.id);
      if (this.#catalogDirty) {
        this.#stmt(`UPDATE meta SET value = value + 1 WHERE key = 'catalog_version'`).run();
        this.catalog.version++;
      }
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      this.#pending = new Map();
      this.#newRows.clear();
      this.#rollups.discard();
      this.db.exec('ROLLBACK');
      // The in-memory catalog may be ahead of the rolled-back database: reload it.
      this.catalog = loadCatalog(this.db);
      this.#forgetStatements();
      this.#nextRow.clear();
      throw error;
    }
  }

  markCatalogChanged(): void {
    this.#catalogDirty = true;
  }

  // ---------------------------------------------------------------- indices and partitions

  saveIndex(index: IndexInfo): void {
    this.#stmt('UPDATE indices SET settings = ?, mappings = ?, cols = ?, multi = ?, next_col = ?, seq = ? WHERE id = ?').run(
      JSON.stringify(index.settings), JSON.stringify(index.mappings), JSON.stringify(index.cols), JSON.stringify([...index.multi]), index.nextCol, index.seq, index.id,
    );
    this.markCatalogChanged();
  }

  createIndexRecord(name: string, mappings: Mappings, settings: JsonObject, dataStream: string | null): IndexInfo {
    const uuid = randomBytes(16).toString('base64url').slice(0, 22);
    const created = this.#now();
    const result = this.#stmt('INSERT INTO indices(name, uuid, created_ms, settings, mappings, cols, multi, next_col, data_stream, hidden, seq) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, 0)').run(
      name, uuid, created, JSON.stringify(settings), JSON.stringify(mappings), '{}', '[]', dataStream, name.startsWith('.') ? 1 : 0,
    );
    const index: IndexInfo = {
      id: Number(result.lastInsertRowid), name, uuid, createdMs: created, settings, mappings: { ...mappings }, cols: {}, multi: new Set(), nextCol: 1,
      dataStream, hidden: name.startsWith('.'), seq: 0, fields: new Map(),
    };
    createIdsTable(this.db, index.id);
    this.catalog.indices.set(name, index);
    this.catalog.byId.set(index.id, index);
    this.catalog.partitions.set(index.id, []);
    this.assignColumns(index);
    this.saveIndex(index);
    return index;
  }

  /** Gives every mapped leaf a column (and full-text table) it does not have yet, in every partition. */
  assignColumns(index: IndexInfo): void {
    const added: number[] = [];
    const addedText: number[] = [];
    for (const { path, mapping, parent } of mappedLeafPaths(index.mappings)) {
      if (index.cols[path] !== undefined) continue;
      const parentMapping = parent === undefined ? undefined : mappedLeafPaths(index.mappings).find((l) => l.path === parent)?.mapping;
      const parentCol = parent === undefined ? undefined : index.cols[parent];
      // A keyword multi-field of a text field shares the text field's column (the text column holds the string).
      if (parentCol !== undefined && isTextType(parentMapping?.type) && isKeywordType(mapping.type)) {
        index.cols[path] = parentCol;
        continue;
      }
      const col = index.nextCol++;
      index.cols[path] = col;
      added.push(col);
      if (isTextType(mapping.type)) addedText.push(col);
    }
    if (added.length === 0) return;
    index.fields = deriveLeaves(index.mappings, index.cols, index.multi);
    const indexed = indexedColumns(index).filter((c) => added.includes(c));
    // A column added now is NULL in every existing row, so its rollup starts exact.
    const rolledUp = rollupColumns(index).filter((c) => added.includes(c));
    for (const part of this.catalog.partitions.get(index.id) ?? []) {
      for (const col of added) addColumn(this.db, part.id, col);
      for (const col of addedText) createFtsTable(this.db, part.id, col);
      for (const col of indexed) createValueIndex(this.db, part.id, col);
      this.#rollups.enable(part.id, rolledUp);
    }
    this.#forgetStatements();
  }

  partitionFor(index: IndexInfo, day: number): PartitionInfo {
    const list = this.catalog.partitions.get(index.id) ?? [];
    const found = list.find((p) => p.day === day);
    if (found !== undefined) return found;
    const result = this.#stmt('INSERT INTO partitions(index_id, day, docs) VALUES (?, ?, 0)').run(index.id, day);
    const id = Number(result.lastInsertRowid);
    const part: PartitionInfo = { id, indexId: index.id, day, sharedText: createPartitionTables(this.db, index, id) };
    this.#rollups.enable(part.id, rollupColumns(index));
    list.push(part);
    list.sort((a, b) => a.day - b.day || a.id - b.id);
    this.catalog.partitions.set(index.id, list);
    this.markCatalogChanged();
    return part;
  }

  dropPartition(index: IndexInfo, part: PartitionInfo): void {
    dropPartitionTables(this.db, index, part.id);
    this.#stmt('DELETE FROM partitions WHERE id = ?').run(part.id);
    // Id entries pointing at a dropped partition are treated as absent (see #lookup) and swept here.
    this.db.prepare(`DELETE FROM ${idsTable(index.id)} WHERE part = ?`).run(part.id);
    this.catalog.partitions.set(index.id, (this.catalog.partitions.get(index.id) ?? []).filter((p) => p.id !== part.id));
    this.#nextRow.delete(part.id);
    this.#pending.delete(part.id);
    this.#newRows.delete(part.id);
    this.#rollups.dropPartition(part.id);
    this.#forgetStatements();
    this.markCatalogChanged();
  }

  dropIndex(index: IndexInfo): void {
    for (const part of [...(this.catalog.partitions.get(index.id) ?? [])]) this.dropPartition(index, part);
    this.db.exec(`DROP TABLE IF EXISTS ${idsTable(index.id)}`);
    this.#stmt('DELETE FROM indices WHERE id = ?').run(index.id);
    this.catalog.indices.delete(index.name);
    this.catalog.byId.delete(index.id);
    this.catalog.partitions.delete(index.id);
    this.#forgetStatements();
    this.markCatalogChanged();
  }

  createDataStreamRecord(name: string, templateName: string, mappings: Mappings, settings: JsonObject): IndexInfo {
    const created = this.#now();
    const d = new Date(created);
    const date = `${d.getUTCFullYear()}.${String(d.getUTCMonth() + 1).padStart(2, '0')}.${String(d.getUTCDate()).padStart(2, '0')}`;
    const backing = `.ds-${name}-${date}-000001`;
    const index = this.createIndexRecord(backing, mappings, settings, name);
    this.#stmt('INSERT INTO data_streams(name, template, created_ms, backing) VALUES (?, ?, ?, ?)').run(name, templateName, created, backing);
    this.catalog.dataStreams.set(name, { name, template: templateName, createdMs: created, backingIndex: backing });
    this.markCatalogChanged();
    return index;
  }

  /** The index a write to `name` goes to, creating the index or data stream from templates when allowed. */
  writeTarget(name: string, op: BulkOp['op']): IndexInfo | DocError {
    const stream = this.catalog.dataStreams.get(name);
    if (stream !== undefined) {
      if (op === 'index') return { status: 400, type: 'illegal_argument_exception', reason: 'only write ops with an op_type of create are allowed in data streams' };
      const backing = this.catalog.indices.get(stream.backingIndex);
      if (backing !== undefined) return backing;
    }
    const existing = this.catalog.indices.get(name);
    if (existing !== undefined) return existing;
    if (op === 'delete') return { status: 404, type: 'index_not_found_exception', reason: `no such index [${name}]` };
    const invalid = validateIndexName(name);
    if (invalid !== undefined) return { status: 400, type: 'invalid_index_name_exception', reason: invalid };
    const template = this.templates.match(name);
    if (template?.dataStream === true) {
      if (op === 'index') return { status: 400, type: 'illegal_argument_exception', reason: 'only write ops with an op_type of create are allowed in data streams' };
      return this.createDataStreamRecord(name, template.name, template.mappings, template.settings);
    }
    return this.createIndexRecord(name, template?.mappings ?? {}, template?.settings ?? {}, null);
  }

  // ---------------------------------------------------------------- documents

  #lookup(index: IndexInfo, id: string): Existing | undefined {
    const row = this.#ids(index).find.get(id) as Existing | undefined;
    if (row === undefined) return undefined;
    // An entry whose partition retention already dropped is a document that no longer exists.
    if (!(this.catalog.partitions.get(index.id) ?? []).some((p) => p.id === row.part)) return undefined;
    return row;
  }

  #applyNewFields(index: IndexInfo, analyzed: AnalyzedDoc): void {
    let changed = false;
    for (const field of analyzed.newFields) {
      addFieldMapping(index.mappings, field.path, field.mapping);
      changed = true;
    }
    for (const f of analyzed.fields) {
      if (f.isArray && !index.multi.has(f.path)) {
        index.multi.add(f.path);
        changed = true;
      }
    }
    if (!changed) return;
    this.assignColumns(index);
    index.fields = deriveLeaves(index.mappings, index.cols, index.multi);
    this.saveIndex(index);
  }

  #nextRowOf(part: number): number {
    let next = this.#nextRow.get(part);
    if (next === undefined) {
      // Rows are never reused, not even those of deleted documents: chunks still hold them (source-chunks.ts).
      const row = this.#stmt(`SELECT max((SELECT coalesce(max(r), 0) FROM ${fieldsTable(part)}), (SELECT coalesce(max(c), 0) FROM ${sourceTable(part)})) AS m`).get() as { m: number | null };
      next = (row.m ?? 0) + 1;
    }
    this.#nextRow.set(part, next + 1);
    return next;
  }

  /**
   * Inserts a document's row and its `_source` text; returns where it went. With `claimId` the id is registered first and
   * only if absent (one statement does the uniqueness check of `create`): undefined means it exists.
   */
  #insert(index: IndexInfo, id: string, sourceJson: string, row: RowFill, version: number, claimId = false): Existing | undefined {
    const day = Math.floor((row.timestamp ?? this.#now()) / DAY_MS);
    const part = this.partitionFor(index, day);
    const r = this.#nextRowOf(part.id);
    const ids = this.#ids(index);
    if (claimId) {
      const claimed = ids.claim.run(id, part.id, r, version);
      if (Number(claimed.changes) === 0) return undefined;
    }
    const target = this.#partStatements(part, insertPlan(index));
    const values = row.values;
    values[0] = r;
    if (row.texts.length > 0) target.indexTexts(r, row.texts);
    target.fields.run(...values);
    const added = this.#newRows.get(part.id);
    const ts = row.timestamp;
    const irregular = ts === null || !Number.isInteger(ts) ? 1 : 0;
    if (added === undefined) this.#newRows.set(part.id, { first: r, last: r, minTs: ts, maxTs: ts, irregular });
    else {
      added.last = r;
      added.irregular += irregular;
      if (ts !== null) {
        if (added.minTs === null || ts < added.minTs) added.minTs = ts;
        if (added.maxTs === null || ts > added.maxTs) added.maxTs = ts;
      }
    }
    const rolledUp = this.#rollupPositions(part.id, target);
    if (rolledUp.length > 0) {
      const bucket = bucketOf(row.timestamp);
      const pending = this.#rollups.pendingFor(part.id);
      for (let i = 0; i < rolledUp.length; i += 2) {
        const value = values[rolledUp[i]!];
        if (typeof value === 'string' || typeof value === 'number') countValue(pending, rolledUp[i + 1]!, bucket, value, 1);
      }
    }
    this.#addToChunk(part.id, r, id, sourceJson);
    if (!claimId) ids.put.run(id, part.id, r, version);
    this.#docDelta.set(part.id, (this.#docDelta.get(part.id) ?? 0) + 1);
    return { part: part.id, r, v: version };
  }

  #remove(existing: Existing): void {
    const row = this.#stmt(`DELETE FROM ${fieldsTable(existing.part)} WHERE r = ? RETURNING *`).get(existing.r) as Record<string, SQLInputValue> | undefined;
    this.#stmt(`DELETE FROM ${rowsTable(existing.part)} WHERE r = ?`).run(existing.r);
    if (row !== undefined) {
      const bucket = bucketOf(row.ts === null || row.ts === undefined ? null : Number(row.ts));
      const pending = this.#rollups.pendingFor(existing.part);
      for (const col of this.#rollups.enabledColumns(existing.part)) {
        const value = row[column(col)];
        if (typeof value === 'string' || typeof value === 'number') countValue(pending, col, bucket, value, -1);
      }
    }
    // Full-text and `_source` entries stay: row numbers are never reused (see partitions.ts, source-chunks.ts).
    this.#docDelta.set(existing.part, (this.#docDelta.get(existing.part) ?? 0) - 1);
    this.#removedRows.set(existing.part, (this.#removedRows.get(existing.part) ?? 0) + 1);
  }

  /**
   * The fields-table INSERT of a partition (all columns of the index, absent ones bound to NULL) and its FTS
   * INSERTs: prepared once, not looked up by SQL text per document.
   */
  #partStatements(part: PartitionInfo, plan: InsertPlan): PartStatements {
    let found = this.#partInserts.get(part.id);
    if (found === undefined || found.plan !== plan) {
      const sql = `INSERT INTO ${fieldsTable(part.id)} (r, ts${plan.columns.map((c) => `, ${column(c)}`).join('')}) VALUES (?, ?${plan.columns.map(() => ', ?').join('')})`;
      found = { plan, fields: this.db.prepare(sql), rollup: undefined, indexTexts: this.#textIndexer(part) };
      this.#partInserts.set(part.id, found);
    }
    return found;
  }

  /**
   * Writes a document's texts (column, text pairs) to the partition's full-text tables: the columns of its
   * shared table in one insert, any other column into its own table.
   */
  #textIndexer(part: PartitionInfo): (r: number, texts: ReadonlyArray<number | string>) => void {
    const shared = part.sharedText;
    const sharedInsert = shared.length === 0 ? undefined
      : this.db.prepare(`INSERT INTO ${ftsSharedTable(part.id)} (rowid${shared.map((c) => `, ${column(c)}`).join('')}) VALUES (?${', ?'.repeat(shared.length)})`);
    const slot = new Map(shared.map((c, i) => [c, i + 1]));
    const values: SQLInputValue[] = new Array<SQLInputValue>(shared.length + 1).fill(null);
    const own = new Map<number, StatementSync>();
    return (r, texts) => {
      let sharedTexts = 0;
      for (let i = 0; i < texts.length; i += 2) {
        const col = texts[i] as number;
        const at = slot.get(col);
        if (at !== undefined) {
          values[at] = texts[i + 1] as string;
          sharedTexts++;
          continue;
        }
        let statement = own.get(col);
        if (statement === undefined) {
          statement = this.db.prepare(`INSERT INTO ${ftsTable(part.id, col)}(rowid, t) VALUES (?, ?)`);
          own.set(col, statement);
        }
        statement.run(r, texts[i + 1] as string);
      }
      if (sharedTexts === 0) return;
      values[0] = r;
      sharedInsert!.run(...values);
      values.fill(null);
    };
  }

  #rollupPositions(part: number, target: PartStatements): number[] {
    if (target.rollup === undefined || target.rollup.version !== this.#rollups.version) {
      const positions: number[] = [];
      for (const col of this.#rollups.enabledColumns(part)) {
        const at = target.plan.position.get(col);
        if (at !== undefined) positions.push(at, col);
      }
      target.rollup = { version: this.#rollups.version, positions };
    }
    return target.rollup.positions;
  }

  /**
   * One statement per partition and bulk instead of one per document: rows only grow, so the rows this
   * transaction inserted (and did not delete again) are those from its first one on.
   */
  #copyNewRows(): void {
    for (const [part, rows] of this.#newRows) {
      this.#stmt(`INSERT INTO ${rowsTable(part)} (r, ts) SELECT r, ts FROM ${fieldsTable(part)} WHERE r >= ?`).run(rows.first);
      this.#writeBlock(part, rows);
    }
    this.#newRows.clear();
  }

  /** Describes the bulk's rows as a block, or widens the partition's last block while it is small (a trickle of small bulks). */
  #writeBlock(part: number, rows: NewRows): void {
    const table = blocksTable(part);
    const last = this.#stmt(`SELECT lo, hi, min_ts, max_ts, irregular FROM ${table} ORDER BY lo DESC LIMIT 1`).get() as { lo: number; hi: number; min_ts: number | null; max_ts: number | null; irregular: number } | undefined;
    if (last !== undefined && last.hi - last.lo + 1 < BLOCK_ROWS) {
      const min = last.min_ts === null ? rows.minTs : rows.minTs === null ? last.min_ts : Math.min(last.min_ts, rows.minTs);
      const max = last.max_ts === null ? rows.maxTs : rows.maxTs === null ? last.max_ts : Math.max(last.max_ts, rows.maxTs);
      this.#stmt(`UPDATE ${table} SET hi = ?, min_ts = ?, max_ts = ?, irregular = ? WHERE lo = ?`).run(rows.last, min, max, last.irregular + rows.irregular, last.lo);
      return;
    }
    this.#stmt(`INSERT INTO ${table} (lo, hi, min_ts, max_ts, irregular) VALUES (?, ?, ?, ?, ?)`).run(rows.first, rows.last, rows.minTs, rows.maxTs, rows.irregular);
  }

  #addToChunk(part: number, r: number, id: string, sourceJson: string): void {
    let chunk = this.#pending.get(part);
    if (chunk === undefined) {
      chunk = new PendingChunk();
      this.#pending.set(part, chunk);
    }
    chunk.add(r, id, sourceJson);
    if (chunk.count >= CHUNK_DOCS) this.#flushChunk(part);
  }

  #flushChunk(part: number): void {
    const chunk = this.#pending.get(part);
    if (chunk === undefined) return;
    this.#pending.delete(part);
    this.#stmt(`INSERT INTO ${sourceTable(part)} (c, z) VALUES (?, ?)`).run(chunk.last, chunk.compress());
  }

  #flushChunks(): void {
    for (const part of [...this.#pending.keys()]) this.#flushChunk(part);
  }

  readSource(existing: Existing): JsonObject | undefined {
    const pending = this.#pending.get(existing.part);
    let doc = pending === undefined ? undefined : findInChunk(pending.text(), existing.r);
    if (doc === undefined) {
      const row = this.#stmt(`SELECT z FROM ${sourceTable(existing.part)} WHERE c >= ? ORDER BY c LIMIT 1`).get(existing.r) as { z: Uint8Array } | undefined;
      doc = row === undefined ? undefined : findInChunk(decompressChunk(row.z), existing.r);
    }
    return doc === undefined ? undefined : (JSON.parse(doc.src) as JsonObject);
  }

  /** Applies bulk operations in one transaction; one ES item response per op. */
  bulk(ops: readonly BulkOp[], counts: BulkOutcomeCounts): BulkItemResponse[] {
    return this.transaction(() => ops.map((op) => this.#applyOne(op, counts)));
  }

  #applyOne(op: BulkOp, counts: BulkOutcomeCounts): BulkItemResponse {
    const item = (body: JsonObject): BulkItemResponse => itemFor(op.op, body);
    const failure = (index: string, id: string | undefined, e: DocError): BulkItemResponse => {
      if (e.status === 409) counts.conflict++;
      else if (e.status === 404) counts.notFound++;
      else counts.rejected++;
      return item({ _index: index, _id: id ?? null, status: e.status, error: { type: e.type, reason: e.reason, index, ...(e.status === 409 ? { shard: '0', index_uuid: this.catalog.indices.get(index)?.uuid ?? '' } : {}) } });
    };
    if (op.id !== undefined && op.id === '') return failure(op.index, op.id, { status: 400, type: 'illegal_argument_exception', reason: 'if _id is specified it must not be empty' });
    // A UTF-16 unit is at most 3 UTF-8 bytes: only long ids need counting.
    if (op.id !== undefined && op.id.length > 170 && Buffer.byteLength(op.id) > 512) {
      return failure(op.index, op.id, { status: 400, type: 'illegal_argument_exception', reason: `id [${op.id}] is too long, must be no longer than 512 bytes but was: ${Buffer.byteLength(op.id)}` });
    }
    if (op.op !== 'delete' && op.op !== 'update' && 'pipeline' in op && op.pipeline !== undefined && op.pipeline !== '_none') {
      return failure(op.index, op.id, { status: 400, type: 'illegal_argument_exception', reason: `pipeline with id [${op.pipeline}] does not exist` });
    }
    const target = this.writeTarget(op.index, op.op);
    if ('status' in target) return failure(op.index, op.id, target);
    const index = target;
    const ok = (id: string, result: string, status: number, version: number): BulkItemResponse =>
      item({ _index: index.name, _id: id, _version: version, result, _shards: WRITTEN_SHARDS, _seq_no: index.seq++, _primary_term: 1, status });

    if (op.op === 'delete') {
      const existing = this.#lookup(index, op.id);
      if (existing === undefined) {
        counts.notFound++;
        return item({ _index: index.name, _id: op.id, _version: 1, result: 'not_found', _shards: WRITTEN_SHARDS, _seq_no: index.seq++, _primary_term: 1, status: 404 });
      }
      this.#remove(existing);
      this.#ids(index).remove.run(op.id);
      counts.deleted++;
      this.#persistSeq(index);
      return ok(op.id, 'deleted', 200, existing.v + 1);
    }

    if (op.op === 'update') {
      const existing = this.#lookup(index, op.id);
      let doc: JsonObject;
      let created = false;
      if (existing === undefined) {
        if (op.upsert !== undefined) doc = op.upsert;
        else if (op.docAsUpsert === true && op.doc !== undefined) doc = op.doc;
        else return failure(index.name, op.id, { status: 404, type: 'document_missing_exception', reason: `[${op.id}]: document missing` });
        created = true;
      } else {
        const current = this.readSource(existing) ?? {};
        doc = deepMerge(current, op.doc ?? {});
        if (JSON.stringify(doc) === JSON.stringify(current)) {
          return item({ _index: index.name, _id: op.id, _version: existing.v, result: 'noop', _shards: { total: 0, successful: 0, failed: 0 }, _seq_no: index.seq, _primary_term: 1, status: 200 });
        }
      }
      const analyzed = this.#analyze(index, doc, op.id);
      if ('status' in analyzed) return failure(index.name, op.id, analyzed);
      if (existing !== undefined) this.#remove(existing);
      this.#applyNewFields(index, analyzed);
      const version = (existing?.v ?? 0) + 1;
      this.#insert(index, op.id, JSON.stringify(doc), rowOf(insertPlan(index), analyzed), version);
      this.#persistSeq(index);
      if (created) counts.created++;
      else counts.updated++;
      return ok(op.id, created ? 'created' : 'updated', created ? 201 : 200, version);
    }

    const id = op.id ?? randomBytes(15).toString('base64url');
    let doc: JsonObject;
    if (op.doc === undefined) {
      // Handed over as text (BulkOp): parsed here, and refused under the index the request named, as the
      // HTTP layer would have.
      const source = parseSourceLine(op.sourceJson, op.line);
      if ('error' in source) return failure(op.index, id, source.error);
      doc = source.doc;
    } else doc = op.doc;
    const row = this.#rowOfNew(index, doc, id);
    if ('status' in row) return failure(index.name, id, row);
    // `_source` as the client wrote it when `_bulk` kept the line (see BulkOp), else the parsed document.
    const sourceJson = op.sourceJson ?? JSON.stringify(op.doc);
    if (op.op === 'create' || op.id === undefined) {
      if (this.#insert(index, id, sourceJson, row, 1, true) === undefined) {
        const current = this.#lookup(index, id);
        return failure(index.name, id, { status: 409, type: 'version_conflict_engine_exception', reason: `[${id}]: version conflict, document already exists (current version [${current?.v ?? 1}])` });
      }
      this.#persistSeq(index);
      counts.created++;
      return ok(id, 'created', 201, 1);
    }
    const existing = this.#lookup(index, id);
    if (existing !== undefined) this.#remove(existing);
    const version = (existing?.v ?? 0) + 1;
    this.#insert(index, id, sourceJson, row, version);
    this.#persistSeq(index);
    if (existing === undefined) counts.created++;
    else counts.updated++;
    return ok(id, existing === undefined ? 'created' : 'updated', existing === undefined ? 201 : 200, version);
  }

  #persistSeq(index: IndexInfo): void {
    this.#seqDirty.add(index);
  }

  /**
   * The row of a created or indexed document: from a known document shape when it matches
   * (document-shapes.ts), else through the general analysis, whose new fields are applied to the mapping
   * here and whose document may become a shape for the next ones.
   */
  #rowOfNew(index: IndexInfo, doc: JsonObject, id: string): RowFill | DocError {
    const shaped = this.#documentShapes ? insertPlan(index).shapes.fill(doc) : undefined;
    if (shaped !== undefined) return shaped;
    const analyzed = this.#analyze(index, doc, id);
    if ('status' in analyzed) return analyzed;
    this.#applyNewFields(index, analyzed);
    const plan = insertPlan(index);
    if (this.#documentShapes && analyzed.newFields.length === 0) plan.shapes.learn(doc, analyzed.fields.length, (path) => plan.byPath.get(path));
    return rowOf(plan, analyzed);
  }

  #analyze(index: IndexInfo, doc: JsonObject, id: string): AnalyzedDoc | DocError {
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { status: 400, type: 'document_parsing_exception', reason: '[1:1] failed to parse: document must be an object' };
    const analyzed = analyzeDocument(index, doc, id);
    if ('status' in analyzed) return analyzed;
    // ES's index.mapping.total_fields.limit; it also keeps partitions under SQLite's column limit.
    if (analyzed.newFields.length > 0 && Object.keys(index.cols).length + analyzed.newFields.length > TOTAL_FIELDS_LIMIT) {
      return { status: 400, type: 'illegal_argument_exception', reason: `Limit of total fields [${TOTAL_FIELDS_LIMIT}] has been exceeded while adding new fields [${analyzed.newFields.length}]` };
    }
    if (index.dataStream !== null && analyzed.timestamp === null) {
      return { status: 400, type: 'document_parsing_exception', reason: '[1:1] failed to parse: data stream timestamp field [@timestamp] is missing' };
    }
    return analyzed;
  }

  /** `GET /<index>/_doc/<id>` on the writer connection: real-time, like ES's realtime GET. */
  getDocument(name: string, id: string): JsonObject {
    const stream = this.catalog.dataStreams.get(name);
    const index = this.catalog.indices.get(stream?.backingIndex ?? name);
    if (index === undefined) throw new EsError(404, 'index_not_found_exception', `no such index [${name}]`, { 'resource.type': 'index_expression', 'resource.id': name, index: name });
    const existing = this.#lookup(index, id);
    const source = existing === undefined ? undefined : this.readSource(existing);
    if (existing === undefined || source === undefined) return { _index: index.name, _id: id, found: false };
    return { _index: index.name, _id: id, _version: existing.v, _seq_no: existing.r, _primary_term: 1, found: true, _source: source };
  }
}

/** `{ <op>: body }` with a literal key: a computed key makes a slower object for every item of every bulk. */
function itemFor(op: BulkOp['op'], body: JsonObject): BulkItemResponse {
  switch (op) {
    case 'create': return { create: body };
    case 'index': return { index: body };
    case 'update': return { update: body };
    case 'delete': return { delete: body };
  }
}

function isTextType(type: string | undefined): boolean {
  return type === 'text' || type === 'match_only_text';
}

function isKeywordType(type: string | undefined): boolean {
  return type === 'keyword' || type === 'constant_keyword' || type === 'wildcard';
}

interface InsertPlan {
  /** Data columns of the index, in INSERT order (after `r`, `ts`). */
  readonly columns: number[];
  readonly width: number;
  /** Column → position in the bound values (`r` and `ts` are 0 and 1). */
  readonly position: Map<number, number>;
  readonly byPath: Map<string, LeafSlot>;
  /** Shapes of documents already typed against this layout. */
  readonly shapes: DocumentShapes;
}

interface NewRows {
  readonly first: number;
  last: number;
  minTs: number | null;
  maxTs: number | null;
  /** Rows without @timestamp or with one that is not a whole millisecond. */
  irregular: number;
}

interface IdStatements {
  /** Registers an `_id` unless it exists (`changes` 0 then). */
  readonly claim: StatementSync;
  /** Registers an `_id`, replacing its entry (an overwrite by `index` or `update`). */
  readonly put: StatementSync;
  /** `part, r, v` of an `_id`. */
  readonly find: StatementSync;
  readonly remove: StatementSync;
}

interface PartStatements {
  readonly plan: InsertPlan;
  readonly fields: StatementSync;
  /** Pairs (position in the bound values, column) of the partition's rolled-up columns, for one rollup version. */
  rollup: { version: number; positions: number[] } | undefined;
  readonly indexTexts: (r: number, texts: ReadonlyArray<number | string>) => void;
}

const insertPlans = new WeakMap<Map<string, Leaf>, InsertPlan>();

/** How #insert lays a document's fields out, per version of the index's leaf map (rebuilt when it changes). */
function insertPlan(index: IndexInfo): InsertPlan {
  let plan = insertPlans.get(index.fields);
  if (plan === undefined) {
    const columns = dataColumns(index);
    const subs = ownColumnSubFields(index);
    const position = new Map(columns.map((c, i) => [c, i + 2]));
    plan = {
      columns, width: columns.length, position,
      byPath: new Map([...index.fields].map(([path, leaf]) => [path, { leaf, position: position.get(leaf.col)!, subs: subs.get(path) ?? [] }])),
      shapes: new DocumentShapes(columns.length),
    };
    insertPlans.set(index.fields, plan);
  }
  return plan;
}

/** The row of an analysed document: each typed field in its column, multi-fields with their own column, texts to index. */
function rowOf(plan: InsertPlan, analyzed: AnalyzedDoc): RowFill {
  const values: SQLInputValue[] = new Array<SQLInputValue>(plan.width + 2).fill(null);
  const texts: Array<number | string> = [];
  values[1] = analyzed.timestamp;
  for (const field of analyzed.fields) {
    const entry = plan.byPath.get(field.path);
    if (entry === undefined) continue;
    const leaf = entry.leaf;
    if (leaf.path === '@timestamp' && leaf.kind === 'date' && !field.isArray) continue; // the `ts` column holds it
    values[entry.position] = !leaf.storesValue ? 1 : field.isArray ? Buffer.from(JSON.stringify(field.values)) : field.values[0]!;
    if (leaf.kind === 'text') texts.push(leaf.col, field.values.length === 1 ? String(field.values[0]) : field.values.join('\n'));
    for (const sub of entry.subs) {
      const at = plan.position.get(sub.col)!;
      if (values[at] !== null) continue;
      values[at] = sub.kind === 'text' ? 1 : field.isArray ? Buffer.from(JSON.stringify(field.values.map(String))) : String(field.values[0]);
      if (sub.kind === 'text') texts.push(sub.col, field.values.join('\n'));
    }
  }
  return { values, timestamp: analyzed.timestamp, texts };
}

const subFieldCache = new WeakMap<Map<string, Leaf>, Map<string, Leaf[]>>();

/** Multi-fields that have a column of their own (not shared with their parent), by parent path. */
function ownColumnSubFields(index: IndexInfo): Map<string, Leaf[]> {
  let map = subFieldCache.get(index.fields);
  if (map === undefined) {
    map = new Map();
    for (const { path, parent } of mappedLeafPaths(index.mappings)) {
      if (parent === undefined) continue;
      const sub = index.fields.get(path);
      const top = index.fields.get(parent);
      if (sub === undefined || top === undefined || sub.col === top.col) continue;
      map.set(parent, [...(map.get(parent) ?? []), sub]);
    }
    subFieldCache.set(index.fields, map);
  }
  return map;
}

function deepMerge(target: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && typeof current === 'object' && current !== null && !Array.isArray(current)) {
      out[key] = deepMerge(current as JsonObject, value as JsonObject);
    } else {
      out[key] = value;
    }
  }
  return out;
}
