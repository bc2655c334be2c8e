import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyFilterPath, parseFilterPath } from '../../../aggregator/http/filter-path.ts';

const response = {
  took: 3,
  errors: true,
  items: [
    { create: { _index: 'a', _id: '1', status: 201, result: 'created' } },
    { index: { _index: 'a', _id: '2', status: 409, error: { type: 'conflict', reason: 'r' } } },
  ],
  hits: { total: { value: 2, relation: 'eq' }, hits: [{ _id: '1', _source: { message: 'm', nested: { deep: 1 } } }] },
};

function filter(path: string): unknown {
  return applyFilterPath(response, parseFilterPath(path));
}

describe('filter_path', () => {
  it.each([
    ['took', { took: 3 }],
    ['hits.total.value', { hits: { total: { value: 2 } } }],
    ['errors,items.*.status', { errors: true, items: [{ create: { status: 201 } }, { index: { status: 409 } }] }],
    ['items.*.error', { items: [{ index: { error: { type: 'conflict', reason: 'r' } } }] }],
    ['hits.hits._id,hits.hits._source', { hits: { hits: [{ _id: '1', _source: { message: 'm', nested: { deep: 1 } } }] } }],
    ['**.deep', { hits: { hits: [{ _source: { nested: { deep: 1 } } }] } }],
    ['hits.**._id', { hits: { hits: [{ _id: '1' }] } }],
    ['h*.total', { hits: { total: { value: 2, relation: 'eq' } } }],
    ['nothing.here', {}],
  ])('%s keeps exactly the matching paths', (path, expected) => {
    expect(filter(path)).toEqual(expected);
  });

  it('a leading - excludes paths and keeps the rest', () => {
    expect(filter('-items,-hits.hits')).toEqual({ took: 3, errors: true, hits: { total: { value: 2, relation: 'eq' } } });
  });

  it('includes and excludes combine: include first, then exclude', () => {
    expect(filter('hits,-hits.hits._source')).toEqual({ hits: { total: { value: 2, relation: 'eq' }, hits: [{ _id: '1' }] } });
  });

  it('filtering with * at the top keeps everything', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }).filter((k) => !k.includes('.')), fc.jsonValue()), (value) => {
        const kept = applyFilterPath(value, parseFilterPath('*'));
        const expected = Object.keys(value).length === 0 ? {} : value;
        expect(JSON.stringify(kept)).toBe(JSON.stringify(Object.fromEntries(Object.entries(expected).filter(([, v]) => v !== undefined))));
      }),
    );
  });

  it('never returns keys that were not in the input', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(fc.constantFrom('a', 'b', '*', '**', 'a*'), { minLength: 1, maxLength: 3 }), (value, path) => {
        const kept = applyFilterPath(value, parseFilterPath(path.join('.')));
        // Keys collected by walking the values (a regex over the JSON text misreads keys and strings made of quotes and colons).
        const inputKeys = keysIn(value);
        for (const key of keysIn(kept)) expect(inputKeys.has(key)).toBe(true);
      }),
      { examples: [[{ '': [''], ':': { '': '' } }, ['*', '**']]] }, // the regex over JSON text misread these keys
    );
  });
});

function keysIn(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) keysIn(item, into);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      into.add(key);
      keysIn(inner, into);
    }
  }
  return into;
}
