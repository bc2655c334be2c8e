import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { eventually } from '../../helpers/eventually.ts';
import { runTailer, tempDir, type RunningTailer } from './harness.ts';

let dir: string;
let cleanup: () => Promise<void>;
let running: RunningTailer | undefined;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('errors'));
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
  await cleanup();
});

describe('tailer: paths that cannot be tailed', () => {
  it('skips a directory matched by the glob, counts it, and keeps reading the other files', async () => {
    mkdirSync(join(dir, 'weird.log'));
    writeFileSync(join(dir, 'good.log'), 'fine\n');
    running = await runTailer(join(dir, 'state'), { include: [join(dir, '*.log')] });
    await eventually(() => expect(running!.texts()).toEqual(['fine']));
    expect(await running.metric('logship_tail_errors_total', { reason: 'directory' })).toBeGreaterThanOrEqual(1);
    appendFileSync(join(dir, 'good.log'), 'still fine\n');
    await eventually(() => expect(running!.texts()).toEqual(['fine', 'still fine']));
  });

  it('skips a symbolic link loop, counts it, and keeps reading the other files', async () => {
    symlinkSync(join(dir, 'loop-a.log'), join(dir, 'loop-b.log'));
    symlinkSync(join(dir, 'loop-b.log'), join(dir, 'loop-a.log'));
    writeFileSync(join(dir, 'good.log'), 'fine\n');
    running = await runTailer(join(dir, 'state'), { include: [join(dir, '*.log')] });
    await eventually(() => expect(running!.texts()).toEqual(['fine']));
    expect(await running.metric('logship_tail_errors_total', { reason: 'symlink_loop' })).toBeGreaterThanOrEqual(1);
  });

  it('follows a symbolic link to a file once, under the link\'s path', async () => {
    writeFileSync(join(dir, 'real.txt'), 'through the link\n');
    symlinkSync(join(dir, 'real.txt'), join(dir, 'linked.log'));
    running = await runTailer(join(dir, 'state'), { include: [join(dir, '*.log')] });
    await eventually(() => expect(running!.received.map((line) => [line.text, line.path])).toEqual([['through the link', join(dir, 'linked.log')]]));
  });

  it('skips a file it may not read, counts it, and keeps reading the other files (as an unprivileged user)', async () => {
    // Root reads every file, so the tailer runs in a child process as "nobody".
    const nobody = 65534;
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'secret.log'), 'hidden\n');
    chmodSync(join(dir, 'secret.log'), 0o600);
    writeFileSync(join(dir, 'open.log'), 'visible\n');
    chmodSync(join(dir, 'open.log'), 0o644);
    const stateDir = join(dir, 'state');
    mkdirSync(stateDir);
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownSync(stateDir, nobody, nobody);
    else chmodSync(join(dir, 'secret.log'), 0o000);
    const { stdout } = await promisify(execFile)(process.execPath, [join(import.meta.dirname, 'unprivileged-child.ts'), dir, stateDir], {
      ...(asRoot ? { uid: nobody, gid: nobody } : {}), cwd: join(import.meta.dirname, '../../..'), timeout: 20_000,
    });
    const result = JSON.parse(stdout) as { texts: string[]; permissionErrors: number };
    expect(result.texts).toEqual(['visible']);
    expect(result.permissionErrors).toBeGreaterThanOrEqual(1);
  });
});
