/**
 * Runs a real tailer over a temporary directory with a consumer that "delivers" every line at once
 * (settles its byte range in the checkpoint store), the way the pipeline does after the store acked.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCheckpointStore, type CheckpointStore } from '../../../shipper/checkpoint.ts';
import { createTailer, type Tailer, type TailerOptions } from '../../../shipper/tail/tailer.ts';
import { createLogger } from '../../../shipper/kit/logger.ts';
import { Registry } from '../../../shipper/kit/metrics.ts';
import type { Line } from '../../../shipper/record.ts';
import { createReclaimer, type Reclaimer } from '../../../shipper/tail/reclaim.ts';

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `logship-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface RunningTailer {
  tailer: Tailer;
  checkpoints: CheckpointStore;
  registry: Registry;
  reclaimer: Reclaimer | undefined;
  received: Line[];
  texts(): string[];
  /** Stops reading, closes the tailer and writes the checkpoint file (like SIGTERM). */
  stop(): Promise<void>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

export async function runTailer(
  stateDir: string,
  options: Partial<TailerOptions> & { include: string[] },
  settle = true,
  reclaim?: { minBytes: number; intervalMs: number },
): Promise<RunningTailer> {
  const logger = createLogger('silent', 'test');
  const registry = new Registry();
  const checkpoints = createCheckpointStore({ dir: stateDir, logger, registry });
  await checkpoints.load();
  const reclaimer = reclaim === undefined ? undefined : createReclaimer({ checkpoints, logger, registry, ...reclaim });
  const tailer = createTailer({
    readFrom: 'beginning', maxLineBytes: 1024 * 1024, pollIntervalMs: 50, scanIntervalMs: 200, lingerMs: 300,
    checkpoints, logger, registry, ...(reclaimer === undefined ? {} : { reclaimer }), ...options,
  });
  await tailer.start();
  const received: Line[] = [];
  const abort = new AbortController();
  const consuming = (async () => {
    for await (const chunk of tailer.lines(abort.signal)) {
      for (const line of chunk) {
        received.push(line);
        if (settle) checkpoints.settle(line.source, line.offset, line.endOffset);
      }
    }
  })();
  return {
    tailer, checkpoints, registry, reclaimer, received,
    texts: () => received.map((line) => line.text),
    async stop() {
      abort.abort();
      await reclaimer?.close();
      await tailer.close();
      await consuming;
      await checkpoints.close();
    },
    async metric(name, labels) {
      const metric = registry.getSingleMetric(name);
      if (metric === undefined) return 0;
      const { values } = await metric.get();
      let total = 0;
      for (const value of values) {
        const valueLabels = value.labels as Record<string, string | number | undefined>;
        if (labels === undefined || Object.entries(labels).every(([key, wanted]) => valueLabels[key] === wanted)) total += value.value;
      }
      return total;
    },
  };
}

/**
 * Stat polls the tailer makes during `ms` of wall time. A rate has to be watched over a window: how
 * often quiet files are polled is what the poll backoff changes, and no single event marks it.
 */
export async function pollsDuring(tailer: RunningTailer, ms: number): Promise<number> {
  const before = await tailer.metric('logship_tail_polls_total');
  await new Promise((resolve) => setTimeout(resolve, ms));
  return (await tailer.metric('logship_tail_polls_total')) - before;
}
