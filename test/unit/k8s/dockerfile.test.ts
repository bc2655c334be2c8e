import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { copyParts, dockerIgnore, execForm, parseDockerfile, runCommand, type Stage } from './dockerfile.ts';
import { renderKustomization } from '../../helpers/kustomize.ts';
import { containersOf, podTemplates, type Json } from './workloads.ts';
import { SIDECAR_UID } from '../../../aggregator/injector/patch.ts';
import { commands } from '../../../shipper/bin/commands.ts';

const ROOT = join(import.meta.dirname, '../../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string>; engines: { node: string } };
const stages = parseDockerfile(join(ROOT, 'Dockerfile'));
const build = stages.find((s) => s.name === 'build')!;
const runtime = stages.at(-1)!;
const ignored = dockerIgnore(join(ROOT, '.dockerignore'));
const runs = (stage: Stage): string[] => stage.instructions.filter((i) => i.keyword === 'RUN').map(runCommand);
const last = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).at(-1);
/** The npm commands .ci/run runs before the tests. */
const ciNpm = readFileSync(join(ROOT, '.ci/run'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => /^npm (ci|run build)\b/.test(l));
/** The build output of `npm run build` (not in the repository, so not in the build context). */
const BUILD_OUTPUTS = ['aggregator/ui/dist', 'shipper/dist'];

describe('the Dockerfile', () => {
  it('builds in a node:24 stage and runs in node:24-bookworm-slim, as package.json engines require', () => {
    expect(stages.map((s) => [s.image, s.name])).toEqual([['node:24-bookworm', 'build'], ['node:24-bookworm-slim', 'runtime']]);
    const wanted = Number(/>=\s*(\d+)/.exec(pkg.engines.node)?.[1]);
    for (const stage of stages) expect(Number(/^node:(\d+)/.exec(stage.image)?.[1])).toBeGreaterThanOrEqual(wanted);
  });

  it('installs and builds in the build stage exactly as .ci/run does', () => {
    expect(ciNpm).toEqual([expect.stringMatching(/^npm ci\b/), 'npm run build']);
    expect(runs(build)).toEqual(ciNpm);
    expect(pkg.scripts.build).toBe('node aggregator/ui/build.ts && node shipper/bin/bundle.ts');
    expect(readFileSync(join(ROOT, 'aggregator/ui/build.ts'), 'utf8')).toContain("join(here, 'dist')");
    expect(readFileSync(join(ROOT, 'shipper/bin/bundle.ts'), 'utf8')).toContain("join(here, '..', 'dist', 'shippers.mjs')");
  });

  it('installs only production dependencies, without install scripts, in the runtime stage', () => {
    const npm = runs(runtime).filter((command) => command.startsWith('npm '));
    expect(npm).toEqual([expect.stringMatching(/^npm ci --omit=dev --ignore-scripts\b/)]);
    const copies = runtime.instructions.filter((i) => i.keyword === 'COPY').map(copyParts);
    const npmAt = runtime.instructions.findIndex((i) => i.keyword === 'RUN' && runCommand(i).startsWith('npm ci'));
    const lockAt = runtime.instructions.findIndex((i) => i.keyword === 'COPY' && copyParts(i).sources.includes('package-lock.json'));
    expect(lockAt).toBeGreaterThanOrEqual(0);
    expect(lockAt).toBeLessThan(npmAt);
    expect(copies.find((c) => c.sources.includes('package-lock.json'))?.sources).toEqual(['package.json', 'package-lock.json']);
  });

  it('copies only paths that exist in the build context, or the build output from the build stage', () => {
    const problems: string[] = [];
    for (const stage of stages) {
      for (const instruction of stage.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')) {
        const { from, sources } = copyParts(instruction);
        for (const source of sources) {
          const path = from === undefined ? source : source.replace(/^\/src\//, '');
          if (from === 'build' && BUILD_OUTPUTS.includes(path.replace(/\/$/, ''))) continue;
          if (from !== undefined && from !== 'build') problems.push(`line ${instruction.line}: copies from unknown stage ${from}`);
          if (path === '.') continue;
          if (!existsSync(join(ROOT, path))) problems.push(`line ${instruction.line}: ${source} does not exist`);
          else if (ignored(path)) problems.push(`line ${instruction.line}: ${source} is excluded by .dockerignore`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('has a build context with the sources and package files but no dependencies, tests, build output or local data', () => {
    const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    const sent = tracked.filter((f) => !ignored(f));
    expect(sent).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'tsconfig.json', pkg.bin.logship!, 'aggregator/ui/build.ts', 'aggregator/config.ts']));
    expect(sent.filter((f) => /^(test|k8s|\.ci|\.git)\/|\.test\.ts$/.test(f))).toEqual([]);
    for (const path of ['node_modules/fastify/package.json', `${BUILD_OUTPUTS[0]}/index.html`, `${BUILD_OUTPUTS[1]}/shippers.mjs`, 'data/x', 'state/x', 'shipper/node_modules/x']) expect(ignored(path), path).toBe(true);
  });

  it('starts the package bin under tini with the image\'s own node, running a real command by default', () => {
    const entrypoint = execForm(last(runtime, 'ENTRYPOINT')!);
    expect(entrypoint).toEqual(['/usr/bin/tini', '--', 'node', `/app/${pkg.bin.logship}`]);
    expect(existsSync(join(ROOT, pkg.bin.logship!))).toBe(true);
    expect(runs(runtime).some((c) => /apt-get install\b.*\btini\b/.test(c))).toBe(true);
    expect(last(runtime, 'WORKDIR')?.args).toBe('/app');
    const cmd = execForm(last(runtime, 'CMD')!);
    expect(Object.keys(commands)).toContain(cmd[0]);
    // The runtime's node is the image's: the node@24 npm package is a dev dependency, omitted there.
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).dependencies.node).toBeUndefined();
  });

  it('runs as the numeric non-root user the Kubernetes manifests and the injected sidecar expect', () => {
    const user = last(runtime, 'USER')!.args;
    expect(user).toMatch(/^\d+:\d+$/);
    const [uid, gid] = user.split(':').map(Number);
    expect(uid).not.toBe(0);
    expect(uid).toBe(SIDECAR_UID);
    expect(runs(runtime).some((c) => c.includes(`--uid ${uid}`) && c.includes(`--gid ${gid}`))).toBe(true);
    const uids = new Set<unknown>();
    for (const dir of ['k8s/overlays/embedded', 'k8s/examples/nginx-sidecar']) {
      for (const pod of podTemplates(renderKustomization(join(ROOT, dir)))) {
        for (const ref of containersOf(pod).filter((r) => String(r.container.image).startsWith('logship'))) {
          const sc = { ...((pod.spec.securityContext ?? {}) as Json), ...((ref.container.securityContext ?? {}) as Json) };
          if (sc.runAsNonRoot === true) uids.add(sc.runAsUser);
        }
      }
    }
    expect([...uids]).toEqual([uid]);
  });

  it('prepares the writable directories for that user and exposes the ports the manifests use', () => {
    expect(runs(runtime).some((c) => /mkdir -p \/data \/state/.test(c) && /chown 10001:10001 \/data \/state/.test(c))).toBe(true);
    const exposed = last(runtime, 'EXPOSE')!.args.split(' ').map(Number);
    const ports = new Set<number>();
    for (const pod of podTemplates(renderKustomization(join(ROOT, 'k8s/overlays/embedded')))) {
      for (const ref of containersOf(pod)) for (const p of (ref.container.ports ?? []) as Json[]) ports.add(Number(p.containerPort));
    }
    expect(exposed.filter((p) => !ports.has(p))).toEqual([]);
    expect([...ports].filter((p) => !exposed.includes(p))).toEqual([]);
  });
});
