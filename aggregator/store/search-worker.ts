/**
 * A search worker: its own read connection, so searches run beside ingestion (WAL readers never block the
 * writer, nor the writer them). Each request runs inside one read transaction, which gives it a
 * consistent snapshot of catalog and documents; the catalog is reloaded only when its version moved.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Catalog } from './catalog.ts';
import { catalogVersion, loadCatalog } from './catalog.ts';
import { openReader } from './open.ts';
import { executeCount, executeSearch, type SearchInput } from './search.ts';
import { EsError } from './types.ts';

export interface WorkerRequest {
  readonly id: number;
  readonly kind: 'search' | 'count';
  readonly input: SearchInput;
}

export type WorkerResponse =
  | { readonly id: number; readonly ok: true; readonly result: unknown; readonly last?: unknown[] }
  | { readonly id: number; readonly ok: false; readonly error: { status: number; type: string; reason: string; extra: Record<string, unknown> } };

const { path } = workerData as { path: string };
const db = openReader(path);
let catalog: Catalog | undefined;

parentPort!.on('message', (request: WorkerRequest) => {
  let response: WorkerResponse;
  try {
    db.exec('BEGIN');
    try {
      if (catalog === undefined || catalog.version !== catalogVersion(db)) catalog = loadCatalog(db);
      if (request.kind === 'count') {
        response = { id: request.id, ok: true, result: executeCount(db, catalog, request.input) };
      } else {
        const result = executeSearch(db, catalog, request.input);
        const last = (result as { __last?: unknown[] }).__last;
        response = { id: request.id, ok: true, result, ...(last !== undefined ? { last } : {}) };
      }
    } finally {
      db.exec('COMMIT');
    }
  } catch (error) {
    response = error instanceof EsError
      ? { id: request.id, ok: false, error: { status: error.status, type: error.type, reason: error.message, extra: error.extra } }
      : { id: request.id, ok: false, error: { status: 500, type: 'exception', reason: error instanceof Error ? error.message : String(error), extra: {} } };
  }
  parentPort!.postMessage(response);
});
