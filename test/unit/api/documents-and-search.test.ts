import { describe, expect, it } from 'vitest';
import { buildTestApp } from './build-test-app.ts';

const json = { 'content-type': 'application/json' };

describe('document APIs', () => {
  it('PUT /{index}/_doc/{id} creates (201) then updates (200), in ES response shape', async () => {
    const { app } = buildTestApp();
    const first = await app.inject({ method: 'PUT', url: '/logs/_doc/1', headers: json, payload: '{"a":1}' });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ _index: 'logs', _id: '1', _version: 1, result: 'created' });
    expect(first.json().status).toBeUndefined();
    const second = await app.inject({ method: 'PUT', url: '/logs/_doc/1?refresh=true', headers: json, payload: '{"a":2}' });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ result: 'updated', _version: 2, forced_refresh: true });
  });

  it('POST /{index}/_doc generates an id', async () => {
    const { app, store } = buildTestApp();
    const response = await app.inject({ method: 'POST', url: '/logs/_doc', headers: json, payload: '{"a":1}' });
    expect(response.statusCode).toBe(201);
    expect(store.calls.find((c) => c.method === 'bulk')!.args[0]).toEqual([{ op: 'index', index: 'logs', doc: { a: 1 } }]);
  });

  it('_create and op_type=create answer 409 for an existing id as an ES error', async () => {
    const { app } = buildTestApp();
    expect((await app.inject({ method: 'PUT', url: '/logs/_create/1', headers: json, payload: '{"a":1}' })).statusCode).toBe(201);
    const again = await app.inject({ method: 'PUT', url: '/logs/_create/1', headers: json, payload: '{"a":1}' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.type).toBe('version_conflict_engine_exception');
    expect((await app.inject({ method: 'PUT', url: '/logs/_doc/1?op_type=create', headers: json, payload: '{}' })).statusCode).toBe(409);
  });

  it('accepts legacy typed writes, ignoring the type with a deprecation warning', async () => {
    const { app, store } = buildTestApp();
    const auto = await app.inject({ method: 'POST', url: '/logs/events', headers: json, payload: '{"a":1}' });
    expect(auto.statusCode).toBe(201);
    expect(String(auto.headers.warning)).toMatch(/^299 Elasticsearch-.*\[types removal\]/);
    expect((await app.inject({ method: 'PUT', url: '/logs/events/7', headers: json, payload: '{"a":2}' })).statusCode).toBe(201);
    expect(store.indices.get('logs')?.get('7')?.source).toEqual({ a: 2 });
    expect((await app.inject({ method: 'POST', url: '/logs/_stats', headers: json, payload: '{}' })).json().error.reason).toContain('no handler found for uri [/logs/_stats] and method [POST]');
    expect((await app.inject({ method: 'GET', url: '/logs/_stats' })).json().error.reason).toContain('no handler found');
  });

  it('a body that is not JSON is a 400 parse_exception', async () => {
    const { app } = buildTestApp();
    const response = await app.inject({ method: 'PUT', url: '/logs/_doc/1', headers: json, payload: '{"a":' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.type).toBe('parse_exception');
  });

  it('GET returns the document, 404 with found:false when absent, and filters _source', async () => {
    const { app } = buildTestApp();
    await app.inject({ method: 'PUT', url: '/logs/_doc/1', headers: json, payload: '{"a":1,"b":{"c":2,"d":3}}' });
    const found = await app.inject({ method: 'GET', url: '/logs/_doc/1' });
    expect(found.json()).toMatchObject({ found: true, _source: { a: 1, b: { c: 2, d: 3 } } });
    const missing = await app.inject({ method: 'GET', url: '/logs/_doc/2' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ _index: 'logs', _id: '2', found: false });
    expect((await app.inject({ method: 'GET', url: '/logs/_doc/1?_source=false' })).json()._source).toBeUndefined();
    expect((await app.inject({ method: 'GET', url: '/logs/_doc/1?_source_includes=b.c' })).json()._source).toEqual({ b: { c: 2 } });
    expect((await app.inject({ method: 'GET', url: '/logs/_doc/1?_source_excludes=b' })).json()._source).toEqual({ a: 1 });
    expect((await app.inject({ method: 'GET', url: '/logs/_source/1' })).json()).toEqual({ a: 1, b: { c: 2, d: 3 } });
    expect((await app.inject({ method: 'GET', url: '/logs/_source/2' })).statusCode).toBe(404);
  });

  it('_mget answers each document, found or not, and a missing index only in its own entry', async () => {
    const { app } = buildTestApp();
    await app.inject({ method: 'PUT', url: '/logs/_doc/1', headers: json, payload: '{"a":1}' });
    const byIds = (await app.inject({ method: 'POST', url: '/logs/_mget', headers: json, payload: '{"ids":["1","2"]}' })).json();
    expect(byIds.docs.map((d: { found: boolean }) => d.found)).toEqual([true, false]);
    const byDocs = (await app.inject({ method: 'POST', url: '/_mget', headers: json, payload: '{"docs":[{"_index":"logs","_id":"1"},{"_index":"nope","_id":"1"}]}' })).json();
    expect(byDocs.docs[0]._source).toEqual({ a: 1 });
    expect(byDocs.docs[1].error.type).toBe('index_not_found_exception');
    expect((await app.inject({ method: 'POST', url: '/_mget', headers: json, payload: '{"ids":["1"]}' })).json().error.reason).toContain('index is missing for doc 0');
  });

  it('DELETE answers deleted, then 404 not_found', async () => {
    const { app } = buildTestApp();
    await app.inject({ method: 'PUT', url: '/logs/_doc/1', headers: json, payload: '{}' });
    const deleted = await app.inject({ method: 'DELETE', url: '/logs/_doc/1' });
    expect(deleted.json().result).toBe('deleted');
    const again = await app.inject({ method: 'DELETE', url: '/logs/_doc/1' });
    expect(again.statusCode).toBe(404);
    expect(again.json().result).toBe('not_found');
  });

  it('_update passes doc, doc_as_upsert and upsert, and refuses scripts plainly', async () => {
    const { app, store } = buildTestApp();
    const response = await app.inject({ method: 'POST', url: '/logs/_update/7', headers: json, payload: '{"doc":{"a":1},"doc_as_upsert":true}' });
    expect(response.statusCode).toBe(201);
    expect(store.calls.find((c) => c.method === 'bulk')!.args[0]).toEqual([{ op: 'update', index: 'logs', id: '7', doc: { a: 1 }, docAsUpsert: true }]);
    const scripted = await app.inject({ method: 'POST', url: '/logs/_update/7', headers: json, payload: '{"script":"ctx._source.a++"}' });
    expect(scripted.statusCode).toBe(400);
    expect(scripted.json().error.reason).toContain('does not support scripted updates');
  });
});

describe('search APIs', () => {
  it('passes the body and query-string parameters to the store, without the HTTP-only ones', async () => {
    const { app, store } = buildTestApp();
    store.indices.set('logs-a', new Map());
    await app.inject({ method: 'POST', url: '/logs-*/_search?q=status:200&size=5&sort=%40timestamp:desc&filter_path=took&pretty=false', headers: json, payload: '{"aggs":{"x":{"terms":{"field":"f"}}}}' });
    const call = store.calls.find((c) => c.method === 'search')!;
    expect(call.args[0]).toBe('logs-*');
    expect(call.args[1]).toEqual({ aggs: { x: { terms: { field: 'f' } } } });
    expect((call.args[2] as { query: unknown }).query).toEqual({ q: 'status:200', size: '5', sort: '@timestamp:desc' });
    expect((call.args[2] as { signal: AbortSignal }).signal).toBeInstanceOf(AbortSignal);
  });

  it('answers 408 timeout_exception when the store outlasts --request-timeout, and keeps serving', async () => {
    const { app, store } = buildTestApp({ requestTimeoutMs: 100 });
    let signal: AbortSignal | undefined;
    store.search = async (_pattern, _body, params) => {
      signal = params?.signal;
      return new Promise(() => {});
    };
    const response = await app.inject({ method: 'GET', url: '/_search' });
    expect(response.statusCode).toBe(408);
    expect(response.json().error.type).toBe('timeout_exception');
    expect(signal?.aborted).toBe(true);
    expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
  });

  it('searches _all when no index is given', async () => {
    const { app, store } = buildTestApp();
    await app.inject({ method: 'GET', url: '/_search' });
    expect(store.calls.find((c) => c.method === 'search')!.args[0]).toBe('_all');
  });

  it('rest_total_hits_as_int turns hits.total into a number', async () => {
    const { app, store } = buildTestApp();
    store.indices.set('logs', new Map([['1', { source: {}, version: 1, seqNo: 0 }]]));
    const response = await app.inject({ method: 'GET', url: '/logs/_search?rest_total_hits_as_int=true' });
    expect(response.json().hits.total).toBe(1);
    const untracked = await app.inject({ method: 'GET', url: '/logs/_search?rest_total_hits_as_int=true&track_total_hits=false' });
    expect(untracked.json().hits.total).toBe(-1);
  });

  it('_count answers the store count', async () => {
    const { app, store } = buildTestApp();
    store.indices.set('logs', new Map([['1', { source: {}, version: 1, seqNo: 0 }]]));
    const response = await app.inject({ method: 'POST', url: '/logs/_count', headers: json, payload: '{"query":{"match_all":{}}}' });
    expect(response.json().count).toBe(1);
  });

  it('_msearch runs each header/body pair and reports each status, errors included', async () => {
    const { app, store } = buildTestApp();
    store.indices.set('logs', new Map([['1', { source: { a: 1 }, version: 1, seqNo: 0 }]]));
    const body = ['{"index":"logs"}', '{"size":1}', '{"index":"missing"}', '{}', '{}', '{"query":{"match_all":{}}}'].join('\n') + '\n';
    const response = await app.inject({ method: 'POST', url: '/logs/_msearch', headers: { 'content-type': 'application/x-ndjson' }, payload: body });
    expect(response.statusCode).toBe(200);
    const { responses } = response.json();
    expect(responses.map((r: { status: number }) => r.status)).toEqual([200, 404, 200]);
    expect(responses[1].error.type).toBe('index_not_found_exception');
    expect(store.calls.filter((c) => c.method === 'search').map((c) => c.args[0])).toEqual(['logs', 'missing', 'logs']);
  });

  it('_msearch runs many searches without piling up listeners', async () => {
    const { app, store } = buildTestApp();
    store.indices.set('logs', new Map());
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.name);
    process.on('warning', onWarning);
    const body = Array.from({ length: 50 }, () => '{"index":"logs"}\n{}\n').join('');
    const response = await app.inject({ method: 'POST', url: '/_msearch', headers: { 'content-type': 'application/x-ndjson' }, payload: body });
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(response.json().responses).toHaveLength(50);
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('_msearch with a broken line fails whole with the line number', async () => {
    const { app } = buildTestApp();
    const response = await app.inject({ method: 'POST', url: '/_msearch', headers: { 'content-type': 'application/x-ndjson' }, payload: '{}\n{"query":\n' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.reason).toContain('line [2]');
  });

  it('scroll reads the id from the body, the path or the query; clear scroll takes a list', async () => {
    const { app, store } = buildTestApp();
    await app.inject({ method: 'POST', url: '/_search/scroll', headers: json, payload: '{"scroll_id":"abc","scroll":"1m"}' });
    await app.inject({ method: 'GET', url: '/_search/scroll/def?scroll=2m' });
    expect(store.calls.filter((c) => c.method === 'scroll').map((c) => c.args)).toEqual([['abc', '1m'], ['def', '2m']]);
    const cleared = await app.inject({ method: 'DELETE', url: '/_search/scroll', headers: json, payload: '{"scroll_id":["a","b"]}' });
    expect(cleared.json()).toEqual({ succeeded: true, num_freed: 2 });
  });

  it('opens a point in time with keep_alive, refuses one without, and closes it', async () => {
    const { app, store } = buildTestApp();
    store.indices.set('logs', new Map());
    expect((await app.inject({ method: 'POST', url: '/logs/_pit?keep_alive=1m' })).json()).toEqual({ id: 'pit-logs' });
    expect((await app.inject({ method: 'POST', url: '/logs/_pit' })).statusCode).toBe(400);
    expect((await app.inject({ method: 'DELETE', url: '/_pit', headers: json, payload: '{"id":"pit-logs"}' })).json().succeeded).toBe(true);
  });

  it('_field_caps needs fields, from the query or the body', async () => {
    const { app, store } = buildTestApp();
    store.indices.set('logs', new Map());
    expect((await app.inject({ method: 'GET', url: '/logs/_field_caps' })).statusCode).toBe(400);
    await app.inject({ method: 'GET', url: '/logs/_field_caps?fields=*' });
    await app.inject({ method: 'POST', url: '/logs/_field_caps?allow_no_indices=false&include_unmapped=true', headers: json, payload: '{"fields":["a","b"],"index_filter":{"match_all":{}}}' });
    expect(store.calls.filter((c) => c.method === 'fieldCaps').map((c) => c.args)).toEqual([
      ['logs', ['*'], {}],
      ['logs', ['a', 'b'], { index_filter: { match_all: {} }, allow_no_indices: 'false', include_unmapped: 'true' }],
    ]);
  });
});

describe('index management and control plane', () => {
  it('PUT, HEAD, GET and DELETE an index', async () => {
    const { app } = buildTestApp();
    expect((await app.inject({ method: 'HEAD', url: '/fresh' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'PUT', url: '/fresh', headers: json, payload: '{}' })).json()).toEqual({ acknowledged: true, shards_acknowledged: true, index: 'fresh' });
    expect((await app.inject({ method: 'PUT', url: '/fresh' })).json().error.type).toBe('resource_already_exists_exception');
    expect((await app.inject({ method: 'HEAD', url: '/fresh' })).statusCode).toBe(200);
    expect(Object.keys((await app.inject({ method: 'GET', url: '/fresh' })).json())).toEqual(['fresh']);
    expect((await app.inject({ method: 'DELETE', url: '/fresh' })).json()).toEqual({ acknowledged: true });
  });

  it('refuses to delete indices by wildcard or _all, as ES 8 does by default', async () => {
    const { app, store } = buildTestApp();
    store.indices.set('logs', new Map());
    for (const url of ['/_all', '/*', '/logs,l*']) {
      const response = await app.inject({ method: 'DELETE', url });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.reason).toBe('Wildcard expressions or all indices are not allowed');
    }
    expect(store.indices.has('logs')).toBe(true);
  });

  it('_license and _xpack report an active basic license', async () => {
    const { app } = buildTestApp();
    expect((await app.inject({ method: 'GET', url: '/_license?human=false' })).json().license).toMatchObject({ status: 'active', type: 'basic' });
    expect((await app.inject({ method: 'GET', url: '/_xpack' })).json().license).toMatchObject({ status: 'active', mode: 'basic' });
  });

  it('_nodes names one node with its HTTP publish address, also under /_nodes/_all/http', async () => {
    const { app } = buildTestApp({ publishAddress: () => '10.0.0.5:9200' });
    for (const url of ['/_nodes', '/_nodes/_all/http', '/_nodes/http']) {
      const nodes = Object.values((await app.inject({ method: 'GET', url })).json().nodes) as Array<{ http: { publish_address: string }; version: string }>;
      expect(nodes).toHaveLength(1);
      expect(nodes[0]!.http.publish_address).toBe('10.0.0.5:9200');
      expect(nodes[0]!.version).toBe('8.19.0');
    }
  });

  it('cluster health is green, and red with 408 for an index that does not exist', async () => {
    const { app, store } = buildTestApp();
    store.indices.set('logs', new Map());
    expect((await app.inject({ method: 'GET', url: '/_cluster/health' })).json()).toMatchObject({ status: 'green', number_of_nodes: 1, active_primary_shards: 1 });
    expect((await app.inject({ method: 'GET', url: '/_cluster/health/logs' })).json().status).toBe('green');
    expect((await app.inject({ method: 'GET', url: '/_cluster/health?level=indices' })).json().indices.logs).toMatchObject({ status: 'green', number_of_shards: 1 });
    const missing = await app.inject({ method: 'GET', url: '/_cluster/health/nope' });
    expect(missing.statusCode).toBe(408);
    expect(missing.json().status).toBe('red');
  });

  it('HEAD /_cat/health is 200, as rsyslog checks before sending', async () => {
    const { app } = buildTestApp();
    expect((await app.inject({ method: 'HEAD', url: '/_cat/health' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/_cat/health?format=json' })).json()[0].status).toBe('green');
  });

  it('_cat/indices renders text with v and h, sizes with bytes, and JSON with string values', async () => {
    const { app, store } = buildTestApp();
    store.indices.set('logs-b', new Map());
    store.indices.set('logs-a', new Map([['1', { source: {}, version: 1, seqNo: 0 }]]));
    const text = await app.inject({ method: 'GET', url: '/_cat/indices?v&h=index,docs.count,store.size&s=index' });
    expect(text.headers['content-type']).toBe('text/plain; charset=UTF-8');
    expect(text.body).toBe('index  docs.count store.size\nlogs-a          1        2kb\nlogs-b          0        2kb\n');
    const bytes = await app.inject({ method: 'GET', url: '/_cat/indices/logs-a?h=store.size&bytes=b' });
    expect(bytes.body).toBe('2048\n');
    const asJson = await app.inject({ method: 'GET', url: '/_cat/indices?format=json&h=index,docs.count&s=docs.count:desc' });
    expect(asJson.json()).toEqual([{ index: 'logs-a', 'docs.count': '1' }, { index: 'logs-b', 'docs.count': '0' }]);
    expect((await app.inject({ method: 'GET', url: '/_cat/indices?health=purple' })).statusCode).toBe(400);
  });

  it('_cat/shards shows one started primary per index; _cat/nodes one node; _cat/aliases nothing', async () => {
    const { app, store } = buildTestApp({ nodeName: 'node-a' });
    store.indices.set('logs', new Map([['1', { source: {}, version: 1, seqNo: 0 }]]));
    expect((await app.inject({ method: 'GET', url: '/_cat/shards?format=json&h=index,shard,prirep,state,docs' })).json()).toEqual([{ index: 'logs', shard: '0', prirep: 'p', state: 'STARTED', docs: '1' }]);
    expect((await app.inject({ method: 'GET', url: '/_cat/nodes?h=name,master' })).body).toBe('node-a *\n');
    expect((await app.inject({ method: 'GET', url: '/_cat/aliases?v' })).body).toBe('alias index filter routing.index routing.search is_write_index\n');
  });

  it('a named alias is always missing: 404, also for HEAD', async () => {
    const { app } = buildTestApp();
    const response = await app.inject({ method: 'GET', url: '/_alias/logstash' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.reason).toBe('aliases [logstash] missing');
    expect((await app.inject({ method: 'HEAD', url: '/_alias/logstash' })).statusCode).toBe(404);
  });

  it('_cat/count counts documents', async () => {
    const { app, store } = buildTestApp();
    store.indices.set('logs', new Map([['1', { source: {}, version: 1, seqNo: 0 }]]));
    expect((await app.inject({ method: 'GET', url: '/_cat/count/logs?h=count' })).body).toBe('1\n');
    expect((await app.inject({ method: 'GET', url: '/_cat/count?format=json' })).json()[0].count).toBe('1');
  });

  it('ILM policies are stored and echoed; a missing one is 404', async () => {
    const { app } = buildTestApp();
    expect((await app.inject({ method: 'GET', url: '/_ilm/policy/filebeat' })).statusCode).toBe(404);
    const put = await app.inject({ method: 'PUT', url: '/_ilm/policy/filebeat', headers: json, payload: '{"policy":{"phases":{"hot":{"actions":{}}}}}' });
    expect(put.json()).toEqual({ acknowledged: true });
    const got = (await app.inject({ method: 'GET', url: '/_ilm/policy/filebeat' })).json();
    expect(got.filebeat).toMatchObject({ version: 1, policy: { phases: { hot: { actions: {} } } } });
    expect(Object.keys((await app.inject({ method: 'GET', url: '/_ilm/policy' })).json())).toEqual(['filebeat']);
  });

  it('index and legacy templates go through the store; HEAD is 200 or 404', async () => {
    const { app, store } = buildTestApp();
    expect((await app.inject({ method: 'HEAD', url: '/_index_template/logs' })).statusCode).toBe(404);
    await app.inject({ method: 'PUT', url: '/_index_template/logs', headers: json, payload: '{"index_patterns":["logs-*"],"data_stream":{}}' });
    expect((await app.inject({ method: 'HEAD', url: '/_index_template/logs' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/_index_template/logs' })).json().index_templates[0].name).toBe('logs');
    await app.inject({ method: 'PUT', url: '/_template/old', headers: json, payload: '{"index_patterns":["old-*"]}' });
    expect((await app.inject({ method: 'HEAD', url: '/_template/old' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: '/_template/old' })).json()).toEqual({ acknowledged: true });
    expect(store.calls.map((c) => c.method)).toContain('putLegacyTemplate');
  });

  it('data streams and _resolve/index', async () => {
    const { app, store } = buildTestApp();
    store.indices.set('plain', new Map());
    await app.inject({ method: 'PUT', url: '/_data_stream/logs-app-default' });
    const streams = (await app.inject({ method: 'GET', url: '/_data_stream' })).json().data_streams;
    expect(streams[0].name).toBe('logs-app-default');
    const resolved = (await app.inject({ method: 'GET', url: '/_resolve/index/*' })).json();
    expect(resolved.indices).toEqual([{ name: 'plain', attributes: ['open'] }]);
    expect(resolved.data_streams[0]).toEqual({ name: 'logs-app-default', backing_indices: ['.ds-logs-app-default-000001'], timestamp_field: '@timestamp' });
  });

  it('_alias answers every concrete index, data streams by their backing indices, with no aliases', async () => {
    const { app, store } = buildTestApp();
    store.indices.set('logs', new Map());
    await app.inject({ method: 'PUT', url: '/_data_stream/logs-app-default' });
    expect((await app.inject({ method: 'GET', url: '/logs/_alias' })).json()).toEqual({ logs: { aliases: {} } });
    expect((await app.inject({ method: 'GET', url: '/_alias' })).json()).toEqual({ logs: { aliases: {} }, '.ds-logs-app-default-000001': { aliases: {} } });
  });

  it('refresh and mappings pass patterns through', async () => {
    const { app, store } = buildTestApp();
    store.indices.set('logs', new Map());
    expect((await app.inject({ method: 'POST', url: '/logs/_refresh' })).json()._shards.successful).toBe(1);
    expect((await app.inject({ method: 'GET', url: '/_mapping' })).json()).toEqual({ logs: { mappings: { properties: {} } } });
    expect((await app.inject({ method: 'PUT', url: '/logs/_mapping', headers: json, payload: '{"properties":{"a":{"type":"keyword"}}}' })).json()).toEqual({ acknowledged: true });
  });
});
