/**
 * The injector as the API server meets it: a real process serving HTTPS with a certificate made by
 * openssl, sent real AdmissionReview v1 requests; the patches it returns are applied and the pods checked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, renameSync } from 'node:fs';
import { request } from 'node:https';
import { connect, type PeerCertificate } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { eventually } from '../../helpers/eventually.ts';
import { makeCertificate } from '../../helpers/certificates.ts';
import { admissionReview, admittedPod, nginxContainer } from '../../unit/k8s/admission-fixtures.ts';
import { validateObject } from '../../unit/k8s/k8s-schema.ts';
import { SIDECAR_NAME } from '../../../aggregator/injector/patch.ts';

type Json = Record<string, unknown>;
const ROOT = join(import.meta.dirname, '../../..');
const NODE = join(ROOT, 'node_modules/.bin/node');

/** What the CLI does for a command, for `injector` (until shipper/bin/commands.ts lists it). */
const RUNNER = `
const { loadConfig } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'shipper/kit/options.ts')).href)});
const { createLogger } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'shipper/kit/logger.ts')).href)});
const { createLifecycle } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'shipper/kit/lifecycle.ts')).href)});
const { injectorCommand } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'aggregator/injector/config.ts')).href)});
const { runInjector } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'aggregator/injector/main.ts')).href)});
const loaded = loadConfig(injectorCommand, process.argv.slice(1));
if (loaded.ok !== true) { process.stderr.write(JSON.stringify(loaded) + '\\n'); process.exit(2); }
const logger = createLogger(loaded.config.logLevel, 'injector');
const lifecycle = createLifecycle(logger);
await runInjector(loaded.config, logger, lifecycle);
await lifecycle.closed;
process.exit(0);
`;

describe('the injector over HTTPS', () => {
  let dir: string;
  let child: ChildProcess;
  let stdout = '';
  let address: URL;
  let ca: Buffer;
  let exit: Promise<number | null>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'logship-injector-'));
    const first = makeCertificate(dir, 'first', 'logship-injector first');
    renameSync(first.cert, join(dir, 'tls.crt'));
    renameSync(first.key, join(dir, 'tls.key'));
    ca = readFileSync(join(dir, 'tls.crt'));
    child = spawn(NODE, ['--input-type=module', '-e', RUNNER, '--', '--listen', '127.0.0.1:0', '--tls-cert-file', join(dir, 'tls.crt'), '--tls-key-file', join(dir, 'tls.key'), '--tls-reload-interval', '1000', '--image', 'registry.example.com/logship:9.9.9'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    exit = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    const listening = await eventually(() => {
      const line = stdout.split('\n').find((l) => l.includes('"injector listening"'));
      if (line === undefined) throw new Error(`not listening yet; output so far: ${stdout}`);
      return JSON.parse(line) as { address: string };
    }, { timeoutMs: 20_000 });
    address = new URL(listening.address);
  });

  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  function post(body: string | Json, options: { ca?: Buffer } = {}): Promise<{ status: number; body: Json }> {
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request({
        host: '127.0.0.1', port: address.port, path: '/mutate', method: 'POST', ca: options.ca ?? ca, servername: 'localhost',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Json }));
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  const patchOf = (response: Json): Operation[] | undefined => {
    const patch = (response.response as Json).patch;
    return typeof patch === 'string' ? JSON.parse(Buffer.from(patch, 'base64').toString('utf8')) as Operation[] : undefined;
  };

  it('injects the sidecar into an annotated pod: the patched pod validates and has exactly one sidecar; a second pass adds nothing', async () => {
    const pod = admittedPod({ annotations: { 'logship.io/inject': 'nginx' } });
    const first = await post(admissionReview(pod));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true, patchType: 'JSONPatch' } });
    const patched = fastJsonPatch.applyPatch(structuredClone(pod), patchOf(first.body)!, true, false).newDocument as Json;
    expect(await validateObject(patched)).toEqual([]);
    const containers = (patched.spec as Json).containers as Json[];
    expect(containers.filter((c) => c.name === SIDECAR_NAME)).toHaveLength(1);
    expect(containers.find((c) => c.name === SIDECAR_NAME)?.image).toBe('registry.example.com/logship:9.9.9');

    const second = await post(admissionReview(patched));
    expect(second.body.response).toEqual({ uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true });
  });

  it('allows without a patch a pod with no annotation, and one that already has the sidecar', async () => {
    const plain = await post(admissionReview(admittedPod()));
    expect(plain.status).toBe(200);
    expect(plain.body.response).toEqual({ uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true });
    const withSidecar = await post(admissionReview(admittedPod({ annotations: { 'logship.io/inject': 'nginx' }, containers: [nginxContainer(), nginxContainer(SIDECAR_NAME)] })));
    expect(withSidecar.body.response).toEqual({ uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true });
  });

  it('answers a malformed review with a 400 that names the problem', async () => {
    const noUid = await post({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { object: admittedPod() } });
    expect(noUid).toEqual({ status: 400, body: { error: 'malformed AdmissionReview: request.uid must be a non-empty string' } });
    const notJson = await post('{"apiVersion":');
    expect(notJson.status).toBe(400);
    expect(String(notJson.body.error)).toMatch(/^malformed AdmissionReview: /);
  });

  it('is refused by a client that does not trust its certificate', async () => {
    const other = makeCertificate(dir, 'stranger', 'someone else');
    await expect(post(admissionReview(admittedPod()), { ca: readFileSync(other.cert) })).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });

  it('serves a renewed certificate without a restart', async () => {
    const peer = (): Promise<PeerCertificate> => new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: Number(address.port), servername: 'localhost', rejectUnauthorized: false }, () => {
        resolve(socket.getPeerCertificate());
        socket.end();
      });
      socket.on('error', reject);
    });
    const before = (await peer()).fingerprint256;
    const renewed = makeCertificate(dir, 'renewed', 'logship-injector renewed');
    // As the kubelet updates a Secret volume: the new files appear by rename.
    renameSync(renewed.key, join(dir, 'tls.key'));
    renameSync(renewed.cert, join(dir, 'tls.crt'));
    ca = readFileSync(join(dir, 'tls.crt'));
    const after = await eventually(async () => {
      const fingerprint = (await peer()).fingerprint256;
      if (fingerprint === before) throw new Error('still the first certificate');
      return fingerprint;
    }, { timeoutMs: 15_000, intervalMs: 100 });
    expect(after).not.toBe(before);
    expect((await post(admissionReview(admittedPod()))).status).toBe(200);
  });

  it('stops on SIGTERM with exit code 0', async () => {
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(stdout).toContain('"msg":"stopped"');
  });
});
