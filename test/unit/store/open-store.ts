/** Opens an embedded store in a fresh temporary directory for one test, and removes it afterwards. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { openEmbeddedStore, type EmbeddedStore, type EmbeddedStoreOptions } from '../../../aggregator/store/index.ts';
import type { BulkItemResponse, BulkOp, JsonObject } from '../../../aggregator/store/types.ts';

export interface TestStore {
  readonly store: EmbeddedStore;
  readonly dir: string;
  close(): Promise<void>;
}

export async function openTestStore(options: Partial<EmbeddedStoreOptions> = {}): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'logship-store-test-'));
  const store = await openEmbeddedStore({ dataDir: dir, logger: pino({ level: 'silent' }), searchWorkers: 1, ...options });
  return {
    store, dir,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The single entry of a bulk item (`{ create: {...} }` → `{...}`). */
export function itemOf(item: BulkItemResponse | undefined): JsonObject {
  if (item === undefined) throw new Error('no bulk item');
  return Object.values(item)[0]!;
}

export async function indexDocs(store: EmbeddedStore, index: string, docs: JsonObject[]): Promise<void> {
  const ops: BulkOp[] = docs.map((doc, i) => ({ op: 'index', index, id: String(doc.id ?? i), doc }));
  const items = await store.bulk(ops);
  const failed = items.map(itemOf).filter((i) => i.error !== undefined);
  if (failed.length > 0) throw new Error(`indexing failed: ${JSON.stringify(failed[0])}`);
}

export function hitIds(response: JsonObject): string[] {
  return ((response.hits as JsonObject).hits as JsonObject[]).map((h) => String(h._id));
}

export function totalOf(response: JsonObject): number {
  return (((response.hits as JsonObject).total as JsonObject).value as number);
}
