/**
 * Run by errors.test.ts as an unprivileged user (root reads every file, so "permission denied" can
 * only be seen without root). Tails argv[2]/*.log until the readable file's line arrives, then prints
 * what it read and the error counters as JSON.
 */
import { join } from 'node:path';
import { eventually } from '../../helpers/eventually.ts';
import { runTailer } from './harness.ts';

const dir = process.argv[2]!;
const stateDir = process.argv[3]!;
const running = await runTailer(stateDir, { include: [join(dir, '*.log')] });
await eventually(() => running.texts().length > 0);
await eventually(async () => (await running.metric('logship_tail_errors_total', { reason: 'permission' })) > 0);
const result = { texts: running.texts(), permissionErrors: await running.metric('logship_tail_errors_total', { reason: 'permission' }) };
await running.stop();
process.stdout.write(JSON.stringify(result));
