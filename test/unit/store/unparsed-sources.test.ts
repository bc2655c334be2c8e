/**
 * `_bulk` lines handed to the embedded store unparsed (Store.readsSourceText, BulkOp) must be stored and
 * refused exactly as parsed ones: the same body goes through the HTTP layer's parser both ways into two
 * fresh stores, and the answers (items, in request order) and the stored documents must be equal.
 */
import { describe, expect, it } from 'vitest';
import { parseBulkBody } from '../../../aggregator/http/bulk-body.ts';
import type { BulkItemResponse, BulkOp } from '../../../aggregator/store/types.ts';
import { openTestStore, type TestStore } from './open-store.ts';

const line = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
const body = [
  { create: { _index: 'logs-app-default', _id: 'ok-1' } }, { '@timestamp': '2026-11-23T07:00:00Z', message: 'GET / "quoted" \u00e9', http: { response: { status_code: 200 } } },
  { create: { _index: 'logs-app-default', _id: 'cut' } }, '{"@timestamp": "2026-11-23T07:00:01Z", "message": "cut off',
  { create: { _index: 'logs-app-default', _id: 'array' } }, '[1, 2]',
  { create: { _index: 'logs-app-default', _id: 'number' } }, '42',
  { create: { _index: 'logs-app-default', _id: 'bad-type' } }, { '@timestamp': '2026-11-23T07:00:02Z', http: { response: { status_code: 'not a number' } } },
  { create: { _index: 'logs-app-default', _id: 'no-time' } }, { message: 'a data stream needs @timestamp' },
  { create: { _index: 'logs-app-default', _id: 'ok-1' } }, { '@timestamp': '2026-11-23T07:00:03Z', message: 'a retry: 409' },
  { index: { _index: 'plain', _id: 'p1' } }, { level: 'info', n: 1.5, tags: ['a', 'b'], nested: { deep: true } },
  { index: { _index: 'plain', _id: 'p1' } }, '  { "level" : "warn" }  ',
  { create: { _index: 'logs-app-default' } }, { '@timestamp': '2026-11-23T07:00:04Z', message: 'no _id: parsed by the HTTP layer either way' },
].map(line).join('\n') + '\n';

async function apply(unparsedSources: boolean): Promise<{ items: BulkItemResponse[]; unparsed: number; docs: unknown[]; t: TestStore }> {
  const t = await openTestStore();
  const parsed = parseBulkBody(body, { unparsedSources });
  const ops: BulkOp[] = [];
  for (const entry of parsed.entries) if ('op' in entry) ops.push(entry.op);
  const results = await t.store.bulk(ops, 'true');
  let next = 0;
  const items = parsed.entries.map((entry) => ('op' in entry ? results[next++]! : entry.item));
  const found = await t.store.search('logs-app-default,plain', { size: 100, sort: [{ _doc: 'asc' }], query: { match_all: {} } }) as { hits: { hits: Array<{ _index: string; _id: string; _source: unknown }> } };
  const docs = found.hits.hits.map((hit) => [hit._index.replace(/\d{4}\.\d{2}\.\d{2}/, 'DATE'), hit._id.startsWith('ok') || hit._id.startsWith('p') ? hit._id : 'auto', hit._source]);
  return { items, unparsed: ops.filter((op) => op.op !== 'delete' && op.op !== 'update' && op.doc === undefined).length, docs, t };
}

describe('bulk sources handed to the store unparsed', () => {
  it('are stored and refused exactly as parsed ones', async () => {
    const eager = await apply(false);
    const lazy = await apply(true);
    try {
      expect(eager.unparsed).toBe(0);
      expect(lazy.unparsed).toBe(9); // every line with an _id; the last one has none and is parsed by the HTTP layer
      const normalise = (items: BulkItemResponse[]) => JSON.parse(JSON.stringify(items).replace(/\d{4}\.\d{2}\.\d{2}/g, 'DATE').replace(/"_id":"[A-Za-z0-9_-]{20}"/g, '"_id":"auto"').replace(/"index_uuid":"[^"]+"/g, '"index_uuid":"U"')) as unknown;
      expect(normalise(lazy.items)).toEqual(normalise(eager.items));
      const statuses = (lazy.items as Array<Record<string, { status: number }>>).map((item) => Object.values(item)[0]!.status);
      expect(statuses).toEqual([201, 400, 400, 400, 400, 400, 409, 201, 200, 201]);
      const reasons = (lazy.items as Array<Record<string, { error?: { reason: string } }>>).map((item) => Object.values(item)[0]!.error?.reason);
      expect(reasons[1]).toBe('[4:1] failed to parse: the source on line [4] is not valid JSON');
      expect(reasons[2]).toBe('[6:1] failed to parse: the source on line [6] must be a JSON object');
      expect(lazy.docs).toEqual(eager.docs);
      expect(lazy.docs).toHaveLength(3);
    } finally {
      await eager.t.close();
      await lazy.t.close();
    }
  });
});
