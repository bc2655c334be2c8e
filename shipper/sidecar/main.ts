/**
 * `logship sidecar`: nginx files on a shared emptyDir → parse → tag with the pod's identity → ship.
 * Wiring only; each stage lives in its own file.
 */
import type { Static } from '../kit/options.ts';
import type { Logger } from '../kit/logger.ts';
import type { Lifecycle } from '../kit/lifecycle.ts';
import type { Outgoing } from '../record.ts';
import { fixedFieldsOf } from '../enrich/fixed-fields.ts';
import type { sidecarCommand } from './config.ts';
import { startShipperRuntime } from '../runtime.ts';
import { createTailer } from '../tail/tailer.ts';
import { createReclaimer } from '../tail/reclaim.ts';
import { accessParserOf, compileAccessFieldReader } from '../parse/nginx-access.ts';
import { createErrorParser } from '../parse/nginx-error.ts';
import { podIdentityEnricher, readPodIdentity } from '../enrich/downward-api.ts';
import { nginxRecordOf } from './nginx-records.ts';

export type SidecarConfig = Static<typeof sidecarCommand.options>;

export async function runSidecar(config: SidecarConfig, logger: Logger, lifecycle: Lifecycle): Promise<void> {
  const runtime = await startShipperRuntime('sidecar', config, logger, lifecycle);
  const identity = readPodIdentity(process.env, { labels: config.labelsFile, annotations: config.annotationsFile }, config.annotations);
  if (identity.warnings.length > 0) logger.warn({ warnings: identity.warnings }, 'Downward API files have lines that could not be read');
  const pod = podIdentityEnricher(identity);
  const fixedFields = fixedFieldsOf((record, line) => runtime.commonEnricher(pod(record, line), line));
  const accessFieldReader = compileAccessFieldReader(config.accessFormat);
  const recordOptions = {
    accessParser: accessParserOf(accessFieldReader),
    accessFieldReader,
    errorParser: createErrorParser(config.timeZone === undefined ? {} : { timeZone: config.timeZone }),
    errorFilePattern: new RegExp(config.errorFilePattern),
    namespace: config.namespace,
    fixedFields,
  };

  // Nobody rotates nginx's files in a sidecar: optionally give back the disk of what is already shipped.
  const reclaimer = config.reclaimShipped
    ? createReclaimer({ checkpoints: runtime.checkpoints, minBytes: config.reclaimMinBytes, intervalMs: config.reclaimInterval, logger: logger.child({ component: 'reclaim' }), registry: runtime.registry })
    : undefined;
  const tailer = createTailer({
    include: config.path,
    readFrom: config.readFrom,
    maxLineBytes: config.maxLineBytes,
    pollIntervalMs: config.pollInterval,
    checkpoints: runtime.checkpoints,
    logger: logger.child({ component: 'tail' }),
    registry: runtime.registry,
    ...(reclaimer === undefined ? {} : { reclaimer }),
  });
  const reading = new AbortController();
  let loop: Promise<void> = Promise.resolve();
  await lifecycle.add({
    name: 'tailer',
    start: async () => {
      await tailer.start();
      loop = shipLines();
    },
    close: async () => {
      reading.abort();
      await tailer.close();
      await loop;
      await reclaimer?.close();
    },
  });
  runtime.setReady(undefined);
  logger.info({ paths: config.path, to: config.to }, 'sidecar started');

  async function shipLines(): Promise<void> {
    try {
      for await (const lines of tailer.lines(reading.signal)) {
        const batch: Outgoing[] = [];
        for (const line of lines) {
          const outgoing = nginxRecordOf(line, recordOptions);
          if (outgoing === undefined) runtime.checkpoints.settle(line.source, line.offset, line.endOffset);
          else batch.push(outgoing);
        }
        await runtime.pipeline.push(batch);
      }
    } catch (error) {
      if (!reading.signal.aborted) {
        logger.fatal({ err: error }, 'reading stopped unexpectedly');
        void lifecycle.shutdown('reader failure');
      }
    }
  }
}
