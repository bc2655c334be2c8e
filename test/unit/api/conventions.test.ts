import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { buildTestApp } from './build-test-app.ts';

describe('ES conventions on every response', () => {
  it('GET / reports an 8.x default-flavor Elasticsearch without a distribution field', async () => {
    const { app } = buildTestApp();
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.version.number).toBe('8.19.0');
    expect(body.version.build_flavor).toBe('default');
    expect(body.version.distribution).toBeUndefined();
    expect(body.tagline).toBe('You Know, for Search');
    expect(body.cluster_uuid).not.toBe('');
    expect(body.cluster_name).toBe('logship');
  });

  it('the reported version is configurable', async () => {
    const { app } = buildTestApp({ esVersion: '8.11.3' });
    expect((await app.inject({ method: 'GET', url: '/' })).json().version.number).toBe('8.11.3');
  });

  it('HEAD / answers 200 with no body and the product header', async () => {
    const { app } = buildTestApp();
    const response = await app.inject({ method: 'HEAD', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    expect(response.headers['x-elastic-product']).toBe('Elasticsearch');
  });

  it('errors carry the product header, a JSON content type and the ES error envelope', async () => {
    const { app } = buildTestApp();
    const response = await app.inject({ method: 'GET', url: '/missing/_search' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['x-elastic-product']).toBe('Elasticsearch');
    expect(response.headers['content-type']).toBe('application/json; charset=UTF-8');
    const body = response.json();
    expect(body.status).toBe(404);
    expect(body.error.type).toBe('index_not_found_exception');
    expect(body.error.root_cause[0].type).toBe('index_not_found_exception');
    expect(body.error.reason).toContain('missing');
  });

  it('HEAD of a missing document is 404 with the product header and no body', async () => {
    const { app, store } = buildTestApp();
    store.indices.set('logs', new Map());
    const response = await app.inject({ method: 'HEAD', url: '/logs/_doc/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.body).toBe('');
    expect(response.headers['x-elastic-product']).toBe('Elasticsearch');
  });

  it.each(['7', '8', '9'])('accepts compatible-with=%s vendored media types on requests', async (version) => {
    const { app, store } = buildTestApp();
    const response = await app.inject({
      method: 'POST',
      url: '/_bulk',
      headers: {
        'content-type': `application/vnd.elasticsearch+x-ndjson; compatible-with=${version}`,
        accept: `application/vnd.elasticsearch+json; compatible-with=${version}`,
      },
      payload: '{"create":{"_index":"logs","_id":"1"}}\n{"message":"hi"}\n',
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(store.indices.get('logs')?.size).toBe(1);

    const search = await app.inject({
      method: 'POST', url: '/logs/_search',
      headers: { 'content-type': `application/vnd.elasticsearch+json; compatible-with=${version}` },
      payload: '{"query":{"match_all":{}}}',
    });
    expect(search.statusCode).toBe(200);
    expect(store.calls.find((c) => c.method === 'search')?.args[1]).toEqual({ query: { match_all: {} } });
  });

  it('reads a JSON body sent with GET, as ES does', async () => {
    const { app, store } = buildTestApp();
    store.indices.set('logs', new Map());
    await app.inject({ method: 'GET', url: '/logs/_search', headers: { 'content-type': 'application/json' }, payload: '{"size":3}' });
    expect(store.calls.find((c) => c.method === 'search')?.args[1]).toEqual({ size: 3 });
  });

  it('reads a body without any content type', async () => {
    const { app, store } = buildTestApp();
    store.indices.set('logs', new Map());
    const response = await app.inject({ method: 'POST', url: '/logs/_count', payload: Buffer.from('{"query":{"match_all":{}}}') , headers: { 'content-type': undefined } });
    expect(response.statusCode).toBe(200);
    expect(store.calls.find((c) => c.method === 'count')?.args[1]).toEqual({ query: { match_all: {} } });
  });

  it('decompresses gzip request bodies', async () => {
    const { app, store } = buildTestApp();
    const response = await app.inject({
      method: 'POST', url: '/_bulk',
      headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
      payload: gzipSync('{"create":{"_index":"logs","_id":"z"}}\n{"message":"zipped"}\n'),
    });
    expect(response.statusCode).toBe(200);
    expect(store.indices.get('logs')?.get('z')?.source).toEqual({ message: 'zipped' });
  });

  it('an empty body that claims gzip is simply empty', async () => {
    const { app, store } = buildTestApp();
    store.indices.set('logs', new Map());
    const response = await app.inject({ method: 'POST', url: '/logs/_search', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': '0' }, payload: '' });
    expect(response.statusCode).toBe(200);
  });

  it('a body that claims gzip but is not is a 400 parse_exception', async () => {
    const { app } = buildTestApp();
    const response = await app.inject({
      method: 'POST', url: '/_bulk', headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
      payload: 'not gzip at all',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.type).toBe('parse_exception');
  });

  it('a body over the limit gets 413, also when it only grows that large after gunzip', async () => {
    const { app } = buildTestApp({ maxBodyBytes: 2048 });
    const big = `{"index":{"_index":"logs"}}\n{"message":"${'x'.repeat(4000)}"}\n`;
    const plain = await app.inject({ method: 'POST', url: '/_bulk', headers: { 'content-type': 'application/x-ndjson' }, payload: big });
    expect(plain.statusCode).toBe(413);
    expect(plain.json().status).toBe(413);
    expect(plain.headers['x-elastic-product']).toBe('Elasticsearch');
    const zipped = gzipSync(big);
    expect(zipped.length).toBeLessThan(2048);
    const bomb = await app.inject({ method: 'POST', url: '/_bulk', headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' }, payload: zipped });
    expect(bomb.statusCode).toBe(413);
  });

  it('echoes X-Opaque-Id', async () => {
    const { app } = buildTestApp();
    const response = await app.inject({ method: 'GET', url: '/', headers: { 'x-opaque-id': 'trace-42' } });
    expect(response.headers['x-opaque-id']).toBe('trace-42');
  });

  it('answers a wrong method on a known URI with 405 listing the allowed methods', async () => {
    const { app } = buildTestApp();
    const response = await app.inject({ method: 'GET', url: '/_bulk' });
    expect(response.statusCode).toBe(405);
    expect(response.json().error.reason).toBe('Incorrect HTTP method for uri [/_bulk] and method [GET], allowed: [POST, PUT]');
  });

  it('answers an unknown API with an ES-shaped 400 that names it, never a silent answer', async () => {
    const { app } = buildTestApp();
    for (const [method, url] of [['GET', '/_async_search'], ['POST', '/logs/_delete_by_query'], ['GET', '/_snapshot/repo']] as const) {
      const response = await app.inject({ method, url });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.reason).toContain(`no handler found for uri [${url}] and method [${method}]`);
    }
  });

  it('a malformed URL still gets the ES error envelope', async () => {
    const { app } = buildTestApp();
    const response = await app.inject({ method: 'GET', url: '/logs%zz/_search' });
    expect(response.statusCode).toBe(400);
    expect(response.headers['x-elastic-product']).toBe('Elasticsearch');
    expect(response.json().error.type).toBe('illegal_argument_exception');
  });

  it('pretty prints when asked', async () => {
    const { app } = buildTestApp();
    const response = await app.inject({ method: 'GET', url: '/?pretty' });
    expect(response.body).toContain('\n  "name"');
  });

  it('applies filter_path to any JSON response', async () => {
    const { app } = buildTestApp();
    const response = await app.inject({ method: 'GET', url: '/?filter_path=version.number,tagline' });
    expect(response.body).toBe('{"version":{"number":"8.19.0"},"tagline":"You Know, for Search"}');
  });

  it('serves /metrics, /healthz and /readyz beside the ES API', async () => {
    const { app } = buildTestApp({ readiness: () => 'store is opening' });
    await app.inject({ method: 'GET', url: '/' });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('logship_aggregator_http_requests_total{route="/",method="GET",status="200"} 1');
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().reason).toBe('store is opening');
  });

  it('a store failure becomes a 500 ES error, and the server keeps serving', async () => {
    const { app, store } = buildTestApp();
    store.failNext('stats', new Error('disk on fire'));
    const failed = await app.inject({ method: 'GET', url: '/_cluster/health' });
    expect(failed.statusCode).toBe(500);
    expect(failed.json().error.type).toBe('exception');
    expect((await app.inject({ method: 'GET', url: '/_cluster/health' })).statusCode).toBe(200);
  });
});
