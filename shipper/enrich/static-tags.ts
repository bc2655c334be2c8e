/**
 * Fields every record of a shipper gets: configured `key=value` tags (`--tag env=prod`,
 * `--tag service.name=shop`; dotted keys nest), and who shipped it (`host.name`, `agent.*`).
 */
import type { Enricher } from '../record.ts';
import { deepFreeze, isPlainObject, mergeFields, type FieldObject } from '../parse/fields.ts';

export type StaticTagsResult = { readonly ok: true; readonly fields: FieldObject } | { readonly ok: false; readonly errors: string[] };

/**
 * Parses `key=value` entries into nested fields. Values are strings; the first `=` separates.
 * Reports every problem at once (for config validation): no `=`, an empty key or key segment,
 * or a key that is both a value and a parent (`a=1` with `a.b=2`).
 */
export function parseStaticTags(tags: readonly string[]): StaticTagsResult {
  const fields: FieldObject = {};
  const errors: string[] = [];
  for (const tag of tags) {
    const equals = tag.indexOf('=');
    const key = equals < 0 ? '' : tag.slice(0, equals).trim();
    const segments = key.split('.');
    if (equals < 0) {
      errors.push(`tag ${JSON.stringify(tag)}: expected key=value`);
      continue;
    }
    if (segments.some((segment) => segment.length === 0)) {
      errors.push(`tag ${JSON.stringify(tag)}: the key has an empty part`);
      continue;
    }
    let node = fields;
    let valueOnPath: string | undefined;
    for (const [index, segment] of segments.slice(0, -1).entries()) {
      const next = node[segment];
      if (next === undefined) node = node[segment] = {};
      else if (isPlainObject(next)) node = next;
      else {
        valueOnPath = segments.slice(0, index + 1).join('.');
        break;
      }
    }
    const last = segments[segments.length - 1]!;
    if (valueOnPath !== undefined || isPlainObject(node[last])) {
      errors.push(`tag ${JSON.stringify(tag)}: ${valueOnPath !== undefined ? `${valueOnPath} already has a value` : `${key} is already the parent of other tags`}`);
      continue;
    }
    node[last] = tag.slice(equals + 1);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, fields };
}

/** Merges fixed fields into each record; leaves the records' own values where one is an object and the other not. */
function fixedFieldsEnricher(fields: FieldObject): Enricher {
  const shared = deepFreeze(fields);
  if (Object.keys(shared).length === 0) return (record) => record;
  return (record) => mergeFields(record, shared);
}

/**
 * Adds configured tags to every record; configured values win over parsed ones, except that a
 * parsed object is never replaced by a string (or the reverse), which would be a mapping conflict.
 * Throws with every problem listed when a tag is malformed: validate with `parseStaticTags` first.
 */
export function staticTagsEnricher(tags: readonly string[]): Enricher {
  const parsed = parseStaticTags(tags);
  if (!parsed.ok) throw new Error(`invalid tags: ${parsed.errors.join('; ')}`);
  return fixedFieldsEnricher(parsed.fields);
}

/** Adds `host.name`, `agent.type: logship` and `agent.version` (CONVENTIONS.md, common fields). */
export function agentFieldsEnricher(agent: { readonly hostName: string; readonly version: string }): Enricher {
  return fixedFieldsEnricher({ host: { name: agent.hostName }, agent: { type: 'logship', version: agent.version } });
}
