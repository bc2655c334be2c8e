/**
 * rsyslog's omelasticsearch (Debian packages `rsyslog` and `rsyslog-elasticsearch`) shipping a file to the
 * aggregator for real: rsyslogd runs in the foreground with a temporary config (imfile → omelasticsearch,
 * bulk mode), and afterwards the index holds exactly the lines written, byte for byte.
 * Without rsyslog installed the test is skipped with a printed reason, except under CI=true, where it fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAggregator, type AggregatorProcess } from '../../helpers/aggregator-process.ts';
import { eventually } from '../../helpers/eventually.ts';
import { rsyslogToElasticsearch } from '../../helpers/rsyslog-config.ts';

function rsyslogMissing(): string | undefined {
  if (spawnSync('rsyslogd', ['-v']).error !== undefined) return 'rsyslogd is not installed (apt-get install rsyslog rsyslog-elasticsearch)';
  const libs = ['/usr/lib', '/usr/lib64', ...readdirSync('/usr/lib').filter((d) => d.endsWith('-linux-gnu')).map((d) => join('/usr/lib', d))];
  if (!libs.some((dir) => existsSync(join(dir, 'rsyslog', 'omelasticsearch.so')))) return 'omelasticsearch is not installed (apt-get install rsyslog-elasticsearch)';
  return undefined;
}

const missing = rsyslogMissing();
if (missing !== undefined && process.env.CI === 'true') throw new Error(`CI needs rsyslog for this test: ${missing}`);

let aggregator: AggregatorProcess | undefined;
let dir: string;
let rsyslog: ChildProcess | undefined;

beforeAll(async () => {
  if (missing !== undefined) return;
  aggregator = await startAggregator();
  dir = await mkdtemp(join(tmpdir(), 'logship-rsyslog-'));
  await mkdir(join(dir, 'work'));
});
afterAll(async () => {
  rsyslog?.kill('SIGKILL');
  await aggregator?.cleanup();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});


describe('rsyslog omelasticsearch', () => {
  it('delivers exactly the lines of a file, in bulk mode', async (context) => {
    if (missing !== undefined || aggregator === undefined) {
      console.warn(`skipping the rsyslog test: ${missing}`);
      context.skip();
      return;
    }
    const lines = Array.from({ length: 300 }, (_, n) => `request ${n} path="/a b" back\\slash ünïcode ${'x'.repeat(n % 7)}`);
    await writeFile(join(dir, 'app.log'), `${lines.slice(0, 150).join('\n')}\n`);
    await writeFile(join(dir, 'rsyslog.conf'), rsyslogToElasticsearch({ workDirectory: join(dir, 'work'), file: join(dir, 'app.log'), port: aggregator.port, index: 'rsyslog-app', actionParameters: `errorfile="${join(dir, 'es-errors.log')}"` }));
    rsyslog = spawn('rsyslogd', ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslog.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let rsyslogOutput = '';
    rsyslog.stdout?.on('data', (chunk: Buffer) => (rsyslogOutput += chunk.toString()));
    rsyslog.stderr?.on('data', (chunk: Buffer) => (rsyslogOutput += chunk.toString()));
    await appendFile(join(dir, 'app.log'), `${lines.slice(150).join('\n')}\n`);

    const url = aggregator.url;
    const count = async (): Promise<number> => {
      await fetch(`${url}/rsyslog-app/_refresh`, { method: 'POST' });
      const response = await fetch(`${url}/rsyslog-app/_count`);
      return response.status === 200 ? ((await response.json()) as { count: number }).count : 0;
    };
    await eventually(async () => expect(await count()).toBe(lines.length), { timeoutMs: 30_000, intervalMs: 200 }).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\nrsyslogd said:\n${rsyslogOutput}`);
    });

    const stopped = new Promise((resolve) => rsyslog!.once('exit', resolve));
    rsyslog.kill('SIGTERM');
    await stopped;
    expect(await count()).toBe(lines.length);
    const search = await fetch(`${url}/rsyslog-app/_search?size=1000&filter_path=hits.hits._source.message`).then((r) => r.json()) as { hits: { hits: Array<{ _source: { message: string } }> } };
    expect(search.hits.hits.map((hit) => hit._source.message).sort()).toEqual([...lines].sort());
  });
});
