import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseBulkBody } from '../../../aggregator/http/bulk-body.ts';
import { EsError, type BulkOp, type JsonObject } from '../../../aggregator/store/types.ts';

const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
const id = fc.string({ minLength: 1, maxLength: 20 });
const doc = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }).map((d) => JSON.parse(JSON.stringify(d)) as JsonObject);

const op: fc.Arbitrary<BulkOp> = fc.oneof(
  fc.record({ op: fc.constantFrom('create' as const, 'index' as const), index: name, id, doc }),
  fc.record({ op: fc.constant('delete' as const), index: name, id }),
  fc.record({ op: fc.constant('update' as const), index: name, id, doc }),
);

function serialize(ops: readonly BulkOp[]): string {
  return ops.map((o) => {
    if (o.op === 'delete') return JSON.stringify({ delete: { _index: o.index, _id: o.id } });
    if (o.op === 'update') return `${JSON.stringify({ update: { _index: o.index, _id: o.id } })}\n${JSON.stringify({ doc: o.doc })}`;
    return `${JSON.stringify({ [o.op]: { _index: o.index, _id: o.id } })}\n${JSON.stringify(o.doc)}`;
  }).join('\n') + '\n';
}

describe('bulk body parsing', () => {
  it('gives back exactly the operations that were serialized, in order', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 20 }), (ops) => {
        const parsed = parseBulkBody(serialize(ops), {});
        // create/index also carry the source line's own text, which the store keeps as `_source`.
        const expected = ops.map((o) => (o.op === 'create' || o.op === 'index' ? { ...o, sourceJson: JSON.stringify(o.doc) } : o));
        expect(parsed.entries.map((entry) => ('op' in entry ? entry.op : entry.item))).toEqual(expected);
      }),
    );
  });

  it('on any input either parses or throws an ES error, never anything else', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v)), fc.constantFrom('{"index":{}}', '{"create":{"_index":"x"}}', '{"delete":{"_index":"x","_id":"1"}}', '{}')), { maxLength: 10 }), (lines) => {
        try {
          parseBulkBody(lines.join('\n'), { index: 'fallback' });
        } catch (error) {
          expect(error).toBeInstanceOf(EsError);
          expect((error as EsError).status).toBe(400);
        }
      }),
    );
  });

  it('reads an action line exactly as JSON does, whatever its index and id hold (quotes, escapes, control characters)', () => {
    // Values are spliced in unescaped on purpose: some lines are valid JSON, some are not.
    const raw = fc.string({ unit: fc.constantFrom('a', 'Z', '9', '-', '"', '\\', 'n', 'u', '\t', '\u0001', 'é', '\u2028', ' ', '{', '}', ':', ',') , maxLength: 8 });
    fc.assert(
      fc.property(fc.constantFrom('create', 'index'), raw, raw, (action, index, id) => {
        const line = `{"${action}":{"_index":"${index}","_id":"${id}"}}`;
        let expected: { index: unknown; id: unknown } | 'error';
        try {
          const meta = (JSON.parse(line) as Record<string, Record<string, unknown>>)[action]!;
          expected = Object.keys(JSON.parse(line) as object).length === 1 && typeof meta._index === 'string' && typeof meta._id === 'string' && Object.keys(meta).length === 2 ? { index: meta._index, id: meta._id } : 'error';
        } catch {
          expected = 'error';
        }
        let actual: { index: unknown; id: unknown } | 'error' | 'item';
        try {
          const [entry] = parseBulkBody(`${line}\n{}\n`, {}).entries;
          actual = entry !== undefined && 'op' in entry ? { index: entry.op.index, id: 'id' in entry.op ? entry.op.id : undefined } : 'item';
        } catch (error) {
          expect(error).toBeInstanceOf(EsError);
          actual = 'error';
        }
        // An empty id is the item's own 400, as in ES; every other outcome must match JSON's reading.
        if (expected !== 'error' && expected.id === '') expect(actual).toBe('item');
        else expect(actual).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps one entry per action, so items line up with the request', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 20 }), fc.nat(), (ops, seed) => {
        // Break one source line; the count of entries must not change.
        const text = serialize(ops).split('\n');
        const sourceLines = text.map((line, i) => (line.startsWith('{"create"') || line.startsWith('{"index"') ? i + 1 : -1)).filter((i) => i > 0);
        if (sourceLines.length === 0) return;
        text[sourceLines[seed % sourceLines.length]!] = '{"broken": ';
        const parsed = parseBulkBody(text.join('\n'), {});
        expect(parsed.entries).toHaveLength(ops.length);
      }),
    );
  });
});
