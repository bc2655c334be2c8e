/**
 * The search page's server (on `--ui-listen`): the page's static bundle, and a read-only door to the
 * Elasticsearch API under `/api/es/*`, so the page only ever talks to its own origin.
 *
 * - Static files come from `aggregator/ui/dist` (`npm run build`), with a strict Content-Security-Policy
 *   (no inline script or style, nothing from elsewhere) and no framing: log lines are attacker-controlled
 *   text, and the page renders them as text; the policy is the second wall if a bug ever let markup through.
 * - `/api/es/<path>` forwards to the API app — over HTTP to its listening socket when it has one (so a
 *   browser that aborts a search aborts it in the store too), else through `inject()`. Only the read
 *   requests the page needs pass (`_search`, `_count`, `_msearch`, `_field_caps`, `_resolve/index`,
 *   `_mapping`, `GET /`); the caller's `Authorization` travels with them, so the API's roles apply as for
 *   any client. `WWW-Authenticate` is dropped on the way back so the page shows its own sign-in form
 *   instead of the browser's dialog.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface UiOptions {
  /** The Elasticsearch-compatible API app, for the page's queries. */
  readonly apiApp: FastifyInstance;
  /** Where the built page is; defaults to `aggregator/ui/dist` beside this file. */
  readonly distDir?: string;
}

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The read requests the page makes; everything else is refused at this door. */
const ALLOWED: ReadonlyArray<{ methods: readonly string[]; path: RegExp }> = [
  { methods: ['GET', 'HEAD'], path: /^\/$/ },
  { methods: ['GET', 'POST'], path: /^(\/[^/_][^/]*)?\/_(search|count|msearch|field_caps)$/ },
  { methods: ['GET'], path: /^\/_resolve\/index\/[^/]+$/ },
  { methods: ['GET'], path: /^\/[^/_][^/]*\/_mapping$/ },
];

const FORWARDED_REQUEST_HEADERS = ['authorization', 'content-type', 'accept', 'x-opaque-id'] as const;
const RETURNED_RESPONSE_HEADERS = ['content-type', 'x-elastic-product', 'warning', 'retry-after'] as const;
const PROXY_BODY_LIMIT = 10 * 1024 * 1024;

type StaticFile = { readonly body: Buffer; readonly type: string; readonly immutable: boolean };

export async function registerUi(app: FastifyInstance, options: UiOptions): Promise<void> {
  const distDir = options.distDir ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'ui', 'dist');
  let files: Map<string, StaticFile> | null = null;
  let builtAt = 0;
  /** The built files, read again when `index.html` changed (a new `npm run build` needs no restart). */
  const load = async (checkForNewBuild = false): Promise<Map<string, StaticFile> | null> => {
    if (files && !checkForNewBuild) return files;
    try {
      const mtime = (await stat(join(distDir, 'index.html'))).mtimeMs;
      if (files && mtime === builtAt) return files;
      builtAt = mtime;
      const loaded = new Map<string, StaticFile>();
      for (const name of await readdir(distDir)) {
        const type = MIME[extname(name)];
        if (!type) continue;
        loaded.set(`/${name}`, { body: await readFile(join(distDir, name)), type, immutable: name !== 'index.html' && /-[A-Z0-9]{8}\./.test(name) });
      }
      if (!loaded.has('/index.html')) return files;
      files = loaded;
      return files;
    } catch {
      return files; // mid-build or missing: keep serving what was there
    }
  };
  await load();

  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    return payload;
  });

  // The proxy takes bodies as they are: the API parses them (NDJSON, gzip, vendor media types).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: PROXY_BODY_LIMIT }, (_request, body, done) => done(null, body));

  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'],
    url: '/api/es/*',
    handler: async (request, reply) => {
      const target = request.url.slice('/api/es'.length) || '/';
      const path = target.split('?')[0]!;
      if (!ALLOWED.some((rule) => rule.methods.includes(request.method) && rule.path.test(path))) {
        reply.code(403).type('application/json; charset=UTF-8').header('x-elastic-product', 'Elasticsearch');
        const reason = `the search page only reads: [${request.method} ${path}] is not forwarded`;
        return { error: { root_cause: [{ type: 'security_exception', reason }], type: 'security_exception', reason }, status: 403 };
      }
      return forward(options.apiApp, request, reply, target);
    },
  });

  const sendFile = async (reply: FastifyReply, name: string): Promise<FastifyReply> => {
    const loaded = await load(name === '/index.html');
    if (!loaded) {
      return reply.code(503).type('text/plain; charset=utf-8').header('cache-control', 'no-store')
        .send('The search page is not built. Run `npm run build` (it runs on `npm install` too), then reload.\n');
    }
    const file = loaded.get(name);
    if (!file) return reply.code(404).type('text/plain; charset=utf-8').send('Not found\n');
    reply.type(file.type).header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    return reply.send(file.body);
  };

  app.get('/', async (_request, reply) => sendFile(reply, '/index.html'));
  app.get('/index.html', async (_request, reply) => sendFile(reply, '/index.html'));
  app.get('/:file', async (request, reply) => sendFile(reply, `/${(request.params as { file: string }).file}`));
}

async function forward(api: FastifyInstance, request: FastifyRequest, reply: FastifyReply, target: string): Promise<FastifyReply> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const body = Buffer.isBuffer(request.body) ? request.body : undefined;
  const gone = new AbortController();
  reply.raw.once('close', () => { if (!reply.raw.writableFinished) gone.abort(); });

  const address = api.server.listening ? api.server.address() : null;
  let status: number;
  let responseHeaders: IncomingHttpHeaders | Record<string, string | string[] | number | undefined>;
  let payload: Buffer;
  try {
    if (address !== null && typeof address === 'object') {
      const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
      ({ status, headers: responseHeaders, payload } = await httpForward(host, address.port, request.method, target, headers, body, gone.signal));
    } else {
      const response = await api.inject({ method: request.method as 'GET', url: target, headers, ...(body ? { payload: body } : {}), signal: gone.signal });
      ({ statusCode: status, headers: responseHeaders, rawPayload: payload } = response);
    }
  } catch (error) {
    if (gone.signal.aborted) return reply.code(499).send();
    reply.code(502).type('application/json; charset=UTF-8');
    const reason = `the search page could not reach the API: ${error instanceof Error ? error.message : String(error)}`;
    return reply.send({ error: { root_cause: [{ type: 'proxy_exception', reason }], type: 'proxy_exception', reason }, status: 502 });
  }
  reply.code(status).header('cache-control', 'no-store');
  for (const name of RETURNED_RESPONSE_HEADERS) {
    const value = responseHeaders[name];
    if (value !== undefined) reply.header(name, Array.isArray(value) ? value.join(', ') : String(value));
  }
  return reply.send(payload);
}

function httpForward(
  host: string, port: number, method: string, path: string, headers: Record<string, string>, body: Buffer | undefined, signal: AbortSignal,
): Promise<{ status: number; headers: IncomingHttpHeaders; payload: Buffer }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host, port, method, path, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) }, signal }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 502, headers: incoming.headers, payload: Buffer.concat(chunks) }));
      incoming.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
