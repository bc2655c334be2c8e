import { describe, expect, it } from 'vitest';
import { classifyBulkItems } from '../../../shipper/sink/elasticsearch.ts';

describe('per-item verdicts of a bulk response', () => {
  it.each([
    [201, 'delivered'], [200, 'delivered'], [409, 'delivered'],
    [429, 'retry'], [500, 'retry'], [503, 'retry'],
    [400, 'rejected'], [404, 'rejected'], [413, 'rejected'],
  ])('an item answered %d is %s', (status, verdict) => {
    const result = classifyBulkItems([{ create: { status, ...(status >= 300 && status !== 409 ? { error: { type: 't', reason: 'r' } } : {}) } }]);
    const found = result.delivered.includes(0) ? 'delivered' : result.retry.includes(0) ? 'retry' : result.rejected.some(([i]) => i === 0) ? 'rejected' : 'none';
    expect(found).toBe(verdict);
  });

  it('keeps the store\'s reason, and its cause, for a rejected item', () => {
    const result = classifyBulkItems([{ create: { status: 400, error: { type: 'document_parsing_exception', reason: 'failed to parse field [n]', caused_by: { reason: 'not a number' } } } }]);
    expect(result.rejected).toEqual([[0, '400 document_parsing_exception: failed to parse field [n] (caused by: not a number)']]);
  });

  it('retries items the response did not answer for, instead of assuming them stored', () => {
    const result = classifyBulkItems([{ create: { status: 201 } }], 3);
    expect(result.delivered).toEqual([0]);
    expect(result.retry.sort()).toEqual([1, 2]);
  });
});
