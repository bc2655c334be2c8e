import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { loadConfig } from '../../../shipper/kit/options.ts';
import { createRegistry } from '../../../shipper/kit/metrics.ts';
import { injectorCommand } from '../../../aggregator/injector/config.ts';
import { answerReview } from '../../../aggregator/injector/review.ts';
import { buildInjectorApp } from '../../../aggregator/injector/app.ts';
import { admissionReview, admittedPod } from './admission-fixtures.ts';

const loaded = loadConfig(injectorCommand, [], {});
if (loaded.ok !== true) throw new Error(JSON.stringify(loaded));
const settings = loaded.config;
const UID = '705ab4f5-6393-11e8-b7cc-42010a800002';

describe('answering an AdmissionReview', () => {
  it('echoes the uid, allows the pod and returns the patch as base64 JSON Patch', () => {
    const outcome = answerReview(admissionReview(admittedPod({ annotations: { 'logship.io/inject': 'nginx' } })), settings);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.injected).toBe(true);
    expect(outcome.review).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: UID, allowed: true, patchType: 'JSONPatch' } });
    const patch = JSON.parse(Buffer.from(outcome.review.response.patch!, 'base64').toString('utf8')) as Array<{ op: string; path: string }>;
    expect(patch.map((op) => op.op)).toEqual(patch.map(() => 'add'));
    expect(patch.map((op) => op.path)).toContain('/spec/containers/-');
  });

  it('allows a pod without the annotation with no patch and no warning', () => {
    const outcome = answerReview(admissionReview(admittedPod()), settings);
    expect(outcome.ok && outcome.review.response).toEqual({ uid: UID, allowed: true });
  });

  it('allows with a warning a pod that asks for an unsupported kind of injection', () => {
    const outcome = answerReview(admissionReview(admittedPod({ annotations: { 'logship.io/inject': 'envoy' } })), settings);
    expect(outcome.ok && outcome.review.response.warnings).toEqual([expect.stringContaining('"envoy" is not supported')]);
    expect(outcome.ok && outcome.review.response.patch).toBeUndefined();
  });

  it('leaves alone what is not the creation of a core/v1 Pod', () => {
    const pod = admittedPod({ annotations: { 'logship.io/inject': 'nginx' } });
    for (const overrides of [{ operation: 'UPDATE' }, { kind: { group: 'apps', version: 'v1', kind: 'Deployment' } }, { object: null }]) {
      const outcome = answerReview(admissionReview(pod, overrides), settings);
      expect(outcome.ok && outcome.review.response.patch, JSON.stringify(overrides)).toBeUndefined();
      expect(outcome.ok && outcome.review.response.allowed).toBe(true);
    }
  });

  it('lists every problem of a malformed review at once', () => {
    expect(answerReview({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'Review', request: {} }, settings)).toEqual({
      ok: false,
      problems: [
        'apiVersion must be "admission.k8s.io/v1" (got "admission.k8s.io/v1beta1"); admissionReviewVersions must be [v1]',
        'kind must be "AdmissionReview" (got "Review")',
        'request.uid must be a non-empty string',
      ],
    });
    expect(answerReview('hello', settings)).toEqual({ ok: false, problems: ['the body must be a JSON object (an AdmissionReview)'] });
    expect(answerReview({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, settings)).toEqual({ ok: false, problems: ['request must be an object'] });
  });
});

describe('the injector app', () => {
  const build = () => {
    const registry = createRegistry('injector');
    const app = buildInjectorApp({ settings, registry, logger: pino({ level: 'silent' }), readiness: () => undefined });
    return { app, registry };
  };

  it('answers POST /mutate with the AdmissionReview, every field of the response kept', async () => {
    const { app } = build();
    const response = await app.inject({ method: 'POST', url: '/mutate', payload: admissionReview(admittedPod({ annotations: { 'logship.io/inject': 'nginx' } })) });
    expect(response.statusCode).toBe(200);
    const body = response.json() as { response: Record<string, unknown> };
    expect(Object.keys(body.response).sort()).toEqual(['allowed', 'patch', 'patchType', 'uid']);
    await app.close();
  });

  it('answers a body that is not JSON, or not an AdmissionReview, with a 400 that says what is wrong', async () => {
    const { app, registry } = build();
    const notJson = await app.inject({ method: 'POST', url: '/mutate', headers: { 'content-type': 'application/json' }, payload: '{"kind": ' });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json()).toEqual({ error: expect.stringMatching(/^malformed AdmissionReview: .*JSON/i) });
    const notReview = await app.inject({ method: 'POST', url: '/mutate', payload: { hello: 'world' } });
    expect(notReview.statusCode).toBe(400);
    expect(notReview.json()).toEqual({ error: expect.stringContaining('malformed AdmissionReview: apiVersion must be "admission.k8s.io/v1"') });
    expect(await registry.getSingleMetricAsString('logship_injector_reviews_total')).toMatch(/outcome="malformed"[^\n]* 2/);
    await app.close();
  });

  it('serves /healthz, /readyz and the review counter in /metrics', async () => {
    const { app } = build();
    await app.inject({ method: 'POST', url: '/mutate', payload: admissionReview(admittedPod()) });
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/metrics' })).body).toMatch(/logship_injector_reviews_total\{[^}]*outcome="skipped"[^}]*\} 1/);
    await app.close();
  });
});
