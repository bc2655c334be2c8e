/**
 * `match_only_text` is indexed without token positions (partitions.ts), and a phrase on it is checked
 * against `_source` (phrase-check.ts). This holds its answers equal to those of the same texts in a `text`
 * field, where FTS5 matches the phrase off its positions: random texts over a small vocabulary (so that
 * phrases match often and tokens repeat), several values per field, documents without the field,
 * overwrites and deletes, bulks spread over two day partitions; random phrases and phrase prefixes, alone
 * and inside `bool` with a term filter.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BulkOp, JsonObject } from '../../../aggregator/store/types.ts';
import { itemOf, openTestStore, type TestStore } from '../../unit/store/open-store.ts';

const DAY = 86_400_000;
const BASE = Math.floor(Date.now() / DAY) * DAY - DAY;
const WORDS = ['alpha', 'beta', 'gamma', 'Alphabet', 'be-ta'];

const textArb = fc.tuple(fc.array(fc.constantFrom(...WORDS), { minLength: 0, maxLength: 6 }), fc.constantFrom(' ', ', ', '/')).map(([w, separator]) => w.join(separator));
const valueArb = fc.oneof({ weight: 6, arbitrary: textArb }, { weight: 1, arbitrary: fc.array(textArb, { minLength: 1, maxLength: 3 }) }, { weight: 1, arbitrary: fc.constant(undefined) });
const opArb = fc.record({
  id: fc.integer({ min: 0, max: 40 }),
  day: fc.integer({ min: 0, max: 1 }),
  value: valueArb,
  kind: fc.constantFrom('index', 'index', 'index', 'delete'),
  tag: fc.constantFrom('x', 'y'),
});
const phraseArb = fc.record({
  words: fc.array(fc.constantFrom('alpha', 'beta', 'gamma', 'alphabet', 'be ta', 'ta alpha'), { minLength: 1, maxLength: 3 }).map((w) => w.join(' ')),
  prefix: fc.boolean(),
  cut: fc.integer({ min: 0, max: 3 }),
  filtered: fc.boolean(),
});

describe('phrases on text indexed without positions', () => {
  let t: TestStore;
  let run = 0;
  beforeAll(async () => {
    t = await openTestStore();
  });
  afterAll(async () => {
    await t.close();
  });

  it('match exactly what the same phrases match with positions', async () => {
    let matched = 0;
    await fc.assert(fc.asyncProperty(fc.array(fc.array(opArb, { minLength: 1, maxLength: 25 }), { minLength: 1, maxLength: 4 }), fc.array(phraseArb, { minLength: 1, maxLength: 6 }), async (bulks, phrases) => {
      const names = { text: `phrase-text-${run}`, matchOnly: `phrase-mot-${run}` };
      run++;
      for (const [name, type] of [[names.text, 'text'], [names.matchOnly, 'match_only_text']] as const) {
        await t.store.createIndex(name, { mappings: { properties: { '@timestamp': { type: 'date' }, tag: { type: 'keyword' }, body: { properties: { msg: { type } } } } } });
      }
      let n = 0;
      for (const ops of bulks) {
        for (const name of [names.text, names.matchOnly]) {
          const bulk: BulkOp[] = ops.map((o) => o.kind === 'delete'
            ? { op: 'delete', index: name, id: String(o.id) }
            : { op: 'index', index: name, id: String(o.id), doc: { '@timestamp': new Date(BASE + o.day * DAY + n++).toISOString(), tag: o.tag, ...(o.value !== undefined ? { body: { msg: o.value } } : {}) } as JsonObject });
          for (const item of (await t.store.bulk(bulk)).map(itemOf)) expect([200, 201, 404]).toContain(item.status);
        }
      }
      for (const p of phrases) {
        const text = p.prefix && p.cut > 0 ? p.words.slice(0, Math.max(1, p.words.length - p.cut)) : p.words;
        const phrase = { [p.prefix ? 'match_phrase_prefix' : 'match_phrase']: { 'body.msg': text } };
        const query = p.filtered ? { bool: { must: [phrase], filter: [{ term: { tag: 'x' } }] } } : phrase;
        const ids = async (index: string) => (((await t.store.search(index, { query, size: 1000 })) as { hits: { hits: Array<{ _id: string }> } }).hits.hits.map((h) => h._id).sort());
        const expected = await ids(names.text);
        expect(await ids(names.matchOnly), JSON.stringify(query)).toEqual(expected);
        const count = (await t.store.count(names.matchOnly, { query })) as { count: number };
        expect(count.count).toBe(expected.length);
        if (expected.length > 0) matched++;
      }
    }), { numRuns: 60 });
    // The vocabulary is small so that phrases match: a run where none did would prove little.
    expect(matched).toBeGreaterThan(20);
  });
});
