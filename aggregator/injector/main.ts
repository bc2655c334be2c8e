/**
 * `logship injector`: the HTTPS server the API server calls for every pod created in a namespace
 * labelled `logship.io/injection: enabled`. Wiring only: the patch is built in patch.ts, the review
 * answered in review.ts, the routes live in app.ts.
 *
 * cert-manager (or whoever) renews the certificate in the mounted Secret; the kubelet updates the files
 * in place, and the server re-reads them every --tls-reload-interval without dropping connections.
 */
import { readFile } from 'node:fs/promises';
import type { Server as TlsServer } from 'node:tls';
import type { Static } from '../../shipper/kit/options.ts';
import type { Logger } from '../../shipper/kit/logger.ts';
import type { Component, Lifecycle } from '../../shipper/kit/lifecycle.ts';
import { createRegistry } from '../../shipper/kit/metrics.ts';
import { splitListen } from '../../shipper/kit/ops-server.ts';
import type { injectorCommand } from './config.ts';
import { buildInjectorApp } from './app.ts';

export type InjectorConfig = Static<typeof injectorCommand.options>;

export async function runInjector(config: InjectorConfig, logger: Logger, lifecycle: Lifecycle): Promise<void> {
  const server = await createInjectorServer(config, logger);
  await lifecycle.add(server);
  logger.info({ address: server.address(), image: config.image, to: config.to }, 'injector listening');
}

export interface InjectorServer extends Component {
  /** `https://host:port` once started. */
  address(): string;
  /** Re-reads the certificate files now; resolves to whether they changed. */
  reloadCertificate(): Promise<boolean>;
}

export async function createInjectorServer(config: InjectorConfig, logger: Logger): Promise<InjectorServer> {
  let pem = await readPem(config);
  const registry = createRegistry('injector');
  let listening = false;
  const app = buildInjectorApp({
    settings: config,
    registry,
    logger,
    readiness: () => (listening ? undefined : 'not listening yet'),
    tls: pem,
  });
  let address = '';
  let timer: NodeJS.Timeout | undefined;

  const reloadCertificate = async (): Promise<boolean> => {
    let next: { key: Buffer; cert: Buffer };
    try {
      next = await readPem(config);
    } catch (error) {
      logger.warn({ err: error }, 'cannot re-read the TLS certificate; keeping the current one');
      return false;
    }
    if (next.key.equals(pem.key) && next.cert.equals(pem.cert)) return false;
    try {
      (app.server as unknown as TlsServer).setSecureContext({ key: next.key, cert: next.cert });
    } catch (error) {
      logger.warn({ err: error }, 'the renewed TLS certificate and key do not load; keeping the current ones');
      return false;
    }
    pem = next;
    logger.info('TLS certificate reloaded');
    return true;
  };

  return {
    name: 'injector-server',
    async start() {
      const { host, port } = splitListen(config.listen);
      address = (await app.listen({ host, port })).replace(/^http:/, 'https:');
      listening = true;
      timer = setInterval(() => void reloadCertificate(), config.tlsReloadInterval);
      timer.unref();
    },
    async close() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      listening = false;
      await app.close();
    },
    address: () => address,
    reloadCertificate,
  };
}

async function readPem(config: InjectorConfig): Promise<{ key: Buffer; cert: Buffer }> {
  const read = async (path: string, option: string): Promise<Buffer> => {
    try {
      return await readFile(path);
    } catch (error) {
      throw new Error(`${option}: cannot read ${path}: ${(error as Error).message}`, { cause: error });
    }
  };
  const [cert, key] = await Promise.all([read(config.tlsCertFile, '--tls-cert-file'), read(config.tlsKeyFile, '--tls-key-file')]);
  return { key, cert };
}
