/**
 * The data view's fields from a `_field_caps` response: one entry per field with Kibana's type
 * (`string`, `number`, `date`, …) and the Elasticsearch types behind it, for the sidebar and for the
 * KQL compiler (keyword fields get `term`, date fields get ranges).
 */
import type { FieldSpec } from '../kql/to-dsl.ts';

export type FieldInfo = FieldSpec & { readonly aggregatable: boolean; readonly searchable: boolean };

const KIBANA_TYPE: Record<string, string> = {
  text: 'string', keyword: 'string', constant_keyword: 'string', wildcard: 'string', match_only_text: 'string', version: 'string',
  long: 'number', integer: 'number', short: 'number', byte: 'number', double: 'number', float: 'number', half_float: 'number',
  scaled_float: 'number', unsigned_long: 'number', date: 'date', date_nanos: 'date', boolean: 'boolean', ip: 'ip',
  geo_point: 'geo_point', object: 'object', nested: 'nested', flattened: 'string', _id: 'string', _index: 'string',
};

export function fieldsFromCaps(response: unknown): FieldInfo[] {
  const caps = (response as { fields?: Record<string, Record<string, { type?: string; metadata_field?: boolean; aggregatable?: boolean; searchable?: boolean }>> }).fields ?? {};
  const result: FieldInfo[] = [];
  for (const [name, byType] of Object.entries(caps)) {
    const entries = Object.entries(byType).filter(([type]) => type !== 'unmapped');
    if (entries.length === 0) continue;
    if (entries.some(([, c]) => c.metadata_field) && name !== '_id' && name !== '_index') continue;
    if (entries.every(([type]) => type === 'object' || type === 'nested')) continue;
    const esTypes = entries.map(([type]) => type);
    const kibanaTypes = new Set(esTypes.map((t) => KIBANA_TYPE[t] ?? t));
    result.push({
      name,
      esTypes,
      type: kibanaTypes.size === 1 ? [...kibanaTypes][0]! : 'conflict',
      aggregatable: entries.every(([, c]) => c.aggregatable === true),
      searchable: entries.some(([, c]) => c.searchable !== false),
    });
  }
  return result.sort((a, b) => a.name.localeCompare(b.name));
}

export function dateFields(fields: readonly FieldInfo[]): string[] {
  return fields.filter((f) => f.type === 'date').map((f) => f.name);
}
