/**
 * The hot-path form of constant enrichment. Pod identity, agent fields and `--tag`s are the same for
 * every record of a sidecar, so they are computed once (by running the enrichers on an empty record) and
 * then laid onto each freshly parsed record in place — one pass over a handful of top-level keys instead
 * of copying every record once per enricher. Conflict rules are mergeFields' own.
 */
import type { Enricher, Line, LogRecord } from '../record.ts';
import { deepFreeze, isPlainObject, mergeFields } from '../parse/fields.ts';

/** Runs constant enrichers once; their result is frozen because every record will share it. */
export function fixedFieldsOf(enrich: Enricher): LogRecord {
  const probe: Line = { source: '', path: '', text: '', offset: 0, endOffset: 0 };
  return deepFreeze(enrich({}, probe));
}

/** Adds the fixed fields to a record the caller owns (mutated and returned). */
export function addFixedFields(record: LogRecord, fixed: LogRecord): LogRecord {
  for (const key in fixed) {
    const value = fixed[key];
    const existing = record[key];
    if (existing === undefined) record[key] = value;
    else if (isPlainObject(existing) && isPlainObject(value)) record[key] = mergeFields(existing, value);
    else if (!isPlainObject(existing) && !isPlainObject(value)) record[key] = value;
  }
  return record;
}
