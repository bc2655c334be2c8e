/**
 * Where the API server is and how to authenticate, the way client-go's `rest.InClusterConfig` finds it:
 * `KUBERNETES_SERVICE_HOST` / `KUBERNETES_SERVICE_PORT`, and the service account's token and CA mounted
 * at `/var/run/secrets/kubernetes.io/serviceaccount`. Explicit settings win (tests, out-of-cluster runs).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeClientOptions } from './client.ts';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeConnectionSettings {
  /** Explicit API server URL; empty to use the in-cluster environment. */
  readonly url?: string;
  readonly tokenFile?: string;
  readonly caFile?: string;
}

export type KubeConnection =
  | { readonly ok: true; readonly options: KubeClientOptions; readonly where: string }
  | { readonly ok: false; readonly reason: string };

export function kubeConnection(settings: KubeConnectionSettings, env: NodeJS.ProcessEnv = process.env, accountDir = SERVICE_ACCOUNT_DIR): KubeConnection {
  let server = settings.url !== undefined && settings.url !== '' ? settings.url : undefined;
  if (server === undefined) {
    const host = env.KUBERNETES_SERVICE_HOST;
    const port = env.KUBERNETES_SERVICE_PORT ?? '443';
    if (host === undefined || host === '') return { ok: false, reason: 'not running in a cluster (KUBERNETES_SERVICE_HOST is not set)' };
    server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }
  const tokenFile = settings.tokenFile ?? (existsSync(join(accountDir, 'token')) ? join(accountDir, 'token') : undefined);
  const caFile = settings.caFile ?? (existsSync(join(accountDir, 'ca.crt')) ? join(accountDir, 'ca.crt') : undefined);
  let ca: Buffer | undefined;
  if (caFile !== undefined && server.startsWith('https:')) {
    try {
      ca = readFileSync(caFile);
    } catch (error) {
      return { ok: false, reason: `cannot read the API server's CA ${caFile}: ${(error as Error).message}` };
    }
  }
  return {
    ok: true,
    where: server,
    options: { server, ...(tokenFile === undefined ? {} : { tokenFile }), ...(ca === undefined ? {} : { ca }) },
  };
}
