import { describe, expect, it } from 'vitest';
import { createBodyPool } from '../../../shipper/sink/body-pool.ts';

describe('the bulk body pool', () => {
  it('hands out exactly the size asked for, on memory given back earlier when it is large enough', () => {
    const pool = createBodyPool(3);
    const first = pool.take(300_000);
    expect(first.length).toBe(300_000);
    pool.give(first);
    const second = pool.take(900_000);
    expect(second.length).toBe(900_000);
    expect(second.buffer).toBe(first.buffer);
  });

  it('never hands the same memory to two bodies in use at once', () => {
    const pool = createBodyPool(3);
    const a = pool.take(1000);
    pool.give(a);
    const b = pool.take(1000);
    const c = pool.take(1000);
    expect(b.buffer).toBe(a.buffer);
    expect(c.buffer).not.toBe(b.buffer);
    pool.give(b);
    pool.give(b); // given twice by mistake: still kept once
    const d = pool.take(10);
    const e = pool.take(10);
    expect(d.buffer).toBe(b.buffer);
    expect(e.buffer).not.toBe(d.buffer);
  });

  it('allocates fresh memory for a body larger than any kept, and keeps at most the given number', () => {
    const pool = createBodyPool(2);
    const bodies = [pool.take(10), pool.take(10), pool.take(10)];
    for (const body of bodies) pool.give(body);
    const kept = new Set([pool.take(10).buffer, pool.take(10).buffer, pool.take(10).buffer]);
    expect(bodies.filter((b) => kept.has(b.buffer))).toHaveLength(2);
    const large = pool.take(5 * 1024 * 1024 + 1);
    expect(large.length).toBe(5 * 1024 * 1024 + 1);
    expect(bodies.some((b) => b.buffer === large.buffer)).toBe(false);
  });

  it('ignores memory it did not hand out', () => {
    const pool = createBodyPool(2);
    const foreign = Buffer.alloc(10); // from Node's small-buffer pool: shared, never to be reused
    pool.give(foreign);
    expect(pool.take(10).buffer).not.toBe(foreign.buffer);
  });
});
