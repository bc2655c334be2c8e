/**
 * Authentication on a real process with an auth file, through the official client; and the CLI's refusal
 * to expose an unauthenticated API off loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, errors } from '@elastic/elasticsearch';
import { startAggregator, runAggregatorToExit, type AggregatorProcess } from '../../helpers/aggregator-process.ts';
import { hashSecret } from '../../../aggregator/auth/secret-hash.ts';

let aggregator: AggregatorProcess;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logship-auth-'));
  const authFile = join(dir, 'auth.yaml');
  await writeFile(authFile, [
    'users:',
    '  - name: reader',
    `    password_hash: "${await hashSecret('reader-pw')}"`,
    '    roles: [read]',
    '  - name: admin',
    `    password_hash: "${await hashSecret('admin-pw')}"`,
    '    roles: [admin]',
    'api_keys:',
    '  - id: shipper-key',
    '    name: sidecar',
    `    key_hash: "${await hashSecret('shipper-secret')}"`,
    '    roles: [ingest]',
    '',
  ].join('\n'));
  aggregator = await startAggregator({ args: ['--auth-file', authFile] });
});
afterAll(async () => {
  await aggregator?.cleanup();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

function statusOf(error: unknown): number | undefined {
  return error instanceof errors.ResponseError ? error.meta.statusCode : undefined;
}

describe('authentication on a real aggregator', () => {
  it('answers 401 with WWW-Authenticate to a client without credentials', async () => {
    const response = await fetch(aggregator.url);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Basic realm="security"');
    expect(response.headers.get('www-authenticate')).toContain('ApiKey');
    const client = new Client({ node: aggregator.url });
    const error = await client.info().catch((e: unknown) => e);
    expect(statusOf(error)).toBe(401);
  });

  it('lets an ingest API key write but not search, and a reader search but not write', async () => {
    const shipper = new Client({ node: aggregator.url, auth: { apiKey: Buffer.from('shipper-key:shipper-secret').toString('base64') } });
    const reader = new Client({ node: aggregator.url, auth: { username: 'reader', password: 'reader-pw' } });
    const written = await shipper.bulk({ refresh: true, operations: [{ create: { _index: 'auth-logs', _id: '1' } }, { message: 'hello', '@timestamp': '2026-11-24T00:00:00Z' }] });
    expect(written.errors).toBe(false);
    const denied = await shipper.search({ index: 'auth-logs' }).catch((e: unknown) => e);
    expect(statusOf(denied)).toBe(403);
    expect((denied as errors.ResponseError).body).toMatchObject({ error: { type: 'security_exception' } });
    expect((await reader.count({ index: 'auth-logs' })).count).toBe(1);
    expect(statusOf(await reader.bulk({ operations: [{ create: { _index: 'auth-logs' } }, { m: 1 }] }).catch((e: unknown) => e))).toBe(403);
    expect(statusOf(await reader.indices.delete({ index: 'auth-logs' }).catch((e: unknown) => e))).toBe(403);
  });

  it('lets an admin manage indices', async () => {
    const admin = new Client({ node: aggregator.url, auth: { username: 'admin', password: 'admin-pw' } });
    await admin.indices.create({ index: 'auth-admin-made' });
    expect(await admin.indices.exists({ index: 'auth-admin-made' })).toBe(true);
  });

  it('rejects a wrong password with 401', async () => {
    const wrong = new Client({ node: aggregator.url, auth: { username: 'reader', password: 'nope' } });
    expect(statusOf(await wrong.info().catch((e: unknown) => e))).toBe(401);
  });
});

describe('refusing to expose an unauthenticated API', () => {
  it('exits with code 2 and says why when asked to listen on 0.0.0.0 without auth', async () => {
    const result = await runAggregatorToExit(['--listen', '0.0.0.0:0', '--data-dir', join(tmpdir(), 'logship-never-created')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--listen: refusing to serve the Elasticsearch API on 0.0.0.0:0 (not loopback) without authentication');
  });

  it('exits with code 2 listing the problems of a bad auth file', async () => {
    const bad = join(dir, 'bad-auth.yaml');
    await writeFile(bad, 'users:\n  - name: x\n    password_hash: plain\n    roles: [god]\n');
    const result = await runAggregatorToExit(['--auth-file', bad, '--data-dir', join(tmpdir(), 'logship-never-created')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('users[0].password_hash: not an scrypt hash');
    expect(result.stderr).toContain('users[0].roles: unknown role "god"');
  });
});
