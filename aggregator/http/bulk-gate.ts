/**
 * Bounds the `_bulk` requests in progress. A bulk takes its slot before its body is read (so the bound
 * also bounds the memory held by bodies) and gives it back when its response has been sent or its client
 * went away. When every slot is taken the request is refused whole with 429 before any item is applied:
 * Fluent Bit treats a 200 with some failed items as delivered, so overload must never be per item.
 */
import type { FastifyRequest } from 'fastify';
import { rejectedExecution } from './errors.ts';

export interface BulkGate {
  readonly limit: number;
  inFlight(): number;
  /** onRequest hook of bulk routes: takes a slot or throws the whole-request 429. */
  enter(request: FastifyRequest): Promise<void>;
  /** onResponse and onRequestAbort hook of bulk routes; safe to call twice. */
  leave(request: FastifyRequest): Promise<void>;
}

export function createBulkGate(limit: number, onReject: () => void = () => {}): BulkGate {
  let inFlight = 0;
  const holding = new WeakSet<FastifyRequest>();
  return {
    limit,
    inFlight: () => inFlight,
    async enter(request) {
      if (inFlight >= limit) {
        onReject();
        throw rejectedExecution(`rejected execution of bulk request: [${inFlight}] bulk requests are in progress and the limit is [${limit}] (--max-concurrent-bulks); retry later`);
      }
      inFlight++;
      holding.add(request);
    },
    async leave(request) {
      if (!holding.delete(request)) return;
      inFlight--;
    },
  };
}
