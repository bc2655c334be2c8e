import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DurableQueue, type NewEntry } from '../../../aggregator/forward/queue.ts';
import { namespaceOf } from '../../../aggregator/forward/forwarder.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logship-forward-queue-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const entry = (id: string, body = `{"message":"${id}"}`): NewEntry => ({ op: 'create', index: 'logs-app-default', id, pipeline: undefined, body });

describe('the durable forward queue', () => {
  it('keeps entries in arrival order and accounts for their records and bytes', () => {
    const queue = new DurableQueue(dir);
    const seqs = queue.append([entry('a'), entry('b'), entry('c')], () => true, 1000);
    expect(seqs).toHaveLength(3);
    expect(queue.records).toBe(3);
    expect(queue.bytes).toBeGreaterThan(3 * '{"message":"a"}'.length);
    expect(queue.head(10, Number.POSITIVE_INFINITY).map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect(queue.oldestEnqueuedAt()).toBe(1000);
    queue.close();
  });

  it('skips the entries the decision refuses, inside the same transaction', () => {
    const queue = new DurableQueue(dir);
    const seqs = queue.append([entry('a'), entry('b')], (e) => e.id !== 'b', 1);
    expect(seqs[0]).toBeTypeOf('number');
    expect(seqs[1]).toBeUndefined();
    expect(queue.holds('logs-app-default', 'a')).toBe(true);
    expect(queue.holds('logs-app-default', 'b')).toBe(false);
    expect(queue.holds('other-index', 'a')).toBe(false);
    queue.close();
  });

  it('limits a batch by bytes but always returns at least one entry', () => {
    const queue = new DurableQueue(dir);
    queue.append([entry('a', 'x'.repeat(500)), entry('b', 'y'.repeat(500))], () => true, 1);
    expect(queue.head(10, 100).map((e) => e.id)).toEqual(['a']);
    expect(queue.head(10, 10_000).map((e) => e.id)).toEqual(['a', 'b']);
    expect(queue.head(1, 10_000).map((e) => e.id)).toEqual(['a']);
    queue.close();
  });

  it('removes settled entries and rewrites rejected ones in place, keeping their position', () => {
    const queue = new DurableQueue(dir);
    queue.append([entry('a'), entry('b'), entry('c')], () => true, 1);
    const [a, b] = queue.head(2, Number.POSITIVE_INFINITY);
    queue.settle([a!], [{ entry: b!, index: 'logs-logship.deadletter-default', body: '{"message":"dead"}' }]);
    const left = queue.head(10, Number.POSITIVE_INFINITY);
    expect(left.map((e) => [e.id, e.index, e.deadLettered])).toEqual([
      ['b', 'logs-logship.deadletter-default', true],
      ['c', 'logs-app-default', false],
    ]);
    expect(left[0]!.body).toBe('{"message":"dead"}');
    expect(queue.records).toBe(2);
    expect(queue.headSeq()).toBe(b!.seq);
    queue.close();
  });

  it('finds what was committed after a reopen, even when the first connection was never closed', () => {
    const first = new DurableQueue(dir);
    first.append([entry('a'), entry('b')], () => true, 5);
    const second = new DurableQueue(dir);
    expect(second.records).toBe(2);
    expect(second.head(10, Number.POSITIVE_INFINITY).map((e) => e.id)).toEqual(['a', 'b']);
    second.close();
    first.close();
  });

  it('reports an empty queue as a head beyond every sequence number', () => {
    const queue = new DurableQueue(dir);
    expect(queue.headSeq()).toBe(Number.POSITIVE_INFINITY);
    expect(queue.oldestEnqueuedAt()).toBeUndefined();
    queue.close();
  });
});

describe('the dead-letter namespace of an index', () => {
  it.each([
    ['logs-nginx.access-default', 'default'],
    ['logs-kubernetes.container_logs-prod', 'prod'],
    ['metrics-system.cpu-team_a', 'team_a'],
    ['my-index', 'default'],
    ['plain', 'default'],
    ['logs-only', 'default'],
  ])('%s goes to the dead-letter stream of namespace %s', (index, namespace) => {
    expect(namespaceOf(index)).toBe(namespace);
  });
});

describe('the forward queue after an outage backlog', () => {
  it('gives the backlog pages back to the file system once it has drained', () => {
    const queue = new DurableQueue(dir);
    const big = 'x'.repeat(5000);
    for (let round = 0; round < 6; round++) {
      queue.append(Array.from({ length: 500 }, (_, k) => entry(`r${round}-${k}`, `{"message":"${big}"}`)), () => true, 1);
    }
    queue.close();
    const full = statSync(queue.path).size;
    expect(full).toBeGreaterThan(14_000_000);
    const reopened = new DurableQueue(dir);
    reopened.settle(reopened.head(10_000, Number.POSITIVE_INFINITY), []);
    expect(reopened.records).toBe(0);
    reopened.close();
    expect(statSync(queue.path).size).toBeLessThan(full / 2);
  });
});
