/**
 * Starts the real `logship collector` process against a directory tree and a recording `_bulk`
 * endpoint, with the flags every collector integration test shares.
 */
import { join } from 'node:path';
import { freePort, startLogship, type LogshipProcess } from '../../helpers/logship-process.ts';

export interface CollectorRun {
  readonly dockerRoot: string;
  readonly podsRoot: string;
  readonly stateDir: string;
  readonly to: string;
  readonly kubeApiUrl?: string;
  readonly extra?: readonly string[];
}

export interface CollectorProcess extends LogshipProcess {
  /** `http://127.0.0.1:<port>/metrics` of this process. */
  readonly metricsUrl: string;
}

export async function startCollector(run: CollectorRun): Promise<CollectorProcess> {
  const port = await freePort();
  const api = run.kubeApiUrl === undefined ? ['--kube-api', 'off'] : ['--kube-api', 'auto', '--kube-api-url', run.kubeApiUrl];
  const child = startLogship('collector', [
    '--docker-root', run.dockerRoot,
    '--pods-root', run.podsRoot,
    '--to', run.to,
    '--state-dir', run.stateDir,
    '--metrics-listen', `127.0.0.1:${port}`,
    '--node-name', 'node-1',
    '--partial-timeout', '400ms',
    '--batch-max-wait', '20ms',
    '--retry-max-backoff', '200ms',
    '--poll-interval', '100ms',
    '--log-level', 'warn',
    ...api,
    ...(run.extra ?? []),
  ], { NODE_NAME: 'node-1' });
  return Object.assign(child, { metricsUrl: `http://127.0.0.1:${port}/metrics` });
}

/** The value of one sample of the collector's /metrics (0 when absent or unreachable). */
export async function metricValue(metricsUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  let text: string;
  try {
    text = await (await fetch(metricsUrl)).text();
  } catch {
    return 0;
  }
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** A record as the recording endpoint stored it, for field access in assertions. */
export type Doc = {
  '@timestamp'?: string;
  message?: string;
  stream?: string;
  tags?: string[];
  log?: { file?: { path?: string }; offset?: number; level?: string };
  service?: { name?: string };
  event?: { dataset?: string };
  data_stream?: { dataset?: string; namespace?: string };
  error?: { message?: string };
  http?: { request?: { method?: string }; response?: { status_code?: number } };
  container?: { id?: string; runtime?: string; image?: { name?: string } };
  kubernetes?: {
    namespace?: string;
    pod?: { name?: string; uid?: string; ip?: string };
    node?: { name?: string };
    container?: { name?: string };
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deployment?: { name?: string };
    replicaset?: { name?: string };
    statefulset?: { name?: string };
    daemonset?: { name?: string };
  };
};

export const stateFile = (stateDir: string): string => join(stateDir, 'checkpoints.json');
