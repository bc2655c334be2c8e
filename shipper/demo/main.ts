/**
 * `logship demo` (what `npm start` runs): an aggregator on the embedded store, a traffic generator writing
 * nginx logs, and a sidecar shipping them — all in one process, each configured through its own schema
 * so the demo runs exactly the code that production runs.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadConfig, type Static } from '../kit/options.ts';
import { createLogger, type Logger } from '../kit/logger.ts';
import type { Lifecycle } from '../kit/lifecycle.ts';
import type { demoCommand } from './config.ts';
import { aggregatorCommand } from '../../aggregator/config.ts';
import { runAggregator } from '../../aggregator/main.ts';
import { sidecarCommand } from '../sidecar/config.ts';
import { runSidecar } from '../sidecar/main.ts';
import { createTrafficGenerator } from './traffic.ts';

export type DemoConfig = Static<typeof demoCommand.options>;

export async function runDemo(config: DemoConfig, logger: Logger, lifecycle: Lifecycle): Promise<void> {
  const dataDir = resolve(config.dataDir);
  const nginxDir = join(dataDir, 'nginx');
  await mkdir(nginxDir, { recursive: true });

  const aggregator = configFor(aggregatorCommand, ['--listen', config.listen, '--ui-listen', config.uiListen, '--data-dir', join(dataDir, 'store'), '--log-level', config.logLevel]);
  await runAggregator(aggregator, createLogger(config.logLevel, 'demo.aggregator'), lifecycle);

  await lifecycle.add(createTrafficGenerator(nginxDir, config.rate));

  // The demo's nginx "pod": the identity a Downward API would give a sidecar, so the search page's
  // Kubernetes drill-down has something to show. The traffic is made up, so is its pod.
  Object.assign(process.env, { POD_NAMESPACE: 'shop', POD_NAME: 'web-7d9c5b6f4-x2k8p', POD_UID: '6d1d9c2e-0000-4000-8000-000000000001', POD_IP: '10.244.0.17', CONTAINER_NAME: 'nginx' });
  const labelsFile = join(dataDir, 'podinfo-labels');
  await writeFile(labelsFile, 'app="web"\napp.kubernetes.io/name="web"\npod-template-hash="7d9c5b6f4"\n');
  const sidecar = configFor(sidecarCommand, [
    '--path', join(nginxDir, '*.log'), '--to', `http://${config.listen}`, '--state-dir', join(dataDir, 'state'), '--labels-file', labelsFile,
    '--metrics-listen', '127.0.0.1:0', '--log-level', config.logLevel, '--tag', 'service.name=demo-shop',
  ]);
  await runSidecar(sidecar, createLogger(config.logLevel, 'demo.sidecar'), lifecycle);

  const ui = `http://${config.uiListen}/`;
  const search = `curl -s 'http://${config.listen}/logs-nginx.access-*/_search?q=http.response.status_code:500&size=1&pretty'`;
  process.stdout.write(`\nlogship demo is running.\n  Search page:        ${ui}\n  Elasticsearch API:  http://${config.listen}/\n  Try:                ${search}\n  Logs being shipped: ${nginxDir}\nPress Ctrl+C to stop.\n\n`);
}

/** A program's configuration from its own schema, so defaults and validation are the real ones. */
function configFor<S extends Parameters<typeof loadConfig>[0]>(spec: S, argv: string[]): never {
  const loaded = loadConfig(spec, argv, {});
  if (loaded.ok !== true) throw new Error(`demo configuration for ${spec.name} is invalid: ${loaded.ok === false ? loaded.errors.join('; ') : 'help'}`);
  return loaded.config as never;
}
