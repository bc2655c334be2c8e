/**
 * The image's runtime stage, run without Docker: its COPY instructions (with the .dockerignore rules)
 * and its npm commands, in order, into a temporary directory; then every command starts from there.
 * That proves the production dependency set is complete: nothing the programs import is a dev dependency.
 * Needs the npm registry (or a warm npm cache).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { copyParts, dockerIgnore, execForm, parseDockerfile, runCommand } from '../../unit/k8s/dockerfile.ts';
import { commands } from '../../../shipper/bin/commands.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../../..');
/** Node 24, as in the image (node:24-bookworm-slim); the node@24 dev dependency provides it here. */
const NODE = join(ROOT, 'node_modules/.bin/node');
const stages = parseDockerfile(join(ROOT, 'Dockerfile'));
const runtime = stages.at(-1)!;
const ignored = dockerIgnore(join(ROOT, '.dockerignore'));

describe('the image\'s runtime stage, replayed in a directory', () => {
  let app: string;
  const env: NodeJS.ProcessEnv = {};
  const skippedRuns: string[] = [];

  beforeAll(async () => {
    app = mkdtempSync(join(tmpdir(), 'logship-image-'));
    const workdir = runtime.instructions.filter((i) => i.keyword === 'WORKDIR').at(-1)!.args;
    for (const instruction of runtime.instructions) {
      if (instruction.keyword === 'ENV') {
        // A path inside the image's working directory points into the replayed directory here.
        for (const [, key, value] of instruction.args.matchAll(/(\w+)=(\S+)/g)) env[key!] = value!.startsWith(`${workdir}/`) ? join(app, relative(workdir, value!)) : value;
      } else if (instruction.keyword === 'COPY') {
        const { from, sources, destination } = copyParts(instruction);
        const target = join(app, relative(workdir, destination.startsWith('/') ? destination : join(workdir, destination)));
        for (const source of sources) {
          // The build stage's output is the repository's own `npm run build` output (CI builds before testing).
          const path = from === 'build' ? source.replace(/^\/src\//, '') : source;
          const origin = join(ROOT, path);
          if (from === 'build' && !existsSync(origin)) continue;
          const into = destination.endsWith('/') && !path.endsWith('/') ? join(target, path.split('/').at(-1)!) : target;
          mkdirSync(dirname(into), { recursive: true });
          cpSync(origin, into, { recursive: true, filter: (file) => from === 'build' || !ignored(relative(ROOT, file)) || file === ROOT });
        }
      } else if (instruction.keyword === 'RUN') {
        const command = runCommand(instruction);
        if (!command.startsWith('npm ')) {
          skippedRuns.push(command);
          continue;
        }
        await run('sh', ['-c', command], { cwd: app, env: { ...process.env, NODE_ENV: env.NODE_ENV ?? 'production' }, maxBuffer: 16 * 1024 * 1024 });
      }
    }
  }, 180_000);

  afterAll(() => {
    if (app !== undefined) rmSync(app, { recursive: true, force: true });
  });

  it('runs only system setup (tini, the user and its directories) outside npm', () => {
    expect(skippedRuns).toEqual([expect.stringMatching(/^apt-get update && apt-get install -y --no-install-recommends tini/), expect.stringMatching(/^groupadd .* && useradd .* && mkdir -p \/data \/state/)]);
  });

  it('installs the production dependencies and none of the packages only dev dependencies need', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const name of Object.keys(pkg.dependencies)) expect(existsSync(join(app, 'node_modules', name, 'package.json')), name).toBe(true);
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([path, entry]) => path.startsWith('node_modules/') && entry.dev === true).map(([path]) => path);
    expect(devOnly).toEqual(expect.arrayContaining(['node_modules/node', 'node_modules/vitest', 'node_modules/typescript', 'node_modules/kubernetes-models']));
    expect(devOnly.filter((path) => existsSync(join(app, path)))).toEqual([]);
  });

  it('contains the sources but not the tests', () => {
    expect(existsSync(join(app, 'shipper/bin/logship.js'))).toBe(true);
    expect(existsSync(join(app, 'aggregator/injector/main.ts'))).toBe(true);
    expect(existsSync(join(app, 'test'))).toBe(false);
  });

  it('prints the help of every command from the image\'s entrypoint', async () => {
    const entrypoint = execForm(runtime.instructions.filter((i) => i.keyword === 'ENTRYPOINT').at(-1)!);
    const bin = join(app, relative('/app', entrypoint.at(-1)!));
    for (const name of Object.keys(commands)) {
      const { stdout } = await run(NODE, [bin, name, '--help'], { cwd: app, env: { ...process.env, ...env } });
      expect(stdout, name).toContain(`logship ${name} — `);
      expect(stdout, name).toContain('--log-level');
    }
  });

  it('runs the sidecar and collector from the shipper bundle the build stage made', () => {
    expect(env.LOGSHIP_BUNDLE).toBe(join(app, 'shipper/dist/shippers.mjs'));
    expect(existsSync(env.LOGSHIP_BUNDLE!)).toBe(true);
  });

  it('loads every program, injector included, with only the production dependencies', async () => {
    const mains = ['aggregator/main.ts', 'aggregator/injector/main.ts', 'shipper/sidecar/main.ts', 'shipper/collector/main.ts', 'shipper/demo/main.ts'];
    const script = mains.map((m) => `await import(${JSON.stringify(`./${m}`)});`).join('\n');
    const { stdout, stderr } = await run(NODE, ['--input-type=module', '-e', `${script}\nprocess.stdout.write('loaded\\n');`], { cwd: app, env: { ...process.env, ...env } });
    expect(stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find package/);
    expect(stdout).toBe('loaded\n');
  });
});
