import { describe, expect, it } from 'vitest';
import { formatSize, renderCat } from '../../../aggregator/http/cat-table.ts';

describe('_cat rendering', () => {
  it.each([
    [0, undefined, '0b'], [1023, undefined, '1023b'], [1024, undefined, '1kb'], [1536, undefined, '1.5kb'],
    [5 * 1024 ** 2 + 1, undefined, '5mb'], [3.25 * 1024 ** 3, undefined, '3.3gb'], [5000, 'b', '5000'], [5000, 'kb', '4'], [5 * 1024 ** 2, 'mb', '5'],
  ])('%d bytes with bytes=%s renders as %s', (value, unit, expected) => {
    expect(formatSize(value, unit)).toBe(expected);
  });

  it('an unknown bytes unit is a 400', () => {
    expect(() => formatSize(1, 'parsecs')).toThrow(/failed to parse \[bytes\]/);
  });

  const columns = [{ name: 'index' }, { name: 'docs.count', kind: 'number' as const }, { name: 'store.size', kind: 'size' as const }];
  const rows = [{ index: 'b', 'docs.count': 5, 'store.size': 2048 }, { index: 'a', 'docs.count': 120, 'store.size': 10 }];

  it('aligns text columns left and numbers right, with a header only when asked', () => {
    expect(renderCat(columns, rows, { v: '' }).body).toBe('index docs.count store.size\nb              5        2kb\na            120        10b\n');
    expect(renderCat(columns, rows, {}).body).toBe('b   5 2kb\na 120 10b\n');
  });

  it('picks columns with h (wildcards too) and sorts with s', () => {
    expect(renderCat(columns, rows, { h: 'index,docs.*', s: 'docs.count:desc' }).body).toBe('a 120\nb   5\n');
    expect(() => renderCat(columns, rows, { h: 'nope' })).toThrow(/header \[nope\]/);
    expect(() => renderCat(columns, rows, { s: 'nope' })).toThrow(/unknown sort key/);
  });

  it('renders JSON with string values, and nothing at all for no rows', () => {
    expect(renderCat(columns, rows, { format: 'json', h: 'index,store.size', bytes: 'b' }).body).toEqual([{ index: 'b', 'store.size': '2048' }, { index: 'a', 'store.size': '10' }]);
    expect(renderCat(columns, [], {}).body).toBe('');
    expect(() => renderCat(columns, rows, { format: 'yaml' })).toThrow(/format=json/);
  });
});
