/**
 * A small pool of search workers (default 2, one per core we expect to have), each request going to the
 * worker with the fewest in flight. A worker that dies is replaced, and its requests fail with a 500.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../shipper/kit/logger.ts';
import type { SearchInput } from './search.ts';
import type { WorkerRequest, WorkerResponse } from './search-worker.ts';
import { EsError } from './types.ts';

const MAX_RESPAWNS = 20;

interface Pending {
  resolve: (value: { result: unknown; last?: unknown[] }) => void;
  reject: (error: unknown) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

export class WorkerPool {
  readonly #slots: Slot[] = [];
  readonly #path: string;
  readonly #logger: Logger;
  #nextId = 1;
  #closed = false;
  #failures = 0;

  constructor(path: string, size: number, logger: Logger) {
    this.#path = path;
    this.#logger = logger;
    for (let i = 0; i < size; i++) this.#slots.push(this.#spawn());
  }

  #spawn(): Slot {
    const worker = new Worker(new URL('./search-worker.ts', import.meta.url), { workerData: { path: this.#path } });
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (msg: WorkerResponse) => {
      const p = slot.pending.get(msg.id);
      if (p === undefined) return;
      slot.pending.delete(msg.id);
      if (msg.ok) p.resolve({ result: msg.result, ...(msg.last !== undefined ? { last: msg.last } : {}) });
      else p.reject(new EsError(msg.error.status, msg.error.type, msg.error.reason, msg.error.extra));
    });
    const fail = (error: unknown): void => {
      for (const p of slot.pending.values()) p.reject(new EsError(500, 'exception', `search worker failed: ${error instanceof Error ? error.message : String(error)}`));
      slot.pending.clear();
      if (this.#closed) return;
      // A worker that cannot even start would otherwise be respawned in a tight loop.
      this.#failures++;
      if (this.#failures > MAX_RESPAWNS) {
        this.#logger.error({ err: error }, 'search worker exited; too many failures, not restarting');
        return;
      }
      this.#logger.error({ err: error }, 'search worker exited; starting another');
      const index = this.#slots.indexOf(slot);
      if (index !== -1) this.#slots[index] = this.#spawn();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.#closed) fail(new Error(`exit code ${code}`));
    });
    worker.unref();
    return slot;
  }

  run(kind: WorkerRequest['kind'], input: SearchInput): Promise<{ result: unknown; last?: unknown[] }> {
    if (this.#closed) return Promise.reject(new EsError(503, 'node_closed_exception', 'the store is closed'));
    if (this.#failures > MAX_RESPAWNS) return Promise.reject(new EsError(500, 'exception', 'search workers keep failing; see the aggregator log'));
    const slot = this.#slots.reduce((best, s) => (s.pending.size < best.pending.size ? s : best));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.ref();
      slot.worker.postMessage({ id, kind, input } satisfies WorkerRequest);
    }).finally(() => {
      if (slot.pending.size === 0) slot.worker.unref();
    }) as Promise<{ result: unknown; last?: unknown[] }>;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }
}
