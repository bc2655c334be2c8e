/**
 * Child process for the forwarder crash test: opens the forwarding store on argv[2] (queue directory)
 * towards the cluster at argv[3], and writes bulks of 100 `create`s forever, printing `acked <last id
 * number>` after each bulk is acknowledged. The test SIGKILLs it.
 */
import { pino } from 'pino';
import { openForwardingStore } from '../../../aggregator/forward/index.ts';
import type { BulkOp } from '../../../aggregator/store/types.ts';

const store = await openForwardingStore({ dataDir: process.argv[2]!, url: process.argv[3]!, logger: pino({ level: 'silent' }), backoffBaseMs: 20, backoffCapMs: 200 });
let next = 0;
for (;;) {
  const ops: BulkOp[] = [];
  for (let i = 0; i < 100; i++, next++) {
    ops.push({ op: 'create', index: 'logs-crash-default', id: `doc-${next}`, doc: { '@timestamp': new Date(Date.UTC(2026, 10, 20) + next * 60_000).toISOString(), message: `line ${next} of the crash test`, n: next } });
  }
  const items = await store.bulk(ops);
  if (items.some((item) => Object.values(item)[0]!.status !== 201)) throw new Error('unexpected bulk answer');
  process.stdout.write(`acked ${next - 1}\n`);
}
