import { describe, expect, it, beforeAll } from 'vitest';
import { buildTestApp } from './build-test-app.ts';
import { hashSecret, verifySecret } from '../../../aggregator/auth/secret-hash.ts';
import { parseCredentials, type Credentials } from '../../../aggregator/auth/credentials.ts';
import { listenProblems } from '../../../aggregator/auth/listen-policy.ts';

let credentials: Credentials;

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
function apiKey(id: string, key: string): string {
  return `ApiKey ${Buffer.from(`${id}:${key}`).toString('base64')}`;
}

beforeAll(async () => {
  credentials = {
    users: [
      { name: 'shipper', passwordHash: await hashSecret('ship-pw'), roles: ['ingest'] },
      { name: 'analyst', passwordHash: await hashSecret('read-pw'), roles: ['read'] },
      { name: 'root', passwordHash: await hashSecret('admin-pw'), roles: ['admin'] },
    ],
    apiKeys: [{ id: 'key-1', name: 'sidecar', keyHash: await hashSecret('s3cret'), roles: ['ingest'] }],
  };
});

describe('authentication', () => {
  it('answers 401 security_exception with both WWW-Authenticate challenges when no credentials are sent', async () => {
    const { app } = buildTestApp({ credentials });
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toEqual(['Basic realm="security", charset="UTF-8"', 'ApiKey']);
    expect(response.headers['x-elastic-product']).toBe('Elasticsearch');
    expect(response.json().error.type).toBe('security_exception');
    expect(response.json().error.reason).toBe('missing authentication credentials for REST request [/]');
  });

  it('rejects a wrong password and an unknown API key with 401', async () => {
    const { app } = buildTestApp({ credentials });
    expect((await app.inject({ method: 'GET', url: '/', headers: { authorization: basic('shipper', 'wrong') } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/', headers: { authorization: basic('nobody', 'ship-pw') } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/', headers: { authorization: apiKey('key-1', 'wrong') } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/', headers: { authorization: 'Bearer abc' } })).statusCode).toBe(401);
  });

  it('accepts basic auth and ES API keys', async () => {
    const { app } = buildTestApp({ credentials });
    expect((await app.inject({ method: 'GET', url: '/', headers: { authorization: basic('shipper', 'ship-pw') } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/', headers: { authorization: apiKey('key-1', 's3cret') } })).statusCode).toBe(200);
  });

  it('_security/_authenticate says who the caller is and which roles it has', async () => {
    const { app } = buildTestApp({ credentials });
    const user = (await app.inject({ method: 'GET', url: '/_security/_authenticate', headers: { authorization: basic('analyst', 'read-pw') } })).json();
    expect(user).toMatchObject({ username: 'analyst', roles: ['read'], authentication_type: 'realm' });
    const key = (await app.inject({ method: 'GET', url: '/_security/_authenticate', headers: { authorization: apiKey('key-1', 's3cret') } })).json();
    expect(key).toMatchObject({ username: 'sidecar', roles: ['ingest'], authentication_type: 'api_key' });
    const open = buildTestApp();
    expect((await open.app.inject({ method: 'GET', url: '/_security/_authenticate' })).json()).toMatchObject({ username: '_anonymous', roles: ['admin'] });
  });

  it('does not read the body of an unauthenticated bulk', async () => {
    const { app, store } = buildTestApp({ credentials });
    const response = await app.inject({ method: 'POST', url: '/_bulk', headers: { 'content-type': 'application/x-ndjson' }, payload: '{"index":{"_index":"a"}}\n{}\n' });
    expect(response.statusCode).toBe(401);
    expect(store.calls.some((c) => c.method === 'bulk')).toBe(false);
  });

  it('keeps /metrics, /healthz and /readyz open for probes', async () => {
    const { app } = buildTestApp({ credentials });
    for (const url of ['/metrics', '/healthz', '/readyz']) expect((await app.inject({ method: 'GET', url })).statusCode).toBe(200);
  });

  const bulkBody = '{"index":{"_index":"logs","_id":"1"}}\n{"a":1}\n';
  const matrix: Array<[string, string, string, string | undefined, Record<string, number>]> = [
    ['POST', '/_bulk', 'bulk', bulkBody, { shipper: 200, analyst: 403, root: 200 }],
    ['PUT', '/logs/_doc/2', 'index a document', '{"a":2}', { shipper: 201, analyst: 403, root: 201 }],
    ['GET', '/logs/_search', 'search', undefined, { shipper: 403, analyst: 200, root: 200 }],
    ['GET', '/logs/_count', 'count', undefined, { shipper: 403, analyst: 200, root: 200 }],
    ['GET', '/logs/_mapping', 'read mappings', undefined, { shipper: 403, analyst: 200, root: 200 }],
    ['GET', '/_field_caps?fields=*', 'field caps', undefined, { shipper: 403, analyst: 200, root: 200 }],
    ['GET', '/_cat/indices', 'cat indices', undefined, { shipper: 403, analyst: 200, root: 200 }],
    ['GET', '/_license', 'read the license', undefined, { shipper: 200, analyst: 200, root: 200 }],
    ['HEAD', '/logs', 'check that an index exists', undefined, { shipper: 200, analyst: 200, root: 200 }],
    ['GET', '/logs/_doc/1', 'read a document', undefined, { shipper: 403, analyst: 404, root: 404 }],
    ['GET', '/_cluster/health', 'cluster health', undefined, { shipper: 200, analyst: 200, root: 200 }],
    ['GET', '/_index_template', 'read templates', undefined, { shipper: 200, analyst: 200, root: 200 }],
    ['PUT', '/_index_template/t1', 'put a template', '{"index_patterns":["x-*"]}', { shipper: 403, analyst: 403, root: 200 }],
    ['PUT', '/_ilm/policy/p1', 'put an ILM policy', '{"policy":{"phases":{}}}', { shipper: 403, analyst: 403, root: 200 }],
    ['PUT', '/newindex', 'create an index', '{}', { shipper: 403, analyst: 403, root: 200 }],
    ['DELETE', '/logs', 'delete an index', undefined, { shipper: 403, analyst: 403, root: 200 }],
  ];
  const passwords: Record<string, string> = { shipper: 'ship-pw', analyst: 'read-pw', root: 'admin-pw' };
  for (const [method, url, what, payload, expected] of matrix) {
    for (const [user, status] of Object.entries(expected)) {
      it(`${user} (${user === 'shipper' ? 'ingest' : user === 'analyst' ? 'read' : 'admin'}) may${status === 403 ? ' not' : ''} ${what}`, async () => {
        const { app, store } = buildTestApp({ credentials });
        store.indices.set('logs', new Map());
        const response = await app.inject({ method: method as 'GET', url, payload, headers: { authorization: basic(user, passwords[user]!), 'content-type': 'application/json' } });
        expect(response.statusCode).toBe(status);
        if (status === 403 && method !== 'HEAD') {
          expect(response.json().error.type).toBe('security_exception');
          expect(response.json().error.reason).toMatch(new RegExp(`^action \\[[^\\]]+\\] is unauthorized for user \\[${user}\\]`));
        }
      });
    }
  }
});

describe('secret hashes and the auth file', () => {
  it('verifies the secret it hashed and nothing else', async () => {
    const hash = await hashSecret('correct horse');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifySecret('correct horse', hash)).toBe(true);
    expect(await verifySecret('correct horsE', hash)).toBe(false);
    expect(await verifySecret('correct horse', 'garbage')).toBe(false);
  });

  it('reports every problem of an auth file at once, each with its place', async () => {
    const problems: string[] = [];
    parseCredentials({
      users: [{ name: 'a', password_hash: 'plain-text', roles: ['ingest'] }, { password_hash: await hashSecret('x'), roles: ['superuser'] }],
      api_keys: [{ id: 'k', key_hash: await hashSecret('y') }],
      groups: [],
    }, problems);
    expect(problems).toEqual([
      'unknown key "groups"',
      'users[0].password_hash: not an scrypt hash (make one with node aggregator/auth/secret-hash.ts)',
      'users[1].name: required, a non-empty string',
      'users[1].roles: unknown role "superuser" (known: ingest, read, admin)',
      'api_keys[0].roles: required, a list of ingest, read, admin',
    ]);
  });
});

describe('listen policy', () => {
  it('refuses a non-loopback API address without auth unless --insecure', () => {
    expect(listenProblems({ listen: '0.0.0.0:9200', uiListen: '127.0.0.1:5601', insecure: false }, false)[0]).toMatch(/^--listen: refusing/);
    expect(listenProblems({ listen: '0.0.0.0:9200', uiListen: '127.0.0.1:5601', insecure: false }, true)).toEqual([]);
    expect(listenProblems({ listen: '0.0.0.0:9200', uiListen: '0.0.0.0:5601', insecure: true }, false)).toEqual([]);
    expect(listenProblems({ listen: '127.0.0.1:9200', uiListen: '[::1]:5601', insecure: false }, false)).toEqual([]);
  });

  it('refuses a non-loopback search page without auth unless --insecure, and allows it with auth', () => {
    expect(listenProblems({ listen: '127.0.0.1:9200', uiListen: '0.0.0.0:5601', insecure: false }, false)).toEqual([
      '--ui-listen: refusing to serve the search page on 0.0.0.0:5601 (not loopback) without authentication; give --auth-file, or --insecure to accept the risk',
    ]);
    expect(listenProblems({ listen: '0.0.0.0:9200', uiListen: '0.0.0.0:5601', insecure: false }, true)).toEqual([]);
  });
});
