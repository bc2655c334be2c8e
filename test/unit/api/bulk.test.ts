import { describe, expect, it } from 'vitest';
import { buildTestApp } from './build-test-app.ts';
import { eventually } from '../../helpers/eventually.ts';

const ndjson = { 'content-type': 'application/x-ndjson' };

function lines(...objects: unknown[]): string {
  return objects.map((o) => (typeof o === 'string' ? o : JSON.stringify(o))).join('\n') + '\n';
}

describe('_bulk', () => {
  it('answers compact {"took","errors","items"} in that key order, which Fluent Bit substring-matches', async () => {
    const { app } = buildTestApp();
    const response = await app.inject({ method: 'POST', url: '/_bulk', headers: ndjson, payload: lines({ create: { _index: 'logs', _id: 'a' } }, { message: 'one' }) });
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatch(/^\{"took":\d+,"errors":false,"items":\[\{"create":\{"_index":"logs","_id":"a",/);
    expect(response.body).toContain('"errors":false,"items":[');
  });

  it('reports a 409 item for create on an existing id and sets errors', async () => {
    const { app } = buildTestApp();
    const body = lines({ create: { _index: 'logs', _id: 'a' } }, { n: 1 }, { create: { _index: 'logs', _id: 'a' } }, { n: 2 });
    const response = await app.inject({ method: 'POST', url: '/_bulk', headers: ndjson, payload: body });
    const { errors, items } = response.json();
    expect(errors).toBe(true);
    expect(items[0].create.status).toBe(201);
    expect(items[1].create.status).toBe(409);
    expect(items[1].create.error.type).toBe('version_conflict_engine_exception');
  });

  it('turns every action kind into the matching store op, with the path index as default', async () => {
    const { app, store } = buildTestApp();
    const body = lines(
      { index: { _id: '1' } }, { a: 1 },
      { index: { _id: '2', op_type: 'create', pipeline: 'p1' } }, { a: 2 },
      { create: { _index: 'other' } }, { a: 3 },
      { update: { _id: '1', retry_on_conflict: 3 } }, { doc: { b: 1 }, doc_as_upsert: true },
      { update: { _id: '9' } }, { upsert: { c: 1 }, doc: { c: 2 } },
      { delete: { _id: 2 } },
    );
    const response = await app.inject({ method: 'PUT', url: '/logs/_bulk?pipeline=default-pipe&refresh=wait_for', headers: ndjson, payload: body });
    expect(response.statusCode).toBe(200);
    const [ops, refresh] = store.calls.find((c) => c.method === 'bulk')!.args;
    expect(refresh).toBe('wait_for');
    expect(ops).toEqual([
      { op: 'index', index: 'logs', id: '1', doc: { a: 1 }, sourceJson: '{"a":1}', pipeline: 'default-pipe' },
      { op: 'create', index: 'logs', id: '2', doc: { a: 2 }, sourceJson: '{"a":2}', pipeline: 'p1' },
      { op: 'create', index: 'other', doc: { a: 3 }, sourceJson: '{"a":3}', pipeline: 'default-pipe' },
      { op: 'update', index: 'logs', id: '1', doc: { b: 1 }, docAsUpsert: true },
      { op: 'update', index: 'logs', id: '9', doc: { c: 2 }, upsert: { c: 1 } },
      { op: 'delete', index: 'logs', id: '2' },
    ]);
    expect(response.json().items.map((item: object) => Object.keys(item)[0])).toEqual(['index', 'create', 'create', 'update', 'update', 'delete']);
  });

  it('accepts a body without the final newline and with CRLF line ends', async () => {
    const { app, store } = buildTestApp();
    const noFinal = await app.inject({ method: 'POST', url: '/_bulk', headers: ndjson, payload: '{"create":{"_index":"logs","_id":"1"}}\n{"m":1}' });
    expect(noFinal.statusCode).toBe(200);
    const crlf = await app.inject({ method: 'POST', url: '/_bulk', headers: ndjson, payload: '{"create":{"_index":"logs","_id":"2"}}\r\n{"m":2}\r\n' });
    expect(crlf.statusCode).toBe(200);
    expect([...store.indices.get('logs')!.keys()]).toEqual(['1', '2']);
  });

  it('treats the body as NDJSON whatever the content type says', async () => {
    const { app, store } = buildTestApp();
    for (const type of ['application/json', 'text/plain', 'application/vnd.elasticsearch+json; compatible-with=8']) {
      const response = await app.inject({ method: 'POST', url: '/_bulk', headers: { 'content-type': type }, payload: lines({ index: { _index: 'logs' } }, { type }) });
      expect(response.statusCode).toBe(200);
    }
    expect(store.indices.get('logs')?.size).toBe(3);
  });

  it('fails the whole request on a malformed action line, naming the line, and applies nothing', async () => {
    const { app, store } = buildTestApp();
    const body = lines({ create: { _index: 'logs', _id: '1' } }, { ok: true }, '{"create": {"_index": "logs"', { broken: true });
    const response = await app.inject({ method: 'POST', url: '/_bulk', headers: ndjson, payload: body });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.type).toBe('illegal_argument_exception');
    expect(response.json().error.reason).toContain('line [3]');
    expect(store.calls.some((c) => c.method === 'bulk')).toBe(false);
    const next = await app.inject({ method: 'POST', url: '/_bulk', headers: ndjson, payload: lines({ create: { _index: 'logs', _id: '1' } }, { ok: true }) });
    expect(next.statusCode).toBe(200);
  });

  it.each([
    ['an unknown action', '{"upsert":{"_index":"x"}}', 'expected one of [create, delete, index, update] but found [upsert]'],
    ['two actions on one line', '{"index":{},"create":{}}', 'expected one action'],
    ['an action that is not an object', '{"index":"x"}', 'expected START_OBJECT'],
    ['an unknown metadata key', '{"index":{"_index":"x","colour":"red"}}', 'unknown parameter [colour]'],
    ['a JSON array', '[1,2]', 'Malformed action/metadata line [1]'],
  ])('rejects %s with a 400 naming line 1', async (_case, actionLine, reason) => {
    const { app } = buildTestApp();
    const response = await app.inject({ method: 'POST', url: '/_bulk', headers: ndjson, payload: `${actionLine}\n{"a":1}\n` });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.reason).toContain(reason);
    expect(response.json().error.reason).toContain('[1]');
  });

  it('fails the whole request when an action has no index anywhere, like ES', async () => {
    const { app } = buildTestApp();
    const response = await app.inject({ method: 'POST', url: '/_bulk', headers: ndjson, payload: lines({ index: {} }, { a: 1 }) });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.type).toBe('action_request_validation_exception');
    expect(response.json().error.reason).toBe('Validation Failed: 1: index is missing;');
  });

  it('rejects an empty bulk body', async () => {
    const { app } = buildTestApp();
    const response = await app.inject({ method: 'POST', url: '/_bulk', headers: ndjson, payload: '\n' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.reason).toContain('no requests added');
  });

  it('a source line that is not a JSON object fails only its own item, as in ES', async () => {
    const { app, store } = buildTestApp();
    const body = lines({ create: { _index: 'logs', _id: '1' } }, '{"message": "cut off', { create: { _index: 'logs', _id: '2' } }, { message: 'fine' });
    const response = await app.inject({ method: 'POST', url: '/_bulk', headers: ndjson, payload: body });
    expect(response.statusCode).toBe(200);
    const { errors, items } = response.json();
    expect(errors).toBe(true);
    expect(items[0].create.status).toBe(400);
    expect(items[0].create.error.type).toBe('document_parsing_exception');
    expect(items[0].create.error.reason).toContain('line [2]');
    expect(items[1].create.status).toBe(201);
    expect([...store.indices.get('logs')!.keys()]).toEqual(['2']);
  });

  it('optimistic concurrency metadata fails its item plainly instead of being ignored', async () => {
    const { app, store } = buildTestApp();
    const body = lines({ index: { _index: 'logs', _id: '1', if_seq_no: 3, if_primary_term: 1 } }, { a: 1 }, { delete: { _index: 'logs', _id: '2', version: 4 } }, { index: { _index: 'logs', _id: '3' } }, { a: 3 });
    const { items } = (await app.inject({ method: 'POST', url: '/_bulk', headers: ndjson, payload: body })).json();
    expect(items.map((item: Record<string, { status: number }>) => Object.values(item)[0]!.status)).toEqual([400, 400, 201]);
    expect(items[0].index.error.reason).toContain('does not support [if_seq_no]');
    expect(store.calls.find((c) => c.method === 'bulk')!.args[0]).toEqual([{ op: 'index', index: 'logs', id: '3', doc: { a: 3 }, sourceJson: '{"a":3}' }]);
    const single = await app.inject({ method: 'PUT', url: '/logs/_doc/1?if_seq_no=1&if_primary_term=1', headers: { 'content-type': 'application/json' }, payload: '{}' });
    expect(single.statusCode).toBe(400);
  });

  it('an empty _id is an item error while its neighbours succeed', async () => {
    const { app } = buildTestApp();
    const body = lines({ index: { _index: 'logs', _id: '' } }, { a: 1 }, { index: { _index: 'logs', _id: 'x' } }, { a: 2 });
    const { items } = (await app.inject({ method: 'POST', url: '/_bulk', headers: ndjson, payload: body })).json();
    expect(items[0].index.status).toBe(400);
    expect(items[0].index.error.reason).toBe('if _id is specified it must not be empty');
    expect(items[1].index.status).toBe(201);
  });

  it('accepts and ignores the removed _type, with an ES-style Warning header', async () => {
    const { app, store } = buildTestApp();
    const response = await app.inject({ method: 'POST', url: '/_bulk', headers: ndjson, payload: lines({ index: { _index: 'logs', _type: '_doc', _id: '1' } }, { a: 1 }) });
    expect(response.statusCode).toBe(200);
    expect(String(response.headers.warning)).toMatch(/^299 Elasticsearch-8\.19\.0-logship "\[types removal\]/);
    expect(store.indices.get('logs')?.get('1')?.source).toEqual({ a: 1 });
    const typed = await app.inject({ method: 'POST', url: '/logs/events/_bulk', headers: ndjson, payload: lines({ index: { _id: '2' } }, { a: 2 }) });
    expect(typed.statusCode).toBe(200);
    expect(typed.headers.warning).toBeDefined();
    expect(store.indices.get('logs')?.get('2')?.source).toEqual({ a: 2 });
  });

  it('refuses a bulk with a whole-request 429 and Retry-After while --max-concurrent-bulks are in progress, applying nothing', async () => {
    const { app, store } = buildTestApp({ maxConcurrentBulks: 1 });
    const held = store.holdBulks();
    const first = app.inject({ method: 'POST', url: '/_bulk', headers: ndjson, payload: lines({ create: { _index: 'logs', _id: '1' } }, { a: 1 }) });
    await held.started;
    const second = await app.inject({ method: 'POST', url: '/_bulk', headers: ndjson, payload: lines({ create: { _index: 'logs', _id: '2' } }, { a: 2 }) });
    expect(second.statusCode).toBe(429);
    expect(second.headers['retry-after']).toBe('1');
    expect(second.json().error.type).toBe('es_rejected_execution_exception');
    held.release();
    expect((await first).statusCode).toBe(200);
    expect([...store.indices.get('logs')!.keys()]).toEqual(['1']);
    const third = await app.inject({ method: 'POST', url: '/_bulk', headers: ndjson, payload: lines({ create: { _index: 'logs', _id: '3' } }, { a: 3 }) });
    expect(third.statusCode).toBe(200);
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^logship_aggregator_bulk_requests_rejected_total 1$/m);
  });

  it('gives the slot back after a failed bulk, so errors never leak capacity', async () => {
    const { app } = buildTestApp({ maxConcurrentBulks: 1 });
    for (let i = 0; i < 3; i++) {
      const bad = await app.inject({ method: 'POST', url: '/_bulk', headers: ndjson, payload: 'nope\n' });
      expect(bad.statusCode).toBe(400);
    }
    await eventually(async () => {
      const ok = await app.inject({ method: 'POST', url: '/_bulk', headers: ndjson, payload: lines({ index: { _index: 'l' } }, { a: 1 }) });
      expect(ok.statusCode).toBe(200);
    });
  });

  it('a store error that rejects the whole bulk (429 busy) reaches the client as that error', async () => {
    const { app, store } = buildTestApp();
    const { EsError } = await import('../../../aggregator/store/types.ts');
    store.failNext('bulk', new EsError(429, 'es_rejected_execution_exception', 'store is busy'));
    const response = await app.inject({ method: 'POST', url: '/_bulk', headers: ndjson, payload: lines({ index: { _index: 'l' } }, { a: 1 }) });
    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBe('1');
  });

  it("answers Filebeat's filter_path with only errors and item statuses", async () => {
    const { app } = buildTestApp();
    const body = lines({ create: { _index: 'logs', _id: 'a' } }, { n: 1 }, { create: { _index: 'logs', _id: 'a' } }, { n: 2 });
    const response = await app.inject({ method: 'POST', url: '/_bulk?filter_path=errors,items.*.error,items.*.status', headers: ndjson, payload: body });
    const parsed = response.json();
    expect(Object.keys(parsed)).toEqual(['errors', 'items']);
    expect(parsed.items[0]).toEqual({ create: { status: 201 } });
    expect(parsed.items[1].create.status).toBe(409);
    expect(parsed.items[1].create.error.type).toBe('version_conflict_engine_exception');
  });

  it('counts bulk items by outcome in /metrics', async () => {
    const { app } = buildTestApp();
    const body = lines({ create: { _index: 'logs', _id: 'a' } }, { n: 1 }, { create: { _index: 'logs', _id: 'a' } }, { n: 2 }, { create: { _index: 'logs' } }, { fail_mapping: {} });
    await app.inject({ method: 'POST', url: '/_bulk', headers: ndjson, payload: body });
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('logship_aggregator_bulk_items_total{outcome="created"} 1');
    expect(metrics).toContain('logship_aggregator_bulk_items_total{outcome="conflict"} 1');
    expect(metrics).toContain('logship_aggregator_bulk_items_total{outcome="rejected"} 1');
  });
});
