/**
 * An in-memory `Store` for the HTTP layer's unit tests: just enough behaviour to answer in ES's shapes
 * (bulk items with 201/409, documents, a match-all search, counts, templates, data streams), plus seams:
 * every call is recorded in `calls`, and `holdBulks()` parks bulk calls until released (to test overload
 * deterministically). It is not a model of the real store: integration tests use the real one.
 */
import { EsError, type BulkItemResponse, type BulkOp, type IndexPattern, type JsonObject, type Refresh, type SearchParams, type Store } from '../../aggregator/store/types.ts';

interface StoredDoc {
  source: JsonObject;
  version: number;
  seqNo: number;
}

export interface FakeStore extends Store {
  readonly calls: Array<{ method: string; args: unknown[] }>;
  readonly indices: Map<string, Map<string, StoredDoc>>;
  /** Bulk calls wait until the returned function is called; `started` resolves when one is waiting. */
  holdBulks(): { release: () => void; started: Promise<void> };
  /** The next call of `method` throws this error. */
  failNext(method: keyof Store, error: Error): void;
}

export function createFakeStore(): FakeStore {
  const indices = new Map<string, Map<string, StoredDoc>>();
  const calls: Array<{ method: string; args: unknown[] }> = [];
  const indexTemplates = new Map<string, JsonObject>();
  const legacyTemplates = new Map<string, JsonObject>();
  const dataStreams = new Set<string>();
  const failures = new Map<string, Error>();
  let hold: { gate: Promise<void>; signalStarted: () => void } | undefined;
  let seqNo = 0;
  let nextId = 0;

  const record = (method: string, args: unknown[]): void => {
    calls.push({ method, args });
    const failure = failures.get(method);
    if (failure !== undefined) {
      failures.delete(method);
      throw failure;
    }
  };

  const resolve = (pattern: IndexPattern, allowNone = true): string[] => {
    const names = new Set<string>();
    for (const part of pattern.split(',')) {
      if (part === '_all' || part === '*') for (const name of indices.keys()) names.add(name);
      else if (part.includes('*')) {
        const regex = new RegExp(`^${part.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
        for (const name of indices.keys()) if (regex.test(name)) names.add(name);
      } else if (indices.has(part)) names.add(part);
      else throw new EsError(404, 'index_not_found_exception', `no such index [${part}]`, { 'resource.type': 'index_or_alias', 'resource.id': part, index: part });
    }
    if (!allowNone && names.size === 0) throw new EsError(404, 'index_not_found_exception', `no such index [${pattern}]`);
    return [...names].sort();
  };

  const ensureIndex = (name: string): Map<string, StoredDoc> => {
    let docs = indices.get(name);
    if (docs === undefined) {
      docs = new Map();
      indices.set(name, docs);
    }
    return docs;
  };

  const applyOne = (op: BulkOp): BulkItemResponse => {
    const docs = ensureIndex(op.index);
    const shards = { total: 1, successful: 1, failed: 0 };
    if (op.op === 'delete') {
      const existing = docs.get(op.id);
      if (existing === undefined) return { delete: { _index: op.index, _id: op.id, _version: 1, result: 'not_found', _shards: shards, _seq_no: seqNo++, _primary_term: 1, status: 404 } };
      docs.delete(op.id);
      return { delete: { _index: op.index, _id: op.id, _version: existing.version + 1, result: 'deleted', _shards: shards, _seq_no: seqNo++, _primary_term: 1, status: 200 } };
    }
    if (op.op === 'update') {
      const existing = docs.get(op.id);
      if (existing === undefined && !op.docAsUpsert && op.upsert === undefined) {
        return { update: { _index: op.index, _id: op.id, status: 404, error: { type: 'document_missing_exception', reason: `[${op.id}]: document missing`, index: op.index } } };
      }
      const source = existing === undefined ? { ...(op.upsert ?? op.doc ?? {}) } : { ...existing.source, ...(op.doc ?? {}) };
      const version = (existing?.version ?? 0) + 1;
      docs.set(op.id, { source, version, seqNo: seqNo });
      return { update: { _index: op.index, _id: op.id, _version: version, result: existing === undefined ? 'created' : 'updated', _shards: shards, _seq_no: seqNo++, _primary_term: 1, status: existing === undefined ? 201 : 200 } };
    }
    // This store does not declare readsSourceText, so the HTTP layer hands it parsed documents only.
    const doc = op.doc ?? (JSON.parse(op.sourceJson) as JsonObject);
    if (typeof doc.fail_mapping === 'object') {
      return { [op.op]: { _index: op.index, _id: op.id ?? null, status: 400, error: { type: 'document_parsing_exception', reason: '[1:2] failed to parse field [fail_mapping]', index: op.index } } };
    }
    const id = op.id ?? `auto-${nextId++}`;
    const existing = docs.get(id);
    if (op.op === 'create' && existing !== undefined) {
      return { create: { _index: op.index, _id: id, status: 409, error: { type: 'version_conflict_engine_exception', reason: `[${id}]: version conflict, document already exists (current version [${existing.version}])`, index: op.index } } };
    }
    const version = (existing?.version ?? 0) + 1;
    docs.set(id, { source: doc, version, seqNo });
    return { [op.op]: { _index: op.index, _id: id, _version: version, result: existing === undefined ? 'created' : 'updated', _shards: shards, _seq_no: seqNo++, _primary_term: 1, status: existing === undefined ? 201 : 200 } };
  };

  const hitsOf = (pattern: IndexPattern): Array<{ index: string; id: string; doc: StoredDoc }> =>
    resolve(pattern).flatMap((index) => [...(indices.get(index) ?? new Map<string, StoredDoc>()).entries()].map(([id, doc]) => ({ index, id, doc })));

  const store: FakeStore = {
    calls,
    indices,
    holdBulks() {
      let release!: () => void;
      let signalStarted!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const started = new Promise<void>((resolve) => (signalStarted = resolve));
      hold = { gate, signalStarted };
      return {
        release: () => {
          hold = undefined;
          release();
        },
        started,
      };
    },
    failNext(method, error) {
      failures.set(method, error);
    },

    async bulk(ops: readonly BulkOp[], refresh?: Refresh) {
      record('bulk', [ops, refresh]);
      if (hold !== undefined) {
        hold.signalStarted();
        await hold.gate;
      }
      return ops.map(applyOne);
    },
    async getDocument(index, id) {
      record('getDocument', [index, id]);
      resolve(index);
      const doc = indices.get(index)?.get(id);
      if (doc === undefined) return { _index: index, _id: id, found: false };
      return { _index: index, _id: id, _version: doc.version, _seq_no: doc.seqNo, _primary_term: 1, found: true, _source: doc.source };
    },
    async search(pattern, body, params?: SearchParams) {
      record('search', [pattern, body, params]);
      const all = hitsOf(pattern);
      const size = Number(params?.query?.size ?? body.size ?? 10);
      const hits = all.slice(0, size).map(({ index, id, doc }) => ({ _index: index, _id: id, _score: 1, _source: doc.source }));
      const trackTotal = params?.query?.track_total_hits ?? body.track_total_hits;
      return {
        took: 1, timed_out: false, _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
        hits: { ...(trackTotal === false || trackTotal === 'false' ? {} : { total: { value: all.length, relation: 'eq' } }), max_score: 1, hits },
        ...(body.aggs === undefined ? {} : { aggregations: {} }),
      };
    },
    async count(pattern, body, params) {
      record('count', [pattern, body, params]);
      return { count: hitsOf(pattern).length, _shards: { total: 1, successful: 1, skipped: 0, failed: 0 } };
    },
    async scroll(scrollId, keepAlive) {
      record('scroll', [scrollId, keepAlive]);
      throw new EsError(404, 'search_context_missing_exception', `No search context found for id [${scrollId}]`);
    },
    async clearScroll(ids) {
      record('clearScroll', [ids]);
      return { succeeded: true, num_freed: ids.length };
    },
    async openPointInTime(pattern, keepAlive) {
      record('openPointInTime', [pattern, keepAlive]);
      resolve(pattern);
      return { id: `pit-${pattern}` };
    },
    async closePointInTime(id) {
      record('closePointInTime', [id]);
      return { succeeded: true, num_freed: 1 };
    },
    async createIndex(name, body) {
      record('createIndex', [name, body]);
      if (indices.has(name)) throw new EsError(400, 'resource_already_exists_exception', `index [${name}/xyz] already exists`, { index: name });
      ensureIndex(name);
      return { acknowledged: true, shards_acknowledged: true, index: name };
    },
    async deleteIndex(pattern) {
      record('deleteIndex', [pattern]);
      for (const name of resolve(pattern)) indices.delete(name);
      return { acknowledged: true };
    },
    async resolveIndices(pattern) {
      record('resolveIndices', [pattern]);
      try {
        return resolve(pattern);
      } catch {
        return [];
      }
    },
    async getIndex(pattern) {
      record('getIndex', [pattern]);
      return Object.fromEntries(resolve(pattern).map((name) => [name, { aliases: {}, mappings: {}, settings: { index: { number_of_shards: '1', number_of_replicas: '0' } } }]));
    },
    async getMapping(pattern) {
      record('getMapping', [pattern]);
      return Object.fromEntries(resolve(pattern).map((name) => [name, { mappings: { properties: {} } }]));
    },
    async putMapping(pattern, body) {
      record('putMapping', [pattern, body]);
      resolve(pattern);
      return { acknowledged: true };
    },
    async fieldCaps(pattern, fields, body) {
      record('fieldCaps', [pattern, fields, body]);
      return { indices: resolve(pattern), fields: {} };
    },
    async refresh(pattern) {
      record('refresh', [pattern]);
      const n = resolve(pattern).length;
      return { _shards: { total: n, successful: n, failed: 0 } };
    },
    async catIndices(pattern) {
      record('catIndices', [pattern]);
      return resolve(pattern).map((name) => ({
        health: 'green', status: 'open', index: name, uuid: `uuid-${name}`, pri: 1, rep: 0,
        'docs.count': indices.get(name)?.size ?? 0, 'docs.deleted': 0, 'store.size': 2048, 'pri.store.size': 2048, 'dataset.size': 2048,
      }));
    },
    async putIndexTemplate(name, body) {
      record('putIndexTemplate', [name, body]);
      indexTemplates.set(name, body);
      return { acknowledged: true };
    },
    async getIndexTemplates(namePattern) {
      record('getIndexTemplates', [namePattern]);
      const names = [...indexTemplates.keys()].filter((name) => namePattern === undefined || name === namePattern);
      if (namePattern !== undefined && names.length === 0) throw new EsError(404, 'resource_not_found_exception', `index template matching [${namePattern}] not found`);
      return { index_templates: names.map((name) => ({ name, index_template: indexTemplates.get(name) })) };
    },
    async deleteIndexTemplate(name) {
      record('deleteIndexTemplate', [name]);
      if (!indexTemplates.delete(name)) throw new EsError(404, 'resource_not_found_exception', `index_template [${name}] missing`);
      return { acknowledged: true };
    },
    async putLegacyTemplate(name, body) {
      record('putLegacyTemplate', [name, body]);
      legacyTemplates.set(name, body);
      return { acknowledged: true };
    },
    async getLegacyTemplates(namePattern) {
      record('getLegacyTemplates', [namePattern]);
      const names = [...legacyTemplates.keys()].filter((name) => namePattern === undefined || name === namePattern);
      if (namePattern !== undefined && names.length === 0) throw new EsError(404, 'resource_not_found_exception', `template [${namePattern}] missing`);
      return Object.fromEntries(names.map((name) => [name, legacyTemplates.get(name)]));
    },
    async deleteLegacyTemplate(name) {
      record('deleteLegacyTemplate', [name]);
      if (!legacyTemplates.delete(name)) throw new EsError(404, 'index_template_missing_exception', `index_template [${name}] missing`);
      return { acknowledged: true };
    },
    async getDataStreams(pattern) {
      record('getDataStreams', [pattern]);
      const names = [...dataStreams].filter((name) => pattern === undefined || pattern === '*' || pattern === '_all' || name === pattern);
      return { data_streams: names.map((name) => ({ name, timestamp_field: { name: '@timestamp' }, indices: [{ index_name: `.ds-${name}-000001`, index_uuid: 'u' }], generation: 1, status: 'GREEN' })) };
    },
    async createDataStream(name) {
      record('createDataStream', [name]);
      dataStreams.add(name);
      return { acknowledged: true };
    },
    async deleteDataStream(pattern) {
      record('deleteDataStream', [pattern]);
      dataStreams.delete(pattern);
      return { acknowledged: true };
    },
    async stats() {
      record('stats', []);
      let documents = 0;
      for (const docs of indices.values()) documents += docs.size;
      return { indices: indices.size, documents, diskBytes: 0 };
    },
    async close() {
      record('close', []);
    },
  };
  return store;
}
