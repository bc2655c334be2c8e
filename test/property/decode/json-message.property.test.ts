import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containerRecord } from '../../../shipper/decode/container-record.ts';
import { mergeJsonMessage } from '../../../shipper/decode/json-message.ts';

/** Objects shaped like application logs: ECS-looking keys, aliases and nesting mixed with anything. */
const key = fc.oneof(
  fc.constantFrom('@timestamp', 'message', 'msg', 'level', 'log.level', 'log', 'error', 'err', 'trace.id', 'span_id', 'service', 'name', 'event', 'tags', 'stack', 'type', 'http', 'response', 'status_code', 'kubernetes', 'stream'),
  fc.string({ maxLength: 8 }),
);
const appObject = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), tie('object')),
  object: fc.dictionary(key, tie('value'), { maxKeys: 6 }),
})).object;

/** Leaves of a nested object as [path, value] pairs (the path as JSON of its keys, so no two collide), arrays kept whole. */
function leaves(value: unknown, path: readonly string[] = []): Array<[string, unknown]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [[JSON.stringify(path), value]];
  const entries = Object.entries(value);
  if (entries.length === 0) return [[JSON.stringify(path), {}]];
  return entries.flatMap(([k, v]) => leaves(v, [...path, k]));
}

describe('JSON message merging, for any application object', () => {
  it('never throws, and keeps every leaf either lifted to ECS or unchanged under json', () => {
    fc.assert(
      fc.property(appObject, (object) => {
        const { ok, fields } = mergeJsonMessage(JSON.stringify(object));
        expect(ok).toBe(true);
        const original = leaves(object).filter(([, v]) => !(typeof v === 'object' && v !== null && !Array.isArray(v)));
        const kept = new Map(leaves(fields.json ?? {}).map(([p, v]) => [p, v]));
        const lifted = leaves({ ...fields, json: undefined }).filter(([, v]) => v !== undefined);
        // Each original leaf is still under json at its path, or was lifted: lifted leaves never outnumber the ones that left json.
        const missing = original.filter(([path, v]) => !(kept.has(path) && Object.is(JSON.stringify(kept.get(path)), JSON.stringify(v))));
        expect(missing.length).toBeLessThanOrEqual(lifted.length);
        if (fields.message !== undefined) expect(typeof fields.message).toBe('string');
        expect(fields.kubernetes).toBeUndefined();
        expect(fields.stream).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary text, and builds a record that keeps a string message', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.json()), fc.boolean(), (message, parseJson) => {
        const record = containerRecord({ message, stream: 'stdout', timestamp: '', offset: 0, endOffset: 1, format: 'docker' }, { parseJson });
        expect(typeof record.message).toBe('string');
        expect(record.stream).toBe('stdout');
      }),
      { numRuns: 500 },
    );
  });
});
