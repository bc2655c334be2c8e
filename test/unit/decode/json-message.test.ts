import { describe, expect, it } from 'vitest';
import { containerRecord } from '../../../shipper/decode/container-record.ts';
import type { ContainerEntry } from '../../../shipper/decode/container-entry.ts';
import { createDecoder } from '../../../shipper/decode/decoder.ts';
import { mergeJsonMessage } from '../../../shipper/decode/json-message.ts';
import { WORKLOAD_SAMPLES, corpusPath, decodeAll, readLines, workloadStdout } from './corpus.ts';

describe('JSON messages: ECS keys where ECS puts them, the rest under json', () => {
  it('lifts the ECS-shaped line of the workload (dotted keys) and keeps nothing else', () => {
    const ecsLine = workloadStdout(1)[1]!;
    expect(mergeJsonMessage(ecsLine)).toEqual({
      ok: true,
      fields: {
        '@timestamp': '2026-11-23T06:00:00.123000000Z',
        log: { level: 'info' },
        message: 'listening on :8080',
        ecs: { version: '1.6.0' },
        service: { name: 'demo-app' },
      },
    });
  });

  it('maps the pino line\'s numeric level 30 to info and msg to message, the rest under json as written', () => {
    const pinoLine = workloadStdout(1)[2]!;
    const { ok, fields } = mergeJsonMessage(pinoLine);
    const original = JSON.parse(pinoLine) as Record<string, unknown>;
    const { level: _level, msg: _msg, ...rest } = original;
    expect(ok).toBe(true);
    expect(fields).toEqual({ log: { level: 'info' }, message: 'request completed', json: rest });
  });

  it.each([[10, 'trace'], [20, 'debug'], [40, 'warn'], [50, 'error'], [60, 'fatal'], [35, '35']])('maps numeric level %i to %s', (level, expected) => {
    expect(mergeJsonMessage(JSON.stringify({ level })).fields).toEqual({ log: { level: expected } });
  });

  it('lifts the zap line\'s string error to error.message and keeps its stack trace text under json', () => {
    const zap = '{"level":"error","ts":1795413601.5,"caller":"server/server.go:217","msg":"upstream timeout","error":"context deadline exceeded","stacktrace":"main.run\\n\\t/app/main.go:217"}';
    expect(mergeJsonMessage(zap).fields).toEqual({
      log: { level: 'error' },
      message: 'upstream timeout',
      error: { message: 'context deadline exceeded' },
      json: { ts: 1795413601.5, caller: 'server/server.go:217', stacktrace: 'main.run\n\t/app/main.go:217' },
    });
  });

  it('reads nested ECS objects, pino\'s err object and trace ids, leaving unknown nested keys in place', () => {
    const line = JSON.stringify({
      log: { level: 'warn', logger: 'db', file: 'x' },
      err: { type: 'TypeError', message: 'boom', stack: 'TypeError: boom\n    at f' },
      'trace.id': 'abc',
      span_id: 'def',
      service: { name: 'api', owner: 'team-a' },
    });
    expect(mergeJsonMessage(line).fields).toEqual({
      log: { level: 'warn', logger: 'db' },
      error: { type: 'TypeError', message: 'boom', stack_trace: 'TypeError: boom\n    at f' },
      trace: { id: 'abc' },
      span: { id: 'def' },
      service: { name: 'api' },
      json: { log: { file: 'x' }, service: { owner: 'team-a' } },
    });
  });

  it('prefers the ECS spelling when both message and msg, or log.level and level, are present', () => {
    expect(mergeJsonMessage('{"msg":"short","message":"long","level":"debug","log.level":"info"}').fields).toEqual({
      message: 'long',
      log: { level: 'info' },
      json: { msg: 'short', level: 'debug' },
    });
  });

  it('keeps values of the wrong type, and fields the collector owns, under json so they cannot break the mapping', () => {
    const line = JSON.stringify({ '@timestamp': 'yesterday', event: 'login', 'http.response.status_code': 'OK', kubernetes: { pod: 'x' }, 'event.dataset': 'mine', message: { nested: true }, stream: 'x' });
    const { fields } = mergeJsonMessage(line);
    expect(fields).toEqual({ json: JSON.parse(line) });
  });

  it.each([
    ['fluent-bit invalid-json sample', 'fluent-bit_options_merge-log-enabled_invalid-json.log'],
    ['fluent-bit raw-newline sample', 'fluent-bit_options_merge-log-trim-enabled_json.log'],
  ])('leaves the %s as a plain message', (_, file) => {
    const [entry] = decodeAll(createDecoder({ format: 'docker', maxBytes: 1 << 20 }), readLines(corpusPath('docker-json-file/public', file)));
    expect(mergeJsonMessage(entry!.message)).toEqual({ ok: false, fields: {} });
    expect(containerRecord(entry!, { parseJson: true }).message).toBe(entry!.message);
  });

  it('puts the fluent-bit merge-log sample\'s text field under json', () => {
    const [entry] = decodeAll(createDecoder({ format: 'docker', maxBytes: 1 << 20 }), readLines(corpusPath('docker-json-file/public/fluent-bit_options_merge-log-enabled_json.log')));
    expect(containerRecord(entry!, { parseJson: true })).toEqual({
      '@timestamp': '2019-04-01T17:58:33.598656444Z',
      message: '{"text":"Simple text"}',
      stream: 'stdout',
      log: { offset: 0 },
      json: { text: 'Simple text' },
    });
  });

  it.each(['', '[1,2]', '"text"', '{', '{"a":1} trailing', 'null', '{"__proto__":{"polluted":true}}'])('does not crash on %j', (text) => {
    const result = mergeJsonMessage(text);
    expect(typeof result.ok).toBe('boolean');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('the container record', () => {
  const base: ContainerEntry = { message: 'hello', stream: 'stderr', timestamp: '2026-11-23T06:00:00.000000001Z', offset: 42, endOffset: 99, format: 'cri' };

  it('carries time, message, stream and offset for a plain line', () => {
    expect(containerRecord(base, { parseJson: true })).toEqual({ '@timestamp': base.timestamp, message: 'hello', stream: 'stderr', log: { offset: 42 } });
  });

  it('leaves @timestamp to the caller when the runtime gave none', () => {
    expect(containerRecord({ ...base, timestamp: '' }, { parseJson: false })).not.toHaveProperty('@timestamp');
  });

  it('flags joined and cut entries the way Filebeat does', () => {
    expect(containerRecord({ ...base, joinedLines: 3, truncated: true }, { parseJson: true }).log).toEqual({ offset: 42, flags: ['multiline', 'truncated'] });
  });

  it('tags a line that did not decode as a parse failure with its raw text', () => {
    expect(containerRecord({ ...base, message: '"log":"x"}', error: 'not a docker json-file entry', timestamp: '' }, { parseJson: true })).toEqual({
      message: '"log":"x"}', stream: 'stderr', log: { offset: 42 }, error: { message: 'not a docker json-file entry' }, tags: ['logship_parse_failure'],
    });
  });

  it('lets a JSON message\'s own valid @timestamp and message replace the runtime\'s, and leaves JSON alone when asked to', () => {
    const json = { ...base, message: '{"@timestamp":"2026-11-23T05:00:00Z","message":"inner","log.level":"warn"}' };
    expect(containerRecord(json, { parseJson: true })).toEqual({ '@timestamp': '2026-11-23T05:00:00.000000000Z', message: 'inner', stream: 'stderr', log: { offset: 42, level: 'warn' } });
    expect(containerRecord(json, { parseJson: false }).message).toBe(json.message);
  });

  it('builds a record for every entry of every workload capture without losing a message', () => {
    for (const sample of WORKLOAD_SAMPLES) {
      const entries = decodeAll(createDecoder({ format: 'auto', maxBytes: 1 << 20 }), readLines(sample.path));
      const records = entries.map((entry) => containerRecord(entry, { parseJson: true }));
      expect(records.filter((r) => typeof r.message !== 'string' || r.stream === undefined)).toEqual([]);
      expect(records.filter((r) => r.json !== undefined || (r.log as { level?: string }).level !== undefined)).toHaveLength(4);
    }
  });
});

describe('hostile keys', () => {
  it('keeps a "__proto__" key as data under json instead of changing any prototype', () => {
    const { fields } = mergeJsonMessage('{"__proto__":{"polluted":true},"msg":"m"}');
    const json = fields.json as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(fields))).toEqual({ message: 'm', json: JSON.parse('{"__proto__":{"polluted":true}}') });
  });
});
