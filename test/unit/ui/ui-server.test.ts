// The search page's server: a strict CSP on everything, and a read-only door to the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTENT_SECURITY_POLICY, registerUi } from '../../../aggregator/routes/ui.ts';

describe('the search page server', () => {
  let dist: string;
  let api: FastifyInstance;
  let ui: FastifyInstance;
  const seen: Array<{ method: string; url: string; authorization?: string; body: string }> = [];

  beforeAll(async () => {
    dist = await mkdtemp(join(tmpdir(), 'logship-ui-dist-'));
    await writeFile(join(dist, 'index.html'), '<!doctype html><script type="module" src="/main-ABCDEFGH.js"></script>');
    await writeFile(join(dist, 'main-ABCDEFGH.js'), 'console.log(1)');
    api = Fastify();
    api.removeAllContentTypeParsers();
    api.addContentTypeParser('*', { parseAs: 'string' }, (_r, body, done) => done(null, body));
    api.all('/*', async (request, reply) => {
      seen.push({ method: request.method, url: request.url, authorization: request.headers.authorization, body: String(request.body ?? '') });
      if (request.headers.authorization !== 'Basic dTpw') {
        return reply.code(401).header('www-authenticate', 'Basic realm="logship"').header('x-elastic-product', 'Elasticsearch').send({ error: { type: 'security_exception', reason: 'missing authentication credentials' }, status: 401 });
      }
      return reply.header('x-elastic-product', 'Elasticsearch').send({ hits: { total: { value: 3, relation: 'eq' }, hits: [] } });
    });
    ui = Fastify();
    await registerUi(ui, { apiApp: api, distDir: dist });
  });

  afterAll(async () => {
    await ui.close();
    await api.close();
    await rm(dist, { recursive: true, force: true });
  });

  it('serves the page with a strict Content-Security-Policy and no framing', async () => {
    const response = await ui.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['cache-control']).toBe('no-cache');
  });

  it('serves hashed assets as immutable, and 404 for unknown files', async () => {
    const asset = await ui.inject({ method: 'GET', url: '/main-ABCDEFGH.js' });
    expect(asset.headers['content-type']).toContain('text/javascript');
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await ui.inject({ method: 'GET', url: '/nope.js' })).statusCode).toBe(404);
  });

  it('forwards a search with its credentials and body to the API', async () => {
    const response = await ui.inject({ method: 'POST', url: '/api/es/logs-*/_search?ignore_unavailable=true', headers: { authorization: 'Basic dTpw', 'content-type': 'application/json', cookie: 'secret=1' }, payload: '{"size":0}' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ hits: { total: { value: 3, relation: 'eq' }, hits: [] } });
    expect(response.headers['x-elastic-product']).toBe('Elasticsearch');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(seen.at(-1)).toEqual({ method: 'POST', url: '/logs-*/_search?ignore_unavailable=true', authorization: 'Basic dTpw', body: '{"size":0}' });
  });

  it('passes 401 through without WWW-Authenticate, so the page shows its own sign-in form', async () => {
    const response = await ui.inject({ method: 'GET', url: '/api/es/logs-*/_field_caps?fields=*' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBeUndefined();
  });

  it('refuses anything that is not a read the page makes', async () => {
    const before = seen.length;
    for (const [method, url] of [['POST', '/api/es/logs-x/_bulk'], ['DELETE', '/api/es/logs-x'], ['PUT', '/api/es/logs-x/_doc/1'], ['POST', '/api/es/_security/user/x'], ['GET', '/api/es/_cat/indices'], ['POST', '/api/es/logs-x/_delete_by_query']] as const) {
      const response = await ui.inject({ method, url, headers: { authorization: 'Basic dTpw', 'content-type': 'application/json' }, payload: method === 'GET' ? undefined : '{}' });
      expect(response.statusCode, `${method} ${url}`).toBe(403);
      expect(response.json().error.type).toBe('security_exception');
    }
    expect(seen.length).toBe(before);
  });
});
