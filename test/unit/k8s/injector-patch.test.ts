import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { loadConfig } from '../../../shipper/kit/options.ts';
import { injectorCommand } from '../../../aggregator/injector/config.ts';
import {
  LOG_VOLUME, NGINX_LOG_DIR, PODINFO_VOLUME, SIDECAR_NAME, STATE_VOLUME, planInjection, pointerSegment, type InjectionDecision, type SidecarSettings,
} from '../../../aggregator/injector/patch.ts';
import { admittedPod, nginxContainer } from './admission-fixtures.ts';
import { validateObject } from './k8s-schema.ts';

type Json = Record<string, unknown>;

function defaults(env: NodeJS.ProcessEnv = {}): SidecarSettings {
  const loaded = loadConfig(injectorCommand, [], env);
  if (loaded.ok !== true) throw new Error(JSON.stringify(loaded));
  return loaded.config;
}
const settings = defaults();

function apply(pod: Json, decision: InjectionDecision): Json {
  if (!decision.inject) throw new Error(`expected an injection, got: ${decision.reason}`);
  return fastJsonPatch.applyPatch(structuredClone(pod), decision.patch as Operation[], true, false).newDocument as Json;
}

const spec = (pod: Json): Json => pod.spec as Json;
const containers = (pod: Json): Json[] => spec(pod).containers as Json[];
const volumes = (pod: Json): Json[] => (spec(pod).volumes ?? []) as Json[];
const mounts = (container: Json | undefined): Json[] => (container?.volumeMounts ?? []) as Json[];

describe('the injection patch', () => {
  it('adds the sidecar, the shared emptyDir with its sizeLimit, the Downward API volume and the mount in nginx', async () => {
    const pod = admittedPod({ annotations: { 'logship.io/inject': 'nginx' } });
    const decision = planInjection(pod, settings);
    const patched = apply(pod, decision);

    expect(decision).toMatchObject({ inject: true, container: 'nginx' });
    expect(await validateObject(patched)).toEqual([]);
    expect(containers(patched).map((c) => c.name)).toEqual(['nginx', SIDECAR_NAME]);
    expect(volumes(patched).find((v) => v.name === LOG_VOLUME)).toEqual({ name: LOG_VOLUME, emptyDir: { sizeLimit: '500Mi' } });
    expect(volumes(patched).find((v) => v.name === PODINFO_VOLUME)?.downwardAPI).toEqual({
      items: [
        { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
        { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
      ],
    });
    expect(mounts(containers(patched)[0])).toContainEqual({ name: LOG_VOLUME, mountPath: NGINX_LOG_DIR });
    const sidecar = containers(patched)[1]!;
    expect(mounts(sidecar)).toEqual([
      { name: LOG_VOLUME, mountPath: NGINX_LOG_DIR, readOnly: true },
      { name: PODINFO_VOLUME, mountPath: '/etc/podinfo', readOnly: true },
      { name: STATE_VOLUME, mountPath: '/var/lib/logship' },
    ]);
    expect((sidecar.env as Json[]).filter((e) => e.valueFrom !== undefined)).toEqual([
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    ]);
    expect((sidecar.env as Json[]).find((e) => e.name === 'CONTAINER_NAME')).toEqual({ name: 'CONTAINER_NAME', value: 'nginx' });
    expect((patched.metadata as Json).annotations).toEqual({ 'logship.io/inject': 'nginx', 'logship.io/status': 'injected' });
  });

  it('is idempotent: the patched pod gets no second patch', () => {
    const pod = admittedPod({ annotations: { 'logship.io/inject': 'nginx' } });
    const patched = apply(pod, planInjection(pod, settings));
    expect(planInjection(patched, settings)).toEqual({ inject: false, reason: `${SIDECAR_NAME} is already present` });
  });

  it('creates the volumes and volumeMounts lists when the pod has none', async () => {
    const pod = admittedPod({ annotations: { 'logship.io/inject': 'nginx' }, volumes: null, containers: [nginxContainer('nginx', { volumeMounts: undefined })] });
    delete (containers(pod)[0] as Json).volumeMounts;
    const decision = planInjection(pod, settings);
    expect(decision.inject && decision.patch.map((op) => op.path)).toEqual(['/spec/volumes', '/spec/containers/0/volumeMounts', '/spec/containers/-', '/metadata/annotations/logship.io~1status']);
    const patched = apply(pod, decision);
    expect(await validateObject(patched)).toEqual([]);
    expect(volumes(patched).map((v) => v.name)).toEqual([LOG_VOLUME, PODINFO_VOLUME, STATE_VOLUME]);
  });

  it('mounts the logs in the container named by logship.io/inject-container', () => {
    const pod = admittedPod({ annotations: { 'logship.io/inject': 'nginx', 'logship.io/inject-container': 'web' }, containers: [nginxContainer('app'), nginxContainer('web')] });
    const patched = apply(pod, planInjection(pod, settings));
    expect(mounts(containers(patched)[0]).map((m) => m.mountPath)).not.toContain(NGINX_LOG_DIR);
    expect(mounts(containers(patched)[1]).map((m) => m.mountPath)).toContain(NGINX_LOG_DIR);
    expect(((containers(patched)[2]!.env as Json[]).find((e) => e.name === 'CONTAINER_NAME'))?.value).toBe('web');
  });

  it('reads the volume nginx already mounts at /var/log/nginx instead of adding one', async () => {
    const pod = admittedPod({
      annotations: { 'logship.io/inject': 'nginx' },
      volumes: [{ name: 'my-logs', emptyDir: {} }],
      containers: [nginxContainer('nginx', { volumeMounts: [{ name: 'my-logs', mountPath: '/var/log/nginx/' }] })],
    });
    const patched = apply(pod, planInjection(pod, settings));
    expect(await validateObject(patched)).toEqual([]);
    expect(volumes(patched).map((v) => v.name)).not.toContain(LOG_VOLUME);
    expect(mounts(containers(patched)[0])).toEqual([{ name: 'my-logs', mountPath: '/var/log/nginx/' }]);
    expect(mounts(containers(patched)[1])[0]).toEqual({ name: 'my-logs', mountPath: NGINX_LOG_DIR, readOnly: true });
  });

  it('takes the image, destination, size limit, resources and credentials Secret from the settings', () => {
    const custom = defaults({
      LOGSHIP_IMAGE: 'registry.example.com/logship:1.2.3', LOGSHIP_TO: 'https://es.example.com:9200', LOGSHIP_LOG_VOLUME_SIZE_LIMIT: '1Gi',
      LOGSHIP_MEMORY_LIMIT: '300Mi', LOGSHIP_CREDENTIALS_SECRET: 'shipper-key', LOGSHIP_IMAGE_PULL_POLICY: 'Always',
    });
    const pod = admittedPod({ annotations: { 'logship.io/inject': 'nginx' } });
    const patched = apply(pod, planInjection(pod, custom));
    const sidecar = containers(patched)[1]!;
    expect(sidecar).toMatchObject({ image: 'registry.example.com/logship:1.2.3', imagePullPolicy: 'Always', resources: { limits: { memory: '300Mi' } } });
    expect(sidecar.env).toContainEqual({ name: 'LOGSHIP_TO', value: 'https://es.example.com:9200' });
    expect(sidecar.env).toContainEqual({ name: 'LOGSHIP_API_KEY', valueFrom: { secretKeyRef: { name: 'shipper-key', key: 'api-key', optional: true } } });
    expect(volumes(patched).find((v) => v.name === LOG_VOLUME)?.emptyDir).toEqual({ sizeLimit: '1Gi' });
  });

  it('adds a native sidecar (an init container that restarts always) when told to, after any existing init containers', async () => {
    const native = defaults({ LOGSHIP_NATIVE_SIDECAR: 'true' });
    const bare = admittedPod({ annotations: { 'logship.io/inject': 'nginx' } });
    const patched = apply(bare, planInjection(bare, native));
    expect(await validateObject(patched)).toEqual([]);
    expect(containers(patched).map((c) => c.name)).toEqual(['nginx']);
    expect((spec(patched).initContainers as Json[]).map((c) => [c.name, c.restartPolicy])).toEqual([[SIDECAR_NAME, 'Always']]);
    const withInit = admittedPod({ annotations: { 'logship.io/inject': 'nginx' }, initContainers: [nginxContainer('migrate')] });
    const patchedWithInit = apply(withInit, planInjection(withInit, native));
    expect((spec(patchedWithInit).initContainers as Json[]).map((c) => c.name)).toEqual(['migrate', SIDECAR_NAME]);
    expect(planInjection(patchedWithInit, native)).toEqual({ inject: false, reason: `${SIDECAR_NAME} is already present` });
  });

  it('leaves alone, without a warning, a pod with no annotation or whose sidecar is already there', () => {
    expect(planInjection(admittedPod(), settings)).toEqual({ inject: false, reason: 'no logship.io/inject annotation' });
    const withSidecar = admittedPod({ annotations: { 'logship.io/inject': 'nginx' }, containers: [nginxContainer(), nginxContainer(SIDECAR_NAME)] });
    expect(planInjection(withSidecar, settings)).toEqual({ inject: false, reason: `${SIDECAR_NAME} is already present` });
    const asNativeSidecar = admittedPod({ annotations: { 'logship.io/inject': 'nginx' }, initContainers: [nginxContainer(SIDECAR_NAME, { restartPolicy: 'Always' })] });
    expect(planInjection(asNativeSidecar, settings)).toEqual({ inject: false, reason: `${SIDECAR_NAME} is already present` });
  });

  it.each([
    ['an unsupported annotation value', admittedPod({ annotations: { 'logship.io/inject': 'apache' } }), /"apache" is not supported/],
    ['a logship.io/inject-container naming no container', admittedPod({ annotations: { 'logship.io/inject': 'nginx', 'logship.io/inject-container': 'nope' } }), /no container named "nope"/],
    ['a pod without containers', { metadata: { annotations: { 'logship.io/inject': 'nginx' } }, spec: {} }, /no containers/],
    ['a volume name the sidecar needs already taken', admittedPod({ annotations: { 'logship.io/inject': 'nginx' }, volumes: [{ name: PODINFO_VOLUME, emptyDir: {} }] }), /logship-podinfo/],
    ['something that is not an object', ['not', 'a', 'pod'], /not a JSON object/],
  ])('explains in a warning why it leaves alone %s', (_case, pod, warning) => {
    const decision = planInjection(pod, settings);
    expect(decision.inject).toBe(false);
    expect(!decision.inject && decision.warning).toMatch(warning);
  });

  it('escapes JSON Pointer segments (RFC 6901)', () => {
    expect(pointerSegment('logship.io/status')).toBe('logship.io~1status');
    expect(pointerSegment('a~b/c')).toBe('a~0b~1c');
  });

  it('gives any annotated pod, in either sidecar mode, exactly one sidecar, a single mount of the logs in the target, unique volume names and a valid pod', async () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
    const container = fc.record({ name, hasMounts: fc.boolean(), logMount: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(container, { minLength: 1, maxLength: 4, selector: (c) => c.name }),
        fc.boolean(),
        fc.nat(5),
        fc.uniqueArray(name, { maxLength: 3 }),
        fc.boolean(),
        async (specs, hasVolumes, pick, extraVolumes, nativeSidecar) => {
          fc.pre(!specs.some((c) => c.name === SIDECAR_NAME));
          const volumeNames = extraVolumes.filter((v) => ![LOG_VOLUME, PODINFO_VOLUME, STATE_VOLUME, 'kube-api-access-x7k2p', 'shared-logs'].includes(v));
          const built = specs.map((c) => {
            const extra: Json = c.hasMounts ? { volumeMounts: c.logMount ? [{ name: 'shared-logs', mountPath: NGINX_LOG_DIR }] : [] } : {};
            const base = nginxContainer(c.name, extra);
            if (!c.hasMounts) delete base.volumeMounts;
            return base;
          });
          const needsShared = specs.some((c) => c.hasMounts && c.logMount);
          const target = specs[pick % specs.length]!;
          const pod = admittedPod({
            annotations: { 'logship.io/inject': 'nginx', 'logship.io/inject-container': target.name },
            containers: built,
            volumes: hasVolumes || needsShared ? [...volumeNames.map((v) => ({ name: v, emptyDir: {} })), ...(needsShared ? [{ name: 'shared-logs', emptyDir: {} }] : [])] : null,
          });
          if (!hasVolumes && !needsShared) delete spec(pod).volumes;
          const chosen = { ...settings, nativeSidecar };
          const patched = apply(pod, planInjection(pod, chosen));
          const all = [...containers(patched), ...((spec(patched).initContainers ?? []) as Json[])];
          expect(all.filter((c) => c.name === SIDECAR_NAME)).toHaveLength(1);
          const targetContainer = containers(patched).find((c) => c.name === target.name);
          expect(mounts(targetContainer).filter((m) => m.mountPath === NGINX_LOG_DIR)).toHaveLength(1);
          const names = volumes(patched).map((v) => v.name);
          expect(new Set(names).size).toBe(names.length);
          expect(await validateObject(patched)).toEqual([]);
          expect(planInjection(patched, chosen).inject).toBe(false);
        },
      ),
      { numRuns: 150 },
    );
  });
});
