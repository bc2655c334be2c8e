/**
 * A local HTTP server that speaks the Kubernetes API's pod list/watch protocol, the parts the collector
 * relies on, the way the real API server does:
 *
 * - `GET /api/v1/pods?fieldSelector=spec.nodeName=<n>&limit=<k>[&continue=<token>]` → a `PodList`
 *   (`kind: PodList`, `metadata.resourceVersion`, `metadata.continue` for the next page).
 * - `GET /api/v1/pods?…&watch=true&resourceVersion=<rv>&allowWatchBookmarks=true&timeoutSeconds=<s>`
 *   → `200` with a chunked body of newline-delimited `{"type":…,"object":…}` events after `<rv>`;
 *   `BOOKMARK` events carry only `metadata.resourceVersion`; a `<rv>` older than the compacted history
 *   gets an `ERROR` event holding a `Status` with `code: 410, reason: Expired` (what the real server
 *   sends inside a 200 watch), or an HTTP 410 when `goneAsHttpStatus` is set.
 * - `Authorization: Bearer <token>` is checked when a token is configured (401 `Status` otherwise).
 *
 * Tests drive it: `addPod` / `updatePod` / `deletePod` emit events, `bookmark()`, `compact()` forgets
 * history (the next resume gets 410), `expireWatches()` sends 410 to open watches, `endWatches()` ends
 * them as a server timeout does, `fail(status)` / `recover()` simulate an outage.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export type KubePod = {
  metadata: { name: string; namespace: string; uid: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [key: string]: unknown };
  spec?: { nodeName?: string; [key: string]: unknown };
  status?: Record<string, unknown>;
  [key: string]: unknown;
};

interface StoredEvent {
  readonly rv: number;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly pod: KubePod;
}

export interface KubeRequestLog {
  readonly path: string;
  readonly query: Record<string, string>;
  readonly status: number;
  readonly watch: boolean;
}

export interface FakeKubeApi {
  readonly url: string;
  readonly requests: readonly KubeRequestLog[];
  /** Watches currently open. */
  readonly openWatches: number;
  addPod(pod: KubePod): KubePod;
  updatePod(pod: KubePod): KubePod;
  deletePod(uid: string): void;
  /** Sends a BOOKMARK with the current resourceVersion to every open watch that asked for bookmarks. */
  bookmark(): void;
  /** Forgets the event history: resuming a watch from any earlier resourceVersion now gets 410. */
  compact(): void;
  /** Sends the 410 ERROR event to every open watch and ends it. */
  expireWatches(): void;
  /** Ends every open watch normally (as when `timeoutSeconds` passes). */
  endWatches(): void;
  /** Answers every request with `status` until `recover()`; open watches are cut. */
  fail(status: number): void;
  recover(): void;
  readonly resourceVersion: number;
  close(): Promise<void>;
}

export interface FakeKubeApiOptions {
  /** Required bearer token; omit to accept any request. */
  readonly token?: string;
  /** Answer a too-old watch with HTTP 410 instead of a 200 carrying an ERROR event. */
  readonly goneAsHttpStatus?: boolean;
  /** Write each watch event in two halves with a pause between, so clients see objects split across chunks. */
  readonly splitEvents?: boolean;
  /** First resourceVersion (default 1000). */
  readonly initialResourceVersion?: number;
  /** Serve HTTPS with this PEM certificate and key (as the real API server always does). */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
}

interface OpenWatch {
  readonly res: ServerResponse;
  readonly node: string | undefined;
  readonly bookmarks: boolean;
}

export async function startFakeKubeApi(options: FakeKubeApiOptions = {}): Promise<FakeKubeApi> {
  let rv = options.initialResourceVersion ?? 1000;
  const pods = new Map<string, KubePod>();
  let history: StoredEvent[] = [];
  let compactedAt = rv;
  const watches = new Set<OpenWatch>();
  const requests: KubeRequestLog[] = [];
  const sockets = new Set<Socket>();
  let failing: number | undefined;

  const statusBody = (code: number, reason: string, message: string): string =>
    JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });

  const write = (watch: OpenWatch, event: unknown): void => {
    const text = `${JSON.stringify(event)}\n`;
    if (options.splitEvents === true && text.length > 2) {
      const half = Math.floor(text.length / 2);
      // Split inside a UTF-8 sequence when there is one, to exercise decoding across chunks.
      const bytes = Buffer.from(text, 'utf8');
      const cut = Math.floor(bytes.length / 2) || half;
      watch.res.write(bytes.subarray(0, cut));
      setImmediate(() => {
        if (!watch.res.writableEnded) watch.res.write(bytes.subarray(cut));
      });
      return;
    }
    watch.res.write(text);
  };

  const emit = (event: StoredEvent): void => {
    history.push(event);
    for (const watch of watches) {
      if (watch.node !== undefined && event.pod.spec?.nodeName !== watch.node) continue;
      write(watch, { type: event.type, object: event.pod });
    }
  };

  const withVersion = (pod: KubePod): KubePod => {
    rv++;
    return { apiVersion: 'v1', kind: 'Pod', ...structuredClone(pod), metadata: { ...structuredClone(pod.metadata), resourceVersion: String(rv) } };
  };

  const nodeOf = (query: Record<string, string>): string | undefined => {
    const selector = query.fieldSelector;
    if (selector === undefined) return undefined;
    const match = /^spec\.nodeName=(.*)$/.exec(selector);
    return match === null ? undefined : match[1];
  };

  const handleList = (res: ServerResponse, query: Record<string, string>): number => {
    const node = nodeOf(query);
    const all = [...pods.values()].filter((pod) => node === undefined || pod.spec?.nodeName === node);
    const limit = query.limit === undefined ? all.length : Number(query.limit);
    const start = query.continue === undefined ? 0 : Number(Buffer.from(query.continue, 'base64url').toString());
    const items = all.slice(start, start + limit);
    const more = start + limit < all.length;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({
      kind: 'PodList',
      apiVersion: 'v1',
      metadata: { resourceVersion: String(rv), ...(more ? { continue: Buffer.from(String(start + limit)).toString('base64url') } : {}) },
      items,
    }));
    return 200;
  };

  const handleWatch = (req: IncomingMessage, res: ServerResponse, query: Record<string, string>): number => {
    const node = nodeOf(query);
    const from = query.resourceVersion === undefined || query.resourceVersion === '' || query.resourceVersion === '0' ? undefined : Number(query.resourceVersion);
    if (from !== undefined && from < compactedAt) {
      const message = `too old resource version: ${from} (${compactedAt})`;
      if (options.goneAsHttpStatus === true) {
        res.writeHead(410, { 'content-type': 'application/json' });
        res.end(statusBody(410, 'Gone', message));
        return 410;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.end(`${JSON.stringify({ type: 'ERROR', object: JSON.parse(statusBody(410, 'Expired', message)) })}\n`);
      return 200;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const watch: OpenWatch = { res, node, bookmarks: query.allowWatchBookmarks === 'true' };
    watches.add(watch);
    const replay = from === undefined ? [...pods.values()].map((pod) => ({ type: 'ADDED' as const, pod })) : history.filter((e) => e.rv > from);
    for (const event of replay) {
      if (node !== undefined && event.pod.spec?.nodeName !== node) continue;
      write(watch, { type: event.type, object: event.pod });
    }
    const timeout = query.timeoutSeconds === undefined ? undefined : setTimeout(() => res.end(), Number(query.timeoutSeconds) * 1000);
    req.on('close', () => {
      clearTimeout(timeout);
      watches.delete(watch);
    });
    return 200;
  };

  const listener: RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams.entries());
    const isWatch = query.watch === 'true' || query.watch === '1';
    const log = (status: number): void => void requests.push({ path: url.pathname, query, status, watch: isWatch });
    if (failing !== undefined) {
      res.writeHead(failing, { 'content-type': 'application/json' });
      res.end(statusBody(failing, 'InternalError', 'injected failure'));
      log(failing);
      return;
    }
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(statusBody(401, 'Unauthorized', 'Unauthorized'));
      log(401);
      return;
    }
    if (url.pathname !== '/api/v1/pods') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(statusBody(404, 'NotFound', `the server could not find the requested resource ${url.pathname}`));
      log(404);
      return;
    }
    log(isWatch ? handleWatch(req, res, query) : handleList(res, query));
  };
  const server: Server = options.tls === undefined ? createServer(listener) : createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address() as AddressInfo;

  return {
    url: `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${address.port}`,
    requests,
    get openWatches() {
      return watches.size;
    },
    get resourceVersion() {
      return rv;
    },
    addPod(pod) {
      const stored = withVersion(pod);
      pods.set(stored.metadata.uid, stored);
      emit({ rv, type: 'ADDED', pod: stored });
      return stored;
    },
    updatePod(pod) {
      const stored = withVersion(pod);
      pods.set(stored.metadata.uid, stored);
      emit({ rv, type: 'MODIFIED', pod: stored });
      return stored;
    },
    deletePod(uid) {
      const pod = pods.get(uid);
      if (pod === undefined) return;
      pods.delete(uid);
      const stored = withVersion(pod);
      emit({ rv, type: 'DELETED', pod: stored });
    },
    bookmark() {
      rv++;
      for (const watch of watches) {
        if (watch.bookmarks) write(watch, { type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: String(rv) } } });
      }
    },
    compact() {
      history = [];
      compactedAt = rv;
    },
    expireWatches() {
      for (const watch of watches) {
        watch.res.end(`${JSON.stringify({ type: 'ERROR', object: JSON.parse(statusBody(410, 'Expired', 'too old resource version')) })}\n`);
      }
      watches.clear();
    },
    endWatches() {
      for (const watch of watches) watch.res.end();
      watches.clear();
    },
    fail(status) {
      failing = status;
      for (const watch of watches) watch.res.destroy();
      watches.clear();
    },
    recover() {
      failing = undefined;
    },
    async close() {
      for (const watch of watches) watch.res.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
