import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { withConfigReference } from '../../../shipper/bin/config-docs.ts';

const run = promisify(execFile);
const NODE = new URL('../../../node_modules/.bin/node', import.meta.url).pathname;
const CLI = new URL('../../../shipper/bin/logship.js', import.meta.url).pathname;

async function logship(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(NODE, [CLI, ...args], { env: { ...process.env, LOGSHIP_LOG_LEVEL: 'silent' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the logship command', () => {
  it('runs on Node 24 even where the system Node is older', async () => {
    const { stdout } = await run(NODE, ['-p', 'process.versions.node']);
    expect(Number(stdout.split('.')[0])).toBeGreaterThanOrEqual(24);
  });

  it('lists its commands', async () => {
    const { code, stdout } = await logship('--help');
    expect(code).toBe(0);
    for (const name of ['aggregator', 'sidecar', 'collector', 'demo']) expect(stdout).toContain(name);
  });

  it.each(['aggregator', 'sidecar', 'collector', 'demo'])('prints the options of %s with their defaults', async (name) => {
    const { code, stdout } = await logship(name, '--help');
    expect(code).toBe(0);
    expect(stdout).toContain(`logship ${name}`);
    expect(stdout).toContain('--log-level');
    expect(stdout).toContain('(default: info)');
  });

  it('stops with exit code 2 naming every invalid option', async () => {
    const { code, stderr } = await logship('sidecar', '--to', 'not-a-url', '--batch-max-bytes', '-1');
    expect(code).toBe(2);
    expect(stderr).toContain('--to');
    expect(stderr).toContain('--batch-max-bytes');
  });

  it('reads options from the environment and names them when invalid', async () => {
    try {
      await run(NODE, [CLI, 'collector'], { env: { ...process.env, LOGSHIP_BATCH_MAX_DOCS: 'many' } });
      expect.unreachable('collector should refuse the configuration');
    } catch (error) {
      const e = error as { code: number; stderr: string };
      expect(e.code).toBe(2);
      expect(e.stderr).toContain('--batch-max-docs');
    }
  });

  it('keeps the README configuration reference identical to the schemas', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    // On failure: node shipper/bin/config-docs.ts --write
    expect(readme).toBe(withConfigReference(readme));
  });
});
