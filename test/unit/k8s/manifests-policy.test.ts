import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { renderKustomization, type Resource } from '../../helpers/kustomize.ts';
import { loadConfig, envName, type CommandSpec, type TObject } from '../../../shipper/kit/options.ts';
import { isLoopback } from '../../../shipper/kit/ops-server.ts';
import { aggregatorCommand } from '../../../aggregator/config.ts';
import { sidecarCommand } from '../../../shipper/sidecar/config.ts';
import { collectorCommand } from '../../../shipper/collector/config.ts';
import { injectorCommand } from '../../../aggregator/injector/config.ts';
import { planInjection, SIDECAR_MEMORY_ENV, SIDECAR_NAME } from '../../../aggregator/injector/patch.ts';
import { compileAccessFormat } from '../../../shipper/parse/nginx-access.ts';
import { containersOf, effectiveSecurityContext, envOf, envValue, podTemplates, type ContainerRef, type Json, type PodTemplate } from './workloads.ts';
import { validateObject } from './k8s-schema.ts';

const ROOT = join(import.meta.dirname, '../../..');
const README = readFileSync(join(ROOT, 'k8s/README.md'), 'utf8');
const DIRS = ['k8s/base', 'k8s/overlays/embedded', 'k8s/overlays/forward', 'k8s/examples/nginx-sidecar', 'k8s/examples/nginx-injected'];
const rendered = new Map(DIRS.map((dir) => [dir, renderKustomization(join(ROOT, dir))]));
const render = (dir: string): Resource[] => rendered.get(dir)!;

const COMMANDS: Record<string, CommandSpec<TObject>> = {
  aggregator: aggregatorCommand,
  sidecar: sidecarCommand,
  collector: collectorCommand,
  injector: injectorCommand,
};

type Rule =
  | 'resources' | 'livenessProbe' | 'readinessProbe' | 'runAsNonRoot' | 'allowPrivilegeEscalation'
  | 'capabilities' | 'seccompProfile' | 'readOnlyRootFilesystem' | 'hostPath';

/**
 * Where a container may break a rule, and why. Each is also explained in k8s/README.md (checked below)
 * and in a comment beside it in the manifest. The injected sidecar is `injected:logship-sidecar`.
 */
const EXCEPTIONS: Array<{ container: string; rule: Rule; reason: string }> = [
  { container: 'DaemonSet/logging/logship-collector:collector', rule: 'runAsNonRoot', reason: 'container runtimes write logs as root, mode 0640, under root-only directories' },
  { container: 'DaemonSet/logging/logship-collector:collector', rule: 'hostPath', reason: 'the node\'s log directories (read-only) and the checkpoint directory that must outlive the pod' },
  { container: 'Deployment/logship-demo/web:logship-sidecar', rule: 'readinessProbe', reason: 'a sidecar\'s readiness is the pod\'s: a logging outage must not take nginx out of its Service' },
  { container: 'injected:logship-sidecar', rule: 'readinessProbe', reason: 'as for the example sidecar' },
];

function violations(ref: ContainerRef): Rule[] {
  const out: Rule[] = [];
  const c = ref.container;
  const resources = (c.resources ?? {}) as { requests?: Json; limits?: Json };
  if (![resources.requests?.cpu, resources.requests?.memory, resources.limits?.cpu, resources.limits?.memory].every((v) => v !== undefined)) out.push('resources');
  const servesHttp = Array.isArray(c.ports) && c.ports.length > 0;
  if (servesHttp && c.livenessProbe === undefined) out.push('livenessProbe');
  if (servesHttp && c.readinessProbe === undefined) out.push('readinessProbe');
  const sc = effectiveSecurityContext(ref);
  if (sc.runAsNonRoot !== true || sc.runAsUser === 0) out.push('runAsNonRoot');
  if (sc.allowPrivilegeEscalation !== false || sc.privileged === true) out.push('allowPrivilegeEscalation');
  const caps = (sc.capabilities ?? {}) as { drop?: string[]; add?: string[] };
  if (!(caps.drop ?? []).includes('ALL') || (caps.add ?? []).length > 0) out.push('capabilities');
  if ((sc.seccompProfile as Json | undefined)?.type !== 'RuntimeDefault') out.push('seccompProfile');
  if (sc.readOnlyRootFilesystem !== true) out.push('readOnlyRootFilesystem');
  const volumes = (ref.pod.spec.volumes ?? []) as Json[];
  const mounts = (c.volumeMounts ?? []) as Json[];
  if (mounts.some((m) => volumes.find((v) => v.name === m.name)?.hostPath !== undefined)) out.push('hostPath');
  return out;
}

function unexcused(refs: ContainerRef[], idOf: (ref: ContainerRef) => string = (ref) => ref.id): string[] {
  return refs.flatMap((ref) => violations(ref)
    .filter((rule) => !EXCEPTIONS.some((e) => e.container === idOf(ref) && e.rule === rule))
    .map((rule) => `${idOf(ref)}: ${rule}`));
}

/** The injected pod: the template of nginx-injected after the injector (configured as deployed) ran. */
function injectedPod(): { pod: Json; template: PodTemplate } {
  const injector = containersOf(podTemplates(render('k8s/overlays/embedded')).find((p) => p.id === 'Deployment/logging/logship-injector')!)[0]!;
  const loaded = loadConfig(injectorCommand, (injector.container.args as string[]).slice(1), envFor(injector.container));
  if (loaded.ok !== true) throw new Error(`injector config: ${JSON.stringify(loaded)}`);
  const template = podTemplates(render('k8s/examples/nginx-injected'))[0]!;
  const pod: Json = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'storefront-abc', namespace: 'shop', ...structuredClone(template.metadata) }, spec: structuredClone(template.spec) };
  const decision = planInjection(pod, loaded.config);
  if (!decision.inject) throw new Error(`not injected: ${decision.reason}`);
  const patched = fastJsonPatch.applyPatch(pod, decision.patch as Operation[], true, false).newDocument as Json;
  return { pod: patched, template: { owner: pod as unknown as Resource, id: 'injected', metadata: patched.metadata as Json, spec: patched.spec as Json } };
}

/** The environment the container gets: literal values, and stand-ins for Secret and Downward API values. */
function envFor(container: Json): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const entry of envOf(container)) {
    env[String(entry.name)] = typeof entry.value === 'string' ? entry.value : 'value-from-the-cluster';
  }
  return env;
}

function logshipContainers(resources: Resource[]): ContainerRef[] {
  return podTemplates(resources).flatMap(containersOf).filter((ref) => String(ref.container.image).split(/[:@]/)[0]!.endsWith('logship'));
}

describe('the security and resource policy', () => {
  for (const dir of DIRS) {
    it(`holds for every container rendered from ${dir}, except the documented exceptions`, () => {
      const refs = podTemplates(render(dir)).flatMap(containersOf);
      expect(refs.length).toBeGreaterThan(0);
      expect(unexcused(refs)).toEqual([]);
    });
  }

  it('holds for the sidecar the injector adds, except the documented exception', () => {
    const { template } = injectedPod();
    const sidecar = containersOf(template).filter((ref) => ref.name === SIDECAR_NAME);
    expect(sidecar).toHaveLength(1);
    expect(unexcused(sidecar, () => `injected:${SIDECAR_NAME}`)).toEqual([]);
    expect(violations(sidecar[0]!)).toEqual(['readinessProbe']);
  });

  it('flags a container that breaks the rules (the check can fail)', () => {
    const pod: PodTemplate = { owner: {} as Resource, id: 'Deployment/x/bad', metadata: {}, spec: { containers: [{ name: 'bad', image: 'x:1', ports: [{ containerPort: 80 }], securityContext: { runAsUser: 0, capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] } } }] } };
    expect(violations(containersOf(pod)[0]!)).toEqual(['resources', 'livenessProbe', 'readinessProbe', 'runAsNonRoot', 'allowPrivilegeEscalation', 'capabilities', 'seccompProfile', 'readOnlyRootFilesystem']);
  });

  it('uses every listed exception somewhere, and k8s/README.md explains each one', () => {
    const used = new Set<string>();
    for (const dir of DIRS) for (const ref of podTemplates(render(dir)).flatMap(containersOf)) for (const rule of violations(ref)) used.add(`${ref.id} ${rule}`);
    for (const ref of containersOf(injectedPod().template).filter((r) => r.name === SIDECAR_NAME)) for (const rule of violations(ref)) used.add(`injected:${SIDECAR_NAME} ${rule}`);
    for (const exception of EXCEPTIONS) {
      expect(used, `${exception.container} ${exception.rule} is listed but never needed`).toContain(`${exception.container} ${exception.rule}`);
      const workload = exception.container.startsWith('injected:') ? SIDECAR_NAME : exception.container.split(':')[0]!.split('/')[2]!;
      const line = README.split('\n').find((l) => l.includes(`\`${exception.rule}\``) && l.includes(workload));
      expect(line, `k8s/README.md explains ${exception.container} ${exception.rule}`).toBeDefined();
    }
  });

  it('mounts no hostPath anywhere but the collector, and the log directories only read-only', () => {
    for (const dir of DIRS) {
      for (const pod of podTemplates(render(dir))) {
        const hostPaths = ((pod.spec.volumes ?? []) as Json[]).filter((v) => v.hostPath !== undefined);
        if (pod.id !== 'DaemonSet/logging/logship-collector') {
          expect(hostPaths, pod.id).toEqual([]);
          continue;
        }
        const mounts = (containersOf(pod)[0]!.container.volumeMounts ?? []) as Json[];
        const byPath = Object.fromEntries(hostPaths.map((v) => [(v.hostPath as Json).path, mounts.find((m) => m.name === v.name)]));
        expect(Object.keys(byPath).sort()).toEqual(['/var/lib/docker/containers', '/var/lib/logship', '/var/log/pods']);
        expect(byPath['/var/lib/docker/containers']?.readOnly).toBe(true);
        expect(byPath['/var/log/pods']?.readOnly).toBe(true);
        expect(hostPaths.find((v) => (v.hostPath as Json).path === '/var/lib/logship')?.hostPath).toEqual({ path: '/var/lib/logship', type: 'DirectoryOrCreate' });
      }
    }
  });

  it('keeps the pods of namespaces that enforce the restricted Pod Security Standard within its volume types and capabilities, injected ones included', () => {
    const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
    const check = (pod: PodTemplate): string[] => [
      ...((pod.spec.volumes ?? []) as Json[]).flatMap((v) => Object.keys(v).filter((k) => k !== 'name' && !RESTRICTED_VOLUMES.includes(k)).map((k) => `${pod.id}: volume ${String(v.name)} is ${k}`)),
      ...containersOf(pod).flatMap((ref) => ((((ref.container.securityContext as Json | undefined)?.capabilities as Json | undefined)?.add ?? []) as string[]).filter((c) => c !== 'NET_BIND_SERVICE').map((c) => `${ref.id}: adds ${c}`)),
      ...containersOf(pod).flatMap((ref) => violations(ref).filter((r) => ['runAsNonRoot', 'allowPrivilegeEscalation', 'capabilities', 'seccompProfile'].includes(r)).map((r) => `${ref.id}: ${r}`)),
    ];
    let checked = 0;
    for (const dir of DIRS) {
      const resources = render(dir);
      const restricted = new Set(resources.filter((r) => r.kind === 'Namespace' && r.metadata.labels?.['pod-security.kubernetes.io/enforce'] === 'restricted').map((r) => r.metadata.name));
      for (const pod of podTemplates(resources).filter((p) => restricted.has(String(p.owner.metadata.namespace)))) {
        checked++;
        expect(check(pod)).toEqual([]);
      }
    }
    expect(checked).toBeGreaterThanOrEqual(2);
    expect(check(injectedPod().template)).toEqual([]);
  });

  it('never runs privileged, on the host network, or in the host PID or IPC namespaces', () => {
    for (const dir of DIRS) {
      for (const pod of podTemplates(render(dir))) {
        expect([pod.spec.hostNetwork, pod.spec.hostPID, pod.spec.hostIPC].filter((v) => v === true), pod.id).toEqual([]);
        for (const ref of containersOf(pod)) expect((ref.container.securityContext as Json | undefined)?.privileged, ref.id).not.toBe(true);
      }
    }
  });
});

describe('the logship containers in the manifests', () => {
  // nginx-injected has none until the injector adds one (checked with the webhook below).
  for (const dir of DIRS.filter((d) => d !== 'k8s/examples/nginx-injected')) {
    it(`of ${dir} run a logship command whose configuration loads from their environment, every LOGSHIP_ variable being an option`, () => {
      const refs = logshipContainers(render(dir));
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) {
        const [command, ...args] = (ref.container.args ?? []) as string[];
        const spec = COMMANDS[command ?? ''];
        expect(spec, `${ref.id} runs a known command`).toBeDefined();
        const known = new Set(Object.keys(spec!.options.properties).map(envName));
        const unknown = envOf(ref.container).map((e) => String(e.name)).filter((name) => name.startsWith('LOGSHIP_') && !known.has(name));
        expect(unknown, `${ref.id}: environment variables that are not ${command} options`).toEqual([]);
        const loaded = loadConfig(spec!, args, envFor(ref.container));
        expect(loaded.ok === true ? [] : loaded.ok === false ? loaded.errors : ['--help'], ref.id).toEqual([]);
      }
    });
  }

  it('include the injected sidecar, whose environment is a valid sidecar configuration of sidecar options only', () => {
    const sidecar = containersOf(injectedPod().template).find((ref) => ref.name === SIDECAR_NAME)!;
    const [command, ...args] = sidecar.container.args as string[];
    expect(command).toBe('sidecar');
    const known = new Set(Object.keys(sidecarCommand.options.properties).map(envName));
    expect(envOf(sidecar.container).map((e) => String(e.name)).filter((name) => name.startsWith('LOGSHIP_') && !known.has(name))).toEqual([]);
    const loaded = loadConfig(sidecarCommand, args, envFor(sidecar.container));
    expect(loaded.ok === true ? [] : loaded.ok === false ? loaded.errors : ['--help']).toEqual([]);
    const config = loaded.ok === true ? (loaded.config as Json) : {};
    expect(config).toMatchObject({ to: 'http://logship-es.logging.svc:9200', path: ['/var/log/nginx/*.log'], labelsFile: '/etc/podinfo/labels', metricsListen: '0.0.0.0:9464' });
  });

  it('have the aggregator listen beyond loopback only with an auth file, never with --insecure', () => {
    for (const dir of ['k8s/base', 'k8s/overlays/embedded', 'k8s/overlays/forward']) {
      const aggregator = logshipContainers(render(dir)).find((ref) => (ref.container.args as string[])[0] === 'aggregator')!;
      const loaded = loadConfig(aggregatorCommand, [], envFor(aggregator.container));
      if (loaded.ok !== true) throw new Error(JSON.stringify(loaded));
      const config = loaded.config as Json;
      expect(isLoopback(String(config.listen))).toBe(false);
      expect(config.authFile).toBe('/etc/logship/auth/auth.yaml');
      expect(config.insecure).toBe(false);
      const mounts = (aggregator.container.volumeMounts ?? []) as Json[];
      const volume = ((aggregator.pod.spec.volumes ?? []) as Json[]).find((v) => v.name === mounts.find((m) => String(config.authFile).startsWith(`${String(m.mountPath)}/`))?.name);
      expect((volume?.secret as Json | undefined)?.secretName).toBe('logship-auth');
    }
  });

  it('forward to the cluster in the forward overlay only', () => {
    const forwardTo = (dir: string): string | undefined => envValue(logshipContainers(render(dir)).find((ref) => (ref.container.args as string[])[0] === 'aggregator')!.container, 'LOGSHIP_FORWARD_TO');
    expect(forwardTo('k8s/overlays/forward')).toMatch(/^https?:\/\//);
    expect(forwardTo('k8s/overlays/embedded')).toBeUndefined();
    expect(forwardTo('k8s/base')).toBeUndefined();
  });

  it('inject the same image as the one the overlay deploys', () => {
    for (const dir of ['k8s/overlays/embedded', 'k8s/overlays/forward']) {
      const refs = logshipContainers(render(dir));
      const images = new Set(refs.map((ref) => String(ref.container.image)));
      expect(images.size, `${dir} deploys one logship image`).toBe(1);
      const injector = refs.find((ref) => (ref.container.args as string[])[0] === 'injector')!;
      expect(envValue(injector.container, 'LOGSHIP_IMAGE')).toBe([...images][0]);
    }
  });
});

describe('the wiring between the objects', () => {
  for (const dir of DIRS) {
    it(`of ${dir} is consistent: Services select pods with the named ports, probes and mounts name what exists, references resolve`, () => {
      const resources = render(dir);
      const pods = podTemplates(resources);
      const problems: string[] = [];
      const exists = (kind: string, name: string, namespace?: string): boolean => resources.some((r) => r.kind === kind && r.metadata.name === name && (namespace === undefined || r.metadata.namespace === namespace));
      for (const service of resources.filter((r) => r.kind === 'Service')) {
        const spec = service.spec as { selector: Record<string, string>; ports: Json[] };
        const selected = pods.filter((p) => p.owner.metadata.namespace === service.metadata.namespace && Object.entries(spec.selector).every(([k, v]) => (p.metadata.labels as Record<string, string> | undefined)?.[k] === v));
        if (selected.length === 0) problems.push(`Service ${service.metadata.name} selects no pod`);
        for (const port of spec.ports) {
          const target = port.targetPort ?? port.port;
          for (const pod of selected) {
            const ports = containersOf(pod).flatMap((ref) => (ref.container.ports ?? []) as Json[]);
            if (!ports.some((p) => p.name === target || p.containerPort === target)) problems.push(`Service ${service.metadata.name}: ${pod.id} has no port ${String(target)}`);
          }
        }
      }
      for (const pod of pods) {
        const namespace = pod.owner.metadata.namespace;
        const volumes = (pod.spec.volumes ?? []) as Json[];
        const claimTemplates = ((pod.owner.spec as Json | undefined)?.volumeClaimTemplates ?? []) as Json[];
        const volumeNames = new Set([...volumes.map((v) => v.name), ...claimTemplates.map((t) => (t.metadata as Json).name)]);
        for (const ref of containersOf(pod)) {
          for (const mount of (ref.container.volumeMounts ?? []) as Json[]) if (!volumeNames.has(mount.name)) problems.push(`${ref.id} mounts unknown volume ${String(mount.name)}`);
          const ports = ((ref.container.ports ?? []) as Json[]).map((p) => p.name);
          for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
            const port = (((ref.container[probe] as Json | undefined)?.httpGet ?? (ref.container[probe] as Json | undefined)?.tcpSocket) as Json | undefined)?.port;
            if (typeof port === 'string' && !ports.includes(port)) problems.push(`${ref.id} ${probe} names unknown port ${port}`);
          }
          for (const entry of envOf(ref.container)) {
            const secret = ((entry.valueFrom as Json | undefined)?.secretKeyRef as Json | undefined);
            if (secret !== undefined && secret.optional !== true && !exists('Secret', String(secret.name), namespace)) problems.push(`${ref.id} env ${String(entry.name)}: no Secret ${String(secret.name)}`);
          }
        }
        for (const volume of volumes) {
          const secret = volume.secret as Json | undefined;
          const fromCertManager = resources.some((r) => r.kind === 'Certificate' && (r.spec as Json).secretName === secret?.secretName);
          if (secret !== undefined && !exists('Secret', String(secret.secretName), namespace) && !fromCertManager) problems.push(`${pod.id}: no Secret ${String(secret.secretName)}`);
          const configMap = volume.configMap as Json | undefined;
          if (configMap !== undefined && !exists('ConfigMap', String(configMap.name), namespace)) problems.push(`${pod.id}: no ConfigMap ${String(configMap.name)}`);
        }
        const account = pod.spec.serviceAccountName;
        if (typeof account === 'string' && !exists('ServiceAccount', account, namespace)) problems.push(`${pod.id}: no ServiceAccount ${account}`);
        const priority = pod.spec.priorityClassName;
        if (typeof priority === 'string' && !exists('PriorityClass', priority)) problems.push(`${pod.id}: no PriorityClass ${priority}`);
        const selector = ((pod.owner.spec as Json | undefined)?.selector as Json | undefined)?.matchLabels as Record<string, string> | undefined;
        if (selector !== undefined && !Object.entries(selector).every(([k, v]) => (pod.metadata.labels as Record<string, string> | undefined)?.[k] === v)) problems.push(`${pod.id}: selector does not match its template`);
      }
      expect(problems).toEqual([]);
    });
  }
});

describe('the collector DaemonSet', () => {
  const resources = render('k8s/base');
  const pod = podTemplates(resources).find((p) => p.id === 'DaemonSet/logging/logship-collector')!;
  const collector = containersOf(pod)[0]!;

  it('tolerates every taint, so it runs on control-plane and tainted nodes too', () => {
    expect(pod.spec.tolerations).toEqual([{ operator: 'Exists' }]);
  });

  it('knows its node from the Downward API', () => {
    expect(envOf(collector.container).find((e) => e.name === 'NODE_NAME')).toEqual({ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
  });

  it('may only get, list and watch pods and namespaces', () => {
    const role = resources.find((r) => r.kind === 'ClusterRole' && r.metadata.name === 'logship-collector')!;
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list', 'watch'] }]);
    const binding = resources.find((r) => r.kind === 'ClusterRoleBinding' && r.metadata.name === 'logship-collector')!;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: pod.spec.serviceAccountName, namespace: 'logging' }]);
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'logship-collector' });
  });
});

describe('the sidecar injection webhook', () => {
  for (const dir of ['k8s/overlays/embedded', 'k8s/overlays/forward']) {
    it(`of ${dir} ignores failures, has no side effects, speaks v1, opts in per namespace and reaches the injector over a certificate cert-manager issues`, () => {
      const resources = render(dir);
      const webhookConfig = resources.find((r) => r.kind === 'MutatingWebhookConfiguration')!;
      const webhooks = webhookConfig.webhooks as Json[];
      expect(webhooks).toHaveLength(1);
      const webhook = webhooks[0]!;
      expect(webhook).toMatchObject({
        failurePolicy: 'Ignore',
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        namespaceSelector: { matchLabels: { 'logship.io/injection': 'enabled' } },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
      });
      const service = (webhook.clientConfig as Json).service as Json;
      expect(service.path).toBe('/mutate');
      const target = resources.find((r) => r.kind === 'Service' && r.metadata.name === service.name && r.metadata.namespace === service.namespace)!;
      expect(((target.spec as Json).ports as Json[]).map((p) => p.port)).toContain(service.port);
      const [certNamespace, certName] = String(webhookConfig.metadata.annotations?.['cert-manager.io/inject-ca-from']).split('/');
      const certificate = resources.find((r) => r.kind === 'Certificate' && r.metadata.namespace === certNamespace && r.metadata.name === certName)!;
      expect((certificate.spec as Json).dnsNames).toContain(`${String(service.name)}.${String(service.namespace)}.svc`);
      const injector = logshipContainers(resources).find((ref) => (ref.container.args as string[])[0] === 'injector')!;
      const tlsVolume = ((injector.pod.spec.volumes ?? []) as Json[]).find((v) => (v.secret as Json | undefined)?.secretName === (certificate.spec as Json).secretName);
      expect(tlsVolume).toBeDefined();
      const mountPath = ((injector.container.volumeMounts ?? []) as Json[]).find((m) => m.name === tlsVolume?.name)?.mountPath;
      expect(envValue(injector.container, 'LOGSHIP_TLS_CERT_FILE')).toBe(`${String(mountPath)}/tls.crt`);
      expect(envValue(injector.container, 'LOGSHIP_TLS_KEY_FILE')).toBe(`${String(mountPath)}/tls.key`);
    });
  }

  it('turns the nginx-injected example into a valid pod with exactly one sidecar', async () => {
    const { pod } = injectedPod();
    expect(await validateObject(pod)).toEqual([]);
    const spec = pod.spec as Json;
    expect((spec.containers as Json[]).filter((c) => c.name === SIDECAR_NAME)).toHaveLength(1);
  });
});

describe('the nginx sidecar example', () => {
  const resources = render('k8s/examples/nginx-sidecar');
  const pod = podTemplates(resources)[0]!;
  const sidecar = containersOf(pod).find((ref) => ref.name === SIDECAR_NAME)!;

  it('writes its access log in the format the sidecar is told to parse, and the sidecar parses a line of it', () => {
    const configMap = resources.find((r) => r.kind === 'ConfigMap' && r.metadata.name === 'nginx-config')!;
    const conf = String((configMap.data as Json)['nginx.conf']);
    const directive = /log_format\s+(\S+)\s+((?:'[^']*'\s*)+);/.exec(conf);
    expect(directive).not.toBeNull();
    const format = [...directive![2]!.matchAll(/'([^']*)'/g)].map((m) => m[1]).join('');
    expect(conf).toContain(`access_log /var/log/nginx/access.log ${directive![1]};`);
    expect(envValue(sidecar.container, 'LOGSHIP_ACCESS_FORMAT')).toBe(format);
    const parsed = compileAccessFormat(format)('10.0.0.7 - - [24/Nov/2026:05:00:00 +0000] "GET /index.html?q=1 HTTP/1.1" 200 612 "-" "curl/8.5.0" 0.004');
    expect(parsed.ok).toBe(true);
    expect(parsed.ok && parsed.record).toMatchObject({ http: { request: { method: 'GET' }, response: { status_code: 200 } }, event: { duration: 4_000_000 } });
  });

  it('tunes the sidecar\'s memory exactly as the injector does for the sidecars it adds', () => {
    for (const { name, value } of SIDECAR_MEMORY_ENV) expect(envValue(sidecar.container, name), name).toBe(value);
    const injected = containersOf(injectedPod().template).find((ref) => ref.name === SIDECAR_NAME)!;
    for (const { name, value } of SIDECAR_MEMORY_ENV) expect(envValue(injected.container, name), name).toBe(value);
  });

  it('shares an emptyDir with a sizeLimit at /var/log/nginx, and gives the sidecar the Downward API', () => {
    const volumes = (pod.spec.volumes ?? []) as Json[];
    const nginx = containersOf(pod).find((ref) => ref.name === 'nginx')!;
    const logMount = ((nginx.container.volumeMounts ?? []) as Json[]).find((m) => m.mountPath === '/var/log/nginx')!;
    expect((volumes.find((v) => v.name === logMount.name)?.emptyDir as Json | undefined)?.sizeLimit).toBeDefined();
    expect(((sidecar.container.volumeMounts ?? []) as Json[]).find((m) => m.mountPath === '/var/log/nginx')).toEqual({ name: logMount.name, mountPath: '/var/log/nginx', readOnly: true });
    for (const [name, fieldPath] of [['POD_NAME', 'metadata.name'], ['POD_NAMESPACE', 'metadata.namespace'], ['POD_UID', 'metadata.uid'], ['POD_IP', 'status.podIP'], ['NODE_NAME', 'spec.nodeName']]) {
      expect(envOf(sidecar.container).find((e) => e.name === name)).toEqual({ name, valueFrom: { fieldRef: { fieldPath } } });
    }
    const podinfo = ((sidecar.container.volumeMounts ?? []) as Json[]).find((m) => m.mountPath === '/etc/podinfo')!;
    expect(volumes.find((v) => v.name === podinfo.name)?.downwardAPI).toEqual({
      items: [
        { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
        { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
      ],
    });
  });
});
