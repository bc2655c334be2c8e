/**
 * Index templates: composable (`_index_template`) and legacy (`_template`), stored in the catalog, and
 * the built-in `logs` template that makes `logs-*-*` a data stream with ECS-shaped mappings, as
 * Elasticsearch 8 ships it (strings are keyword unless ECS says text; `*.ip` is ip).
 */
import type { DatabaseSync } from 'node:sqlite';
import type { Mappings } from './catalog.ts';
import { mergeMappings } from './mapping.ts';
import { wildcardToRegExp } from './wildcard.ts';
import { EsError, type JsonObject } from './types.ts';

export type TemplateKind = 'composable' | 'legacy';

const keyword = { type: 'keyword', ignore_above: 1024 };

/** ES's `logs@mappings` + `ecs@mappings`, reduced to what log shippers send. */
export const BUILT_IN_LOGS_TEMPLATE: JsonObject = {
  index_patterns: ['logs-*-*'],
  priority: 100,
  data_stream: { hidden: false, allow_custom_routing: false },
  composed_of: [],
  _meta: { description: 'default logs template installed by logship (like Elasticsearch)', managed: true },
  template: {
    settings: {
      index: {
        mode: 'standard', codec: 'best_compression',
        // logship: fields whose (value, time) is indexed, for term filters over long time ranges (the values
        // searched for rarely: errors, failing requests). Terms aggregations over a time range read the
        // partitions' rollups (rollup.ts), which every keyword field has; an index costs ~0.75 µs per document.
        logship: { indexed_fields: ['log.level', 'http.response.status_code'] },
      },
    },
    mappings: {
      date_detection: false,
      dynamic_templates: [
        { ecs_ip: { path_match: ['ip', '*.ip'], match_mapping_type: 'string', mapping: { type: 'ip' } } },
        { ecs_timestamp: { match: '@timestamp', mapping: { type: 'date', ignore_malformed: false } } },
        { ecs_message_match_only_text: { path_match: ['message', '*.message', '*.stack_trace', '*.original'], unmatch_mapping_type: 'object', mapping: { type: 'text' } } },
        { ecs_date: { path_match: ['*.timestamp', '*_timestamp', '*.start', '*.end', '*.created', '*.ingested'], mapping: { type: 'date' } } },
        { ecs_path_match_float: { path_match: ['*.score.*', '*_score*'], unmatch_mapping_type: 'object', mapping: { type: 'float' } } },
        { ecs_usage_double: { path_match: ['*.usage'], match_mapping_type: ['double', 'long', 'string'], mapping: { type: 'float' } } },
        { all_strings_to_keywords: { match_mapping_type: 'string', mapping: keyword } },
      ],
      properties: {
        '@timestamp': { type: 'date' },
        message: { type: 'match_only_text' },
        data_stream: { properties: { type: { type: 'constant_keyword' }, dataset: { type: 'constant_keyword' }, namespace: { type: 'constant_keyword' } } },
        event: { properties: { dataset: { type: 'keyword' }, duration: { type: 'long' }, original: { type: 'keyword', index: false, doc_values: false } } },
        error: { properties: { message: { type: 'match_only_text' } } },
        log: { properties: { level: { type: 'keyword' }, offset: { type: 'long' }, file: { properties: { path: { type: 'keyword' } } } } },
        host: { properties: { name: { type: 'keyword' } } },
        source: { properties: { ip: { type: 'ip' }, address: { type: 'keyword' } } },
        http: {
          properties: {
            request: { properties: { method: { type: 'keyword' }, referrer: { type: 'keyword' } } },
            response: { properties: { status_code: { type: 'long' }, body: { properties: { bytes: { type: 'long' } } } } },
            version: { type: 'keyword' },
          },
        },
        url: { properties: { original: { type: 'keyword' }, path: { type: 'keyword' }, query: { type: 'keyword' } } },
        user_agent: { properties: { original: { type: 'keyword' } } },
        process: { properties: { pid: { type: 'long' }, thread: { properties: { id: { type: 'long' } } } } },
        kubernetes: {
          properties: {
            namespace: { type: 'keyword' },
            pod: { properties: { name: { type: 'keyword' }, uid: { type: 'keyword' }, ip: { type: 'ip' } } },
            node: { properties: { name: { type: 'keyword' } } },
            container: { properties: { name: { type: 'keyword' } } },
          },
        },
        container: { properties: { id: { type: 'keyword' }, runtime: { type: 'keyword' }, image: { properties: { name: { type: 'keyword' } } } } },
        stream: { type: 'keyword' },
        tags: { type: 'keyword' },
      },
    },
  },
};

export interface TemplateMatch {
  readonly name: string;
  readonly dataStream: boolean;
  readonly mappings: Mappings;
  readonly settings: JsonObject;
}

function listOf(value: unknown): string[] {
  if (typeof value === 'string') return value.split(',');
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export class Templates {
  readonly #db: DatabaseSync;
  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  all(kind: TemplateKind): Map<string, JsonObject> {
    const out = new Map<string, JsonObject>();
    if (kind === 'composable') out.set('logs', BUILT_IN_LOGS_TEMPLATE);
    const rows = this.#db.prepare('SELECT name, body FROM templates WHERE kind = ? ORDER BY name').all(kind) as unknown as Array<{ name: string; body: string }>;
    for (const row of rows) out.set(row.name, JSON.parse(row.body) as JsonObject);
    return out;
  }

  put(kind: TemplateKind, name: string, body: JsonObject): void {
    if (listOf(body.index_patterns).length === 0) {
      throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: index patterns are missing;');
    }
    const tpl = (kind === 'composable' ? (body.template as JsonObject | undefined) : body) ?? {};
    const mappings = tpl.mappings;
    if (mappings !== undefined && (typeof mappings !== 'object' || mappings === null)) {
      throw new EsError(400, 'mapper_parsing_exception', 'Failed to parse mapping: mappings must be an object');
    }
    this.#db.prepare('INSERT OR REPLACE INTO templates(kind, name, body) VALUES (?, ?, ?)').run(kind, name, JSON.stringify(body));
  }

  delete(kind: TemplateKind, name: string): boolean {
    return Number(this.#db.prepare('DELETE FROM templates WHERE kind = ? AND name = ?').run(kind, name).changes) > 0;
  }

  /** The composable template of highest priority matching the name, else the merged legacy templates. */
  match(indexName: string): TemplateMatch | undefined {
    let best: { name: string; body: JsonObject; priority: number } | undefined;
    for (const [name, body] of this.all('composable')) {
      if (!listOf(body.index_patterns).some((p) => wildcardToRegExp(p).test(indexName))) continue;
      const priority = typeof body.priority === 'number' ? body.priority : 0;
      if (best === undefined || priority > best.priority) best = { name, body, priority };
    }
    if (best !== undefined) {
      const tpl = (best.body.template as JsonObject | undefined) ?? {};
      const mappings: Mappings = {};
      mergeMappings(mappings, unwrapTypeLevel(tpl.mappings));
      return { name: best.name, dataStream: best.body.data_stream !== undefined && best.body.data_stream !== null, mappings, settings: (tpl.settings as JsonObject | undefined) ?? {} };
    }
    const legacy = [...this.all('legacy')]
      .filter(([, body]) => listOf(body.index_patterns ?? body.template).some((p) => wildcardToRegExp(p).test(indexName)))
      .sort(([, a], [, b]) => (Number(a.order ?? 0) - Number(b.order ?? 0)));
    if (legacy.length === 0) return undefined;
    const mappings: Mappings = {};
    let settings: JsonObject = {};
    for (const [, body] of legacy) {
      mergeMappings(mappings, unwrapTypeLevel(body.mappings));
      settings = { ...settings, ...((body.settings as JsonObject | undefined) ?? {}) };
    }
    return { name: legacy[legacy.length - 1]![0], dataStream: false, mappings, settings };
  }
}

/** Legacy mappings may be wrapped in a type name (`{"_doc": {"properties": …}}`). */
export function unwrapTypeLevel(mappings: unknown): Mappings {
  if (typeof mappings !== 'object' || mappings === null) return {};
  const m = mappings as Record<string, unknown>;
  const keys = Object.keys(m);
  const known = ['properties', 'dynamic', 'dynamic_templates', 'date_detection', '_source', '_meta', '_routing', 'numeric_detection', 'runtime', '_data_stream_timestamp', 'subobjects'];
  if (keys.length === 1 && !known.includes(keys[0]!) && typeof m[keys[0]!] === 'object') return m[keys[0]!] as Mappings;
  return m as Mappings;
}
