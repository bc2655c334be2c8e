/**
 * Differential property test: random small documents and random queries / aggregations, answered by the
 * store and by a plain in-memory evaluator written here from Elasticsearch's documented semantics.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../aggregator/store/types.ts';
import { openTestStore, type TestStore } from '../../unit/store/open-store.ts';

type Doc = { id: string; k?: string; k2?: string[]; n?: number; f?: number; '@timestamp': string; t: string };

const WORDS = ['error', 'timeout', 'user', 'login', 'disk', 'full', 'ok'];
const KEYS = ['alpha', 'beta', 'bravo', 'gamma'];
const BASE = Date.parse('2026-11-21T00:00:00Z');

const docArb = fc.record({
  k: fc.option(fc.constantFrom(...KEYS), { nil: undefined }),
  k2: fc.option(fc.array(fc.constantFrom('x', 'y', 'z'), { minLength: 1, maxLength: 3 }), { nil: undefined }),
  n: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
  f: fc.option(fc.double({ min: -5, max: 5, noNaN: true, noDefaultInfinity: true }), { nil: undefined }),
  ts: fc.integer({ min: 0, max: 3 * 86_400 - 1 }),
  t: fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 5 }).map((w) => w.join(' ')),
});

type Q = JsonObject;
const leafArb: fc.Arbitrary<Q> = fc.oneof(
  fc.constantFrom(...KEYS, 'none').map((v) => ({ term: { k: v } })),
  fc.integer({ min: 0, max: 20 }).map((v) => ({ term: { n: v } })),
  fc.constantFrom('x', 'y', 'z').map((v) => ({ term: { k2: v } })),
  fc.subarray(KEYS, { minLength: 1 }).map((vs) => ({ terms: { k: vs } })),
  fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 })).map(([a, b]) => ({ range: { n: { gte: Math.min(a, b), lt: Math.max(a, b) } } })),
  fc.double({ min: -5, max: 5, noNaN: true, noDefaultInfinity: true }).map((v) => ({ range: { f: { gt: v } } })),
  fc.tuple(fc.integer({ min: 0, max: 3 * 86_400 }), fc.integer({ min: 60, max: 86_400 })).map(([a, w]) => ({
    range: { '@timestamp': { gte: new Date(BASE + a * 1000).toISOString(), lte: new Date(BASE + (a + w) * 1000).toISOString() } },
  })),
  fc.constantFrom('n', 'k2', 'f', 'k').map((field) => ({ exists: { field } })),
  fc.constantFrom('b', 'br', 'al', 'g').map((v) => ({ prefix: { k: v } })),
  fc.constantFrom('*a', 'b?ta', '*r*', 'g*a').map((v) => ({ wildcard: { k: v } })),
  fc.tuple(fc.subarray(WORDS, { minLength: 1, maxLength: 2 }), fc.constantFrom('or', 'and')).map(([w, op]) => ({ match: { t: { query: w.join(' '), operator: op } } })),
);
const queryArb: fc.Arbitrary<Q> = fc.letrec<{ q: Q }>((tie) => ({
  q: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.record({
      must: fc.array(tie('q'), { maxLength: 2 }), filter: fc.array(tie('q'), { maxLength: 2 }),
      should: fc.array(tie('q'), { maxLength: 3 }), must_not: fc.array(tie('q'), { maxLength: 2 }),
    }).map((b) => ({ bool: b })),
  ),
})).q;

// ---------------------------------------------------------------- the reference evaluator

function tokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

function valuesOf(doc: Doc, field: string): Array<string | number> {
  if (field === '@timestamp') return [Date.parse(doc['@timestamp'])];
  const v = (doc as unknown as Record<string, unknown>)[field];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v as string | number];
}

function wildcardRe(p: string): RegExp {
  return new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
}

function evaluate(q: Q, doc: Doc): boolean {
  const [type, body] = Object.entries(q)[0]! as [string, JsonObject];
  const [field, spec] = Object.entries(body)[0] ?? ['', undefined];
  switch (type) {
    case 'term': return valuesOf(doc, field).some((v) => v === spec);
    case 'terms': return valuesOf(doc, field).some((v) => (spec as unknown[]).includes(v));
    case 'range': {
      const r = spec as { gte?: unknown; gt?: unknown; lt?: unknown; lte?: unknown };
      const conv = (x: unknown): number => (typeof x === 'string' ? Date.parse(x) : (x as number));
      return valuesOf(doc, field).some((v) => {
        const n = v as number;
        return (r.gte === undefined || n >= conv(r.gte)) && (r.gt === undefined || n > conv(r.gt)) && (r.lt === undefined || n < conv(r.lt)) && (r.lte === undefined || n <= conv(r.lte));
      });
    }
    case 'exists': return valuesOf(doc, String(body.field)).length > 0;
    case 'prefix': return valuesOf(doc, field).some((v) => String(v).startsWith(String(spec)));
    case 'wildcard': return valuesOf(doc, field).some((v) => wildcardRe(String(spec)).test(String(v)));
    case 'match': {
      const m = spec as { query: string; operator: string };
      const have = new Set(tokens(doc.t));
      const want = tokens(m.query);
      return m.operator === 'and' ? want.every((w) => have.has(w)) : want.some((w) => have.has(w));
    }
    case 'bool': {
      const b = body as { must: Q[]; filter: Q[]; should: Q[]; must_not: Q[] };
      const required = [...b.must, ...b.filter];
      if (!required.every((c) => evaluate(c, doc))) return false;
      if (b.must_not.some((c) => evaluate(c, doc))) return false;
      if (b.should.length > 0 && required.length === 0) return b.should.some((c) => evaluate(c, doc));
      return true;
    }
    default: throw new Error(`no reference for ${type}`);
  }
}

// ---------------------------------------------------------------- the test

let t: TestStore;
let run = 0;
beforeAll(async () => { t = await openTestStore(); });
afterAll(async () => { await t.close(); });

describe('the store agrees with a reference evaluator', () => {
  it('on hits, terms, date_histogram and stats for random documents and bool queries', async () => {
    await fc.assert(fc.asyncProperty(fc.array(docArb, { minLength: 1, maxLength: 30 }), queryArb, async (raw, query) => {
      const index = `prop-${run++}`;
      await t.store.createIndex(index, { mappings: { properties: { k: { type: 'keyword' }, k2: { type: 'keyword' }, n: { type: 'long' }, f: { type: 'double' }, '@timestamp': { type: 'date' }, t: { type: 'text' } } } });
      const docs: Doc[] = raw.map((r, i) => ({
        id: `d${i}`, '@timestamp': new Date(BASE + r.ts * 1000).toISOString(), t: r.t,
        ...(r.k !== undefined ? { k: r.k } : {}), ...(r.k2 !== undefined ? { k2: r.k2 } : {}), ...(r.n !== undefined ? { n: r.n } : {}), ...(r.f !== undefined ? { f: r.f } : {}),
      }));
      const items = await t.store.bulk(docs.map((d) => ({ op: 'index' as const, index, id: d.id, doc: d as unknown as JsonObject })));
      expect(items.every((i) => Object.values(i)[0]!.status === 201)).toBe(true);
      const response = await t.store.search(index, {
        query, size: 100, track_total_hits: true,
        aggs: {
          k: { terms: { field: 'k', size: 10 } },
          days: { date_histogram: { field: '@timestamp', calendar_interval: 'day', min_doc_count: 1 } },
          n: { stats: { field: 'n' } },
        },
      });
      const expected = docs.filter((d) => evaluate(query, d));
      const got = ((response.hits as JsonObject).hits as JsonObject[]).map((h) => String(h._id)).sort();
      expect(got).toEqual(expected.map((d) => d.id).sort());
      expect(((response.hits as JsonObject).total as JsonObject).value).toBe(expected.length);

      const aggs = response.aggregations as JsonObject;
      const kCounts = new Map<string, number>();
      for (const d of expected) if (d.k !== undefined) kCounts.set(d.k, (kCounts.get(d.k) ?? 0) + 1);
      const kExpected = [...kCounts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([key, doc_count]) => ({ key, doc_count }));
      expect((aggs.k as JsonObject).buckets).toEqual(kExpected);

      const dayCounts = new Map<number, number>();
      for (const d of expected) {
        const day = Math.floor(Date.parse(d['@timestamp']) / 86_400_000) * 86_400_000;
        dayCounts.set(day, (dayCounts.get(day) ?? 0) + 1);
      }
      expect(((aggs.days as JsonObject).buckets as JsonObject[]).map((b) => [b.key, b.doc_count])).toEqual([...dayCounts].sort((a, b) => a[0] - b[0]));

      const ns = expected.flatMap((d) => (d.n === undefined ? [] : [d.n]));
      const sum = ns.reduce((a, b) => a + b, 0);
      expect(aggs.n).toEqual({ count: ns.length, min: ns.length === 0 ? null : Math.min(...ns), max: ns.length === 0 ? null : Math.max(...ns), avg: ns.length === 0 ? null : sum / ns.length, sum });
      await t.store.deleteIndex(index);
    }), { numRuns: 50 });
  });
});
