/**
 * Index, mapping, template and data-stream management on the writer: each function answers with
 * Elasticsearch's response body or throws the EsError ES would answer with.
 */
import type { IndexInfo, Leaf, Mappings } from './catalog.ts';
import { deriveLeaves } from './catalog.ts';
import { formatDate } from './dates.ts';
import { MappingConflict, mergeMappings } from './mapping.ts';
import { notFound, resolvePattern, validateIndexName } from './names.ts';
import { unwrapTypeLevel, type TemplateKind } from './templates.ts';
import { hasWildcard, wildcardToRegExp } from './wildcard.ts';
import type { Writer } from './writer.ts';
import { EsError, type JsonObject } from './types.ts';

const ACK = { acknowledged: true };

function mergeInto(writer: Writer, index: IndexInfo, mappings: Mappings): void {
  try {
    mergeMappings(index.mappings, mappings);
  } catch (error) {
    if (error instanceof MappingConflict) throw new EsError(400, 'illegal_argument_exception', error.message);
    throw error;
  }
  writer.assignColumns(index);
  index.fields = deriveLeaves(index.mappings, index.cols, index.multi);
  writer.saveIndex(index);
}

export function createIndex(writer: Writer, name: string, body: JsonObject): JsonObject {
  const invalid = validateIndexName(name);
  if (invalid !== undefined) throw new EsError(400, 'invalid_index_name_exception', invalid, { index: name });
  const existing = writer.catalog.indices.get(name);
  if (existing !== undefined || writer.catalog.dataStreams.has(name)) {
    throw new EsError(400, 'resource_already_exists_exception', `index [${name}/${existing?.uuid ?? '_na_'}] already exists`, { index: name });
  }
  return writer.transaction(() => {
    const template = writer.templates.match(name);
    const mappings: Mappings = structuredClone(template?.mappings ?? {});
    try {
      mergeMappings(mappings, unwrapTypeLevel(body.mappings));
    } catch (error) {
      if (error instanceof MappingConflict) throw new EsError(400, 'illegal_argument_exception', error.message);
      throw error;
    }
    const settings = { ...(template?.settings ?? {}), ...((body.settings as JsonObject | undefined) ?? {}) };
    writer.createIndexRecord(name, mappings, settings, null);
    return { acknowledged: true, shards_acknowledged: true, index: name };
  });
}

export function deleteIndex(writer: Writer, pattern: string): JsonObject {
  const resolved = resolvePattern(writer.catalog, pattern, { ignoreUnavailable: false });
  for (const index of resolved.indices) {
    if (index.dataStream !== null && !resolved.dataStreams.includes(index.dataStream)) {
      throw new EsError(400, 'illegal_argument_exception', `index [${index.name}] is the write index for data stream [${index.dataStream}] and cannot be deleted`);
    }
  }
  const plain = resolved.indices.filter((i) => i.dataStream === null);
  if (plain.length === 0 && resolved.dataStreams.length > 0 && !hasWildcard(pattern)) throw notFound(pattern);
  writer.transaction(() => {
    for (const index of plain) writer.dropIndex(index);
  });
  writer.db.exec('PRAGMA incremental_vacuum');
  return ACK;
}

export function resolveIndices(writer: Writer, pattern: string): string[] {
  const resolved = resolvePattern(writer.catalog, pattern, { ignoreUnavailable: true });
  return [...resolved.indices.filter((i) => i.dataStream === null).map((i) => i.name), ...resolved.dataStreams];
}

function settingsOf(index: IndexInfo): JsonObject {
  const flat = (index.settings.index as JsonObject | undefined) ?? {};
  const rest = Object.fromEntries(Object.entries(index.settings).filter(([k]) => k !== 'index'));
  return {
    index: {
      ...rest, ...flat, number_of_shards: '1', number_of_replicas: '0', uuid: index.uuid, provided_name: index.name,
      creation_date: String(index.createdMs), version: { created: '8512000' }, ...(index.hidden || index.dataStream !== null ? { hidden: 'true' } : {}),
    },
  };
}

export function getIndex(writer: Writer, pattern: string): JsonObject {
  const out: JsonObject = {};
  for (const index of resolvePattern(writer.catalog, pattern).indices) {
    out[index.name] = { aliases: {}, mappings: index.mappings, settings: settingsOf(index), ...(index.dataStream !== null ? { data_stream: index.dataStream } : {}) };
  }
  return out;
}

export function getMapping(writer: Writer, pattern: string): JsonObject {
  const out: JsonObject = {};
  for (const index of resolvePattern(writer.catalog, pattern).indices) out[index.name] = { mappings: index.mappings };
  return out;
}

export function putMapping(writer: Writer, pattern: string, body: JsonObject): JsonObject {
  const indices = resolvePattern(writer.catalog, pattern).indices;
  if (indices.length === 0) throw notFound(pattern);
  const mappings = unwrapTypeLevel(body);
  writer.transaction(() => {
    for (const index of indices) mergeInto(writer, index, mappings);
  });
  return ACK;
}

const META_FIELDS = ['_id', '_index', '_source', '_ignored', '_seq_no', '_version', '_routing', '_data_stream_timestamp', '_doc_count', '_field_names', '_feature', '_tier', '_nested_path'];

export function fieldCaps(writer: Writer, pattern: string, fields: readonly string[], options: { ignoreUnavailable?: boolean; allowNoIndices?: boolean } = {}): JsonObject {
  const resolved = resolvePattern(writer.catalog, pattern, {
    ...(options.ignoreUnavailable !== undefined ? { ignoreUnavailable: options.ignoreUnavailable } : {}),
    ...(options.allowNoIndices !== undefined ? { allowNoIndices: options.allowNoIndices } : {}),
  });
  const patterns = (fields.length === 0 ? ['*'] : fields).map((f) => wildcardToRegExp(f));
  const wanted = (name: string): boolean => patterns.some((re) => re.test(name));
  const byField = new Map<string, Map<string, { leafType: string; searchable: boolean; aggregatable: boolean; indices: string[] }>>();
  const add = (name: string, type: string, searchable: boolean, aggregatable: boolean, index: string, meta = false): void => {
    if (!wanted(name)) return;
    const types = byField.get(name) ?? new Map();
    const entry = types.get(type) ?? { leafType: type, searchable, aggregatable, indices: [] };
    if (meta) (entry as { meta?: boolean }).meta = true;
    entry.indices.push(index);
    types.set(type, entry);
    byField.set(name, types);
  };
  const indices = resolved.indices;
  for (const index of indices) {
    for (const meta of META_FIELDS) {
      const aggregatable = meta === '_index' || meta === '_id' && false;
      add(meta, meta, meta === '_id' || meta === '_index' || meta === '_ignored', aggregatable || meta === '_index', index.name, true);
    }
    const objects = new Set<string>();
    for (const leaf of index.fields.values()) {
      add(leaf.path, leaf.esType, leaf.esType !== 'object', aggregatableLeaf(leaf), index.name);
      const segments = leaf.path.split('.');
      for (let i = 1; i < segments.length; i++) {
        const parent = segments.slice(0, i).join('.');
        if (!index.fields.has(parent)) objects.add(parent);
      }
    }
    for (const o of objects) add(o, 'object', false, false, index.name);
  }
  const out: JsonObject = {};
  for (const [name, types] of [...byField].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const entry: JsonObject = {};
    for (const [type, t] of types) {
      const isMeta = (t as { meta?: boolean }).meta === true;
      entry[type] = {
        type, metadata_field: isMeta, searchable: t.searchable, aggregatable: t.aggregatable,
        ...(types.size > 1 || t.indices.length < indices.length ? { indices: t.indices } : {}),
      };
    }
    out[name] = entry;
  }
  return { indices: indices.map((i) => i.name), fields: out };
}

function aggregatableLeaf(leaf: Leaf): boolean {
  return leaf.kind !== 'text';
}

export function catIndices(writer: Writer, pattern: string, sizes: Map<number, number>): Array<Record<string, string | number>> {
  const rows: Array<Record<string, string | number>> = [];
  const counts = writer.db.prepare('SELECT index_id, sum(docs) AS n FROM partitions GROUP BY index_id').all() as unknown as Array<{ index_id: number; n: number }>;
  const docs = new Map(counts.map((c) => [c.index_id, c.n]));
  const resolved = resolvePattern(writer.catalog, pattern === '' ? '*' : pattern, { ignoreUnavailable: true, expandHidden: true });
  for (const index of resolved.indices) {
    if (index.hidden && index.dataStream === null && !pattern.startsWith('.')) continue;
    const size = sizes.get(index.id) ?? 0;
    rows.push({
      health: 'green', status: 'open', index: index.name, uuid: index.uuid, pri: '1', rep: '0',
      'docs.count': docs.get(index.id) ?? 0, 'docs.deleted': 0, 'store.size': size, 'pri.store.size': size, 'dataset.size': size,
    });
  }
  return rows;
}

// ---------------------------------------------------------------- templates

function templatesMatching(writer: Writer, kind: TemplateKind, namePattern: string | undefined): Array<[string, JsonObject]> {
  const all = [...writer.templates.all(kind)];
  if (namePattern === undefined || namePattern === '' || namePattern === '*') return all;
  const res = namePattern.split(',').map((p) => wildcardToRegExp(p));
  const found = all.filter(([name]) => res.some((re) => re.test(name)));
  if (found.length === 0 && !hasWildcard(namePattern)) {
    throw new EsError(404, 'resource_not_found_exception', `index template matching [${namePattern}] not found`);
  }
  return found;
}

export function putTemplate(writer: Writer, kind: TemplateKind, name: string, body: JsonObject): JsonObject {
  if (kind === 'composable') {
    const tpl = (body.template as JsonObject | undefined) ?? {};
    if (tpl.mappings !== undefined) {
      try {
        mergeMappings({}, unwrapTypeLevel(tpl.mappings));
      } catch (error) {
        if (error instanceof MappingConflict) throw new EsError(400, 'illegal_argument_exception', error.message);
        throw error;
      }
    }
  }
  writer.templates.put(kind, name, body);
  return ACK;
}

export function getTemplates(writer: Writer, kind: TemplateKind, namePattern?: string): JsonObject {
  const found = templatesMatching(writer, kind, namePattern);
  if (kind === 'composable') return { index_templates: found.map(([name, body]) => ({ name, index_template: body })) };
  const out: JsonObject = {};
  for (const [name, body] of found) {
    out[name] = { order: body.order ?? 0, index_patterns: body.index_patterns ?? [], settings: body.settings ?? {}, mappings: body.mappings ?? {}, aliases: body.aliases ?? {} };
  }
  return out;
}

export function deleteTemplate(writer: Writer, kind: TemplateKind, name: string): JsonObject {
  if (!writer.templates.delete(kind, name)) {
    throw new EsError(404, kind === 'composable' ? 'resource_not_found_exception' : 'index_template_missing_exception', kind === 'composable' ? `index_template [${name}] missing` : `index_template [${name}] missing`);
  }
  return ACK;
}

// ---------------------------------------------------------------- data streams

export function getDataStreams(writer: Writer, pattern?: string): JsonObject {
  const streams = [...writer.catalog.dataStreams.values()];
  let selected = streams;
  if (pattern !== undefined && pattern !== '' && pattern !== '*' && pattern !== '_all') {
    const parts = pattern.split(',');
    selected = streams.filter((s) => parts.some((p) => wildcardToRegExp(p).test(s.name)));
    for (const p of parts) if (!hasWildcard(p) && !writer.catalog.dataStreams.has(p)) throw notFound(p);
  }
  return {
    data_streams: selected.sort((a, b) => (a.name < b.name ? -1 : 1)).map((s) => {
      const backing = writer.catalog.indices.get(s.backingIndex);
      return {
        name: s.name, timestamp_field: { name: '@timestamp' },
        indices: [{ index_name: s.backingIndex, index_uuid: backing?.uuid ?? '', prefer_ilm: false, managed_by: 'Unmanaged' }],
        generation: 1, status: 'GREEN', template: s.template, hidden: false, system: false, allow_custom_routing: false, replicated: false,
        rollover_on_write: false, next_generation_managed_by: 'Unmanaged', prefer_ilm: false,
        _meta: { created: formatDate(s.createdMs) },
      };
    }),
  };
}

export function createDataStream(writer: Writer, name: string): JsonObject {
  if (writer.catalog.dataStreams.has(name)) throw new EsError(400, 'resource_already_exists_exception', `data_stream [${name}] already exists`);
  if (writer.catalog.indices.has(name)) throw new EsError(400, 'illegal_argument_exception', `data stream [${name}] conflicts with index`);
  const invalid = validateIndexName(name);
  if (invalid !== undefined) throw new EsError(400, 'invalid_index_name_exception', invalid.replace('index name', 'data stream name'));
  const template = writer.templates.match(name);
  if (template === undefined || !template.dataStream) throw new EsError(400, 'illegal_argument_exception', `no matching index template found for data stream [${name}]`);
  writer.transaction(() => writer.createDataStreamRecord(name, template.name, template.mappings, template.settings));
  return ACK;
}

export function deleteDataStream(writer: Writer, pattern: string): JsonObject {
  const parts = pattern.split(',');
  const selected = [...writer.catalog.dataStreams.values()].filter((s) => parts.some((p) => wildcardToRegExp(p).test(s.name)));
  for (const p of parts) if (!hasWildcard(p) && !writer.catalog.dataStreams.has(p)) throw notFound(p);
  writer.transaction(() => {
    for (const s of selected) {
      const backing = writer.catalog.indices.get(s.backingIndex);
      if (backing !== undefined) writer.dropIndex(backing);
      writer.db.prepare('DELETE FROM data_streams WHERE name = ?').run(s.name);
      writer.catalog.dataStreams.delete(s.name);
      writer.markCatalogChanged();
    }
  });
  writer.db.exec('PRAGMA incremental_vacuum');
  return ACK;
}
