/**
 * Documents typed through a learned shape (aggregator/store/document-shapes.ts) must match a learned shape
 * exactly — same keys in the same order, same JSON types, nested objects of the same length — or be left
 * to the general path (which also refuses, for example, a data stream document without @timestamp). The
 * property test (test/property/store/document-shapes.test.ts) holds the two paths to the same tables; these
 * pin the partial matches it rarely generates.
 */
import { describe, expect, it } from 'vitest';
import type { Leaf } from '../../../aggregator/store/catalog.ts';
import { DocumentShapes, type LeafSlot } from '../../../aggregator/store/document-shapes.ts';
import type { JsonObject } from '../../../aggregator/store/types.ts';

const leaf = (path: string, kind: Leaf['kind'], col: number): Leaf => ({ path, kind, esType: kind, col, storesValue: kind !== 'text', multi: false });
const slots = new Map<string, LeafSlot>([
  ['@timestamp', { leaf: leaf('@timestamp', 'date', 1), position: 2, subs: [] }],
  ['message', { leaf: leaf('message', 'text', 2), position: 3, subs: [] }],
  ['http.status', { leaf: leaf('http.status', 'long', 3), position: 4, subs: [] }],
  ['http.method', { leaf: leaf('http.method', 'keyword', 4), position: 5, subs: [] }],
  ['user', { leaf: leaf('user', 'keyword', 5), position: 6, subs: [] }],
]);
const slotOf = (path: string) => slots.get(path);
const learned = (...docs: JsonObject[]) => {
  const shapes = new DocumentShapes(5);
  for (const doc of docs) shapes.learn(doc, countLeaves(doc), slotOf);
  return shapes;
};
function countLeaves(doc: JsonObject): number {
  let n = 0;
  for (const value of Object.values(doc)) n += typeof value === 'object' && value !== null ? countLeaves(value as JsonObject) : 1;
  return n;
}

const full = { '@timestamp': '2026-11-24T10:00:00.000Z', message: 'GET /', http: { status: 200, method: 'GET' }, user: 'ann' };

describe('document shapes', () => {
  it('types a document of a learned shape into its row', () => {
    const row = learned(full).fill({ ...full, message: 'POST /x', http: { status: 404, method: 'POST' } });
    // `r` is the writer's; @timestamp fills only `ts`; text stores a presence mark, its words go to full text.
    expect(row?.values).toEqual([null, Date.parse(full['@timestamp']), null, 1, 404, 'POST', 'ann']);
    expect(row?.texts).toEqual([2, 'POST /x']);
  });

  it('leaves a document that is only the start of a learned shape to the general path', () => {
    const shapes = learned({ message: 'x', http: { status: 200, method: 'GET' }, '@timestamp': '2026-11-24T10:00:00.000Z' });
    expect(shapes.fill({ message: 'y', http: { status: 500, method: 'GET' } })).toBeUndefined();
    expect(shapes.fill({ message: 'y', http: { status: 500, method: 'GET' }, '@timestamp': '2026-11-24T11:00:00.000Z' })).toBeDefined();
  });

  it('leaves a document whose nested object is shorter or longer than the learned one to the general path', () => {
    const shapes = learned(full, { '@timestamp': '2026-11-24T10:00:00.000Z', message: 'm', http: { status: 200 }, user: 'bob' });
    expect(shapes.fill({ '@timestamp': '2026-11-24T10:00:00.000Z', message: 'm', http: { status: 200 }, user: 'bob' })).toBeDefined();
    expect(shapes.fill({ '@timestamp': '2026-11-24T10:00:00.000Z', message: 'm', http: { status: 200, method: 'GET' }, user: 'bob' })).toBeDefined();
    const other = learned(full);
    expect(other.fill({ '@timestamp': '2026-11-24T10:00:00.000Z', message: 'm', http: { status: 200 }, user: 'bob' })).toBeUndefined();
    expect(other.fill({ '@timestamp': '2026-11-24T10:00:00.000Z', message: 'm', http: { status: 200, method: 'GET', extra: 1 }, user: 'bob' })).toBeUndefined();
  });

  it('leaves another JSON type, another key order, or a value the mapping refuses to the general path', () => {
    const shapes = learned(full);
    expect(shapes.fill({ ...full, http: { status: '200', method: 'GET' } })).toBeUndefined();
    expect(shapes.fill({ message: full.message, '@timestamp': full['@timestamp'], http: full.http, user: 'ann' })).toBeUndefined();
    expect(shapes.fill({ ...full, '@timestamp': 'yesterday' })).toBeUndefined();
    expect(shapes.fill({ ...full, user: null })).toBeUndefined();
    const { http, ...rest } = full;
    expect(shapes.fill({ '@timestamp': rest['@timestamp'], message: rest.message, web: http, user: rest.user })).toBeUndefined();
  });
});
