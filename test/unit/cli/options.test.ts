import { describe, expect, it } from 'vitest';
import { Type, defineCommand, envName, flagName, loadConfig, renderHelp } from '../../../shipper/kit/options.ts';
import { parseByteSize, parseDuration } from '../../../shipper/kit/units.ts';

const spec = defineCommand({
  name: 'example',
  summary: 'An example command.',
  options: Type.Object({
    to: Type.String({ format: 'uri', default: 'http://127.0.0.1:9200', description: 'Where to send.' }),
    batchMaxBytes: Type.Integer({ minimum: 1024, default: 4096, 'x-unit': 'bytes', description: 'Batch size.' }),
    wait: Type.Integer({ minimum: 1, default: 200, 'x-unit': 'ms', description: 'Wait.' }),
    path: Type.Array(Type.String(), { default: ['/var/log/nginx/*.log'], description: 'Globs.' }),
    gzip: Type.Boolean({ default: true, description: 'Compress.' }),
    mode: Type.Union([Type.Literal('beginning'), Type.Literal('end')], { default: 'beginning', description: 'Start.' }),
  }),
});

describe('configuration from flags, environment and defaults', () => {
  it('maps property names to kebab-case flags and LOGSHIP_ environment variables', () => {
    expect(flagName('batchMaxBytes')).toBe('batch-max-bytes');
    expect(envName('stateDir')).toBe('LOGSHIP_STATE_DIR');
  });

  it('fills defaults when nothing is given', () => {
    const result = loadConfig(spec, [], {});
    expect(result.ok).toBe(true);
    if (result.ok === true) expect(result.config).toEqual({ to: 'http://127.0.0.1:9200', batchMaxBytes: 4096, wait: 200, path: ['/var/log/nginx/*.log'], gzip: true, mode: 'beginning' });
  });

  it('lets flags win over the environment, and reads units, lists and negated booleans', () => {
    const result = loadConfig(spec, ['--batch-max-bytes', '2MiB', '--path', '/a/*.log', '--path=/b/*.log', '--no-gzip', '--wait', '5s'], {
      LOGSHIP_BATCH_MAX_BYTES: '8KiB', LOGSHIP_TO: 'https://es.example.test:9200', LOGSHIP_MODE: 'end',
    });
    expect(result.ok).toBe(true);
    if (result.ok === true) {
      expect(result.config.batchMaxBytes).toBe(2 * 1024 * 1024);
      expect(result.config.to).toBe('https://es.example.test:9200');
      expect(result.config.path).toEqual(['/a/*.log', '/b/*.log']);
      expect(result.config.gzip).toBe(false);
      expect(result.config.wait).toBe(5000);
      expect(result.config.mode).toBe('end');
    }
  });

  it('reports every problem at once, each naming its option', () => {
    const result = loadConfig(spec, ['--to', 'not-a-url', '--batch-max-bytes', '-1', '--mode', 'middle', '--bogus', 'x', '--wait', 'soon'], {});
    expect(result.ok).toBe(false);
    if (result.ok === false) {
      const text = result.errors.join('\n');
      expect(text).toMatch(/--to: must be an http/);
      expect(text).toMatch(/--batch-max-bytes: .*1024.*got -1/);
      expect(text).toMatch(/--mode: must be one of beginning, end/);
      expect(text).toMatch(/--bogus: unknown option/);
      expect(text).toMatch(/--wait: "soon" is not a duration/);
    }
  });

  it('generates --help from the schema with every option, its variable and default', () => {
    const help = renderHelp(spec);
    for (const flag of ['--to', '--batch-max-bytes', '--wait', '--path', '--gzip', '--mode']) expect(help).toContain(flag);
    expect(help).toContain('LOGSHIP_BATCH_MAX_BYTES');
    expect(help).toContain('(default: http://127.0.0.1:9200)');
  });
});

describe('human-written sizes and durations', () => {
  it.each([
    ['512', 512], ['10KiB', 10240], ['10kb', 10000], ['1.5MiB', 1572864], ['2GiB', 2147483648], ['-1', -1],
  ])('reads the size %s as %d bytes', (text, bytes) => expect(parseByteSize(text)).toBe(bytes));

  it.each([['250ms', 250], ['5s', 5000], ['2m', 120000], ['1h', 3600000], ['7d', 604800000], ['40', 40]])(
    'reads the duration %s as %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it('refuses unknown units instead of guessing', () => {
    expect(parseByteSize('10 parsecs')).toBeUndefined();
    expect(parseDuration('soon')).toBeUndefined();
  });
});
