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

/**
 * The include step as it was written before it remembered `advance` answers and built objects key by key
 * (Object.entries / Object.fromEntries, fresh pattern lists per key): the model the faster one must match.
 */
function includeModel(value: unknown, patterns: ReadonlyArray<readonly string[]>): unknown {
  if (patterns.some((pattern) => pattern.length === 0)) return value;
  if (Array.isArray(value)) {
    const kept = value.map((element) => includeModel(element, patterns)).filter((element) => element !== undefined);
    return kept.length === 0 ? undefined : kept;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const out: Array<[string, unknown]> = [];
  for (const [key, child] of Object.entries(value)) {
    const next = patterns.flatMap((pattern) => consumeModel(pattern, key));
    if (next.length === 0) continue;
    const kept = includeModel(child, next);
    if (kept !== undefined) out.push([key, kept]);
  }
  return out.length === 0 ? undefined : Object.fromEntries(out);
}

function consumeModel(pattern: readonly string[], key: string): Array<readonly string[]> {
  const [head, ...rest] = pattern;
  if (head === undefined) return [];
  if (head === '**') return rest.length === 0 ? [[]] : [pattern, ...consumeModel(rest, key)];
  const matches = head === '*' || (head.includes('*') ? new RegExp(`^${head.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(key) : head === key);
  return matches ? [rest] : [];
}

describe('filter_path includes, against the straightforward model', () => {
  const key = fc.constantFrom('a', 'b', 'items', 'status', 'error', '__proto__', 'constructor', 'ab');
  const value = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), tie('object'), tie('array')),
    object: fc.dictionary(key, tie('node'), { maxKeys: 4 }),
    array: fc.array(tie('node'), { maxLength: 3 }),
  })).node;
  const path = fc.array(fc.constantFrom('a', 'b', '*', '**', 'a*', '*b', 'items', 'status', '__proto__'), { minLength: 1, maxLength: 3 }).map((segments) => segments.join('.'));

  it('keeps the same paths, the same way, also when the same filter is applied again', () => {
    fc.assert(fc.property(value, fc.array(path, { minLength: 1, maxLength: 3 }), (input, paths) => {
      const parsed = parseFilterPath(paths.join(','));
      const expected = JSON.stringify(includeModel(input, parsed.includes) ?? {});
      expect(JSON.stringify(applyFilterPath(input, parsed))).toBe(expected);
      expect(JSON.stringify(applyFilterPath(input, parsed))).toBe(expected);
    }), { numRuns: 2000 });
  });
});
