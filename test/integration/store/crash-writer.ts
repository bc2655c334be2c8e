/**
 * Child process for the crash-durability test: opens the store in argv[2] and writes bulks of 200
 * documents forever, printing `acked <last id number>` after each bulk resolves. The test SIGKILLs it.
 */
import { pino } from 'pino';
import { openEmbeddedStore } from '../../../aggregator/store/index.ts';
import type { BulkOp } from '../../../aggregator/store/types.ts';

const store = await openEmbeddedStore({ dataDir: process.argv[2]!, logger: pino({ level: 'silent' }), searchWorkers: 1 });
let next = 0;
for (;;) {
  const ops: BulkOp[] = [];
  for (let i = 0; i < 200; i++, next++) {
    ops.push({ op: 'create', index: 'logs-crash-default', id: `doc-${next}`, doc: { '@timestamp': new Date(Date.UTC(2026, 10, 20) + next * 60_000).toISOString(), message: `line ${next} of the crash test`, n: next } });
  }
  const items = await store.bulk(ops);
  if (items.some((item) => Object.values(item)[0]!.status !== 201)) throw new Error('unexpected bulk failure');
  process.stdout.write(`acked ${next - 1}\n`);
}
