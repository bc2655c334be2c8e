/**
 * `_cat/indices`, `_cat/count`, `_cat/health` (rsyslog's health check is `HEAD /_cat/health`), and for
 * people at a terminal `_cat/nodes`, `_cat/shards`, `_cat/aliases` (always empty: the store has no aliases).
 */
import { freemem, loadavg, totalmem } from 'node:os';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RouteTable } from '../http/route-table.ts';
import { action } from '../auth/privileges.ts';
import { queryParams } from '../http/query-params.ts';
import { renderCat, type CatColumn, type CatRow } from '../http/cat-table.ts';
import { illegalArgument } from '../http/errors.ts';
import { TEXT_CONTENT_TYPE, JSON_CONTENT_TYPE } from '../http/responses.ts';
import type { ApiContext } from './context.ts';

const INDEX_COLUMNS: readonly CatColumn[] = [
  { name: 'health' }, { name: 'status' }, { name: 'index' }, { name: 'uuid' },
  { name: 'pri', kind: 'number' }, { name: 'rep', kind: 'number' },
  { name: 'docs.count', kind: 'number' }, { name: 'docs.deleted', kind: 'number' },
  { name: 'store.size', kind: 'size' }, { name: 'pri.store.size', kind: 'size' }, { name: 'dataset.size', kind: 'size' },
];
const COUNT_COLUMNS: readonly CatColumn[] = [{ name: 'epoch', kind: 'number' }, { name: 'timestamp' }, { name: 'count', kind: 'number' }];
const HEALTH_COLUMNS: readonly CatColumn[] = [
  { name: 'epoch', kind: 'number' }, { name: 'timestamp' }, { name: 'cluster' }, { name: 'status' },
  { name: 'node.total', kind: 'number' }, { name: 'node.data', kind: 'number' }, { name: 'shards', kind: 'number' },
  { name: 'pri', kind: 'number' }, { name: 'relo', kind: 'number' }, { name: 'init', kind: 'number' },
  { name: 'unassign', kind: 'number' }, { name: 'unassign.pri', kind: 'number' }, { name: 'pending_tasks', kind: 'number' },
  { name: 'max_task_wait_time' }, { name: 'active_shards_percent' },
];

const NODE_COLUMNS: readonly CatColumn[] = [
  { name: 'ip' }, { name: 'heap.percent', kind: 'number' }, { name: 'ram.percent', kind: 'number' }, { name: 'cpu', kind: 'number' },
  { name: 'load_1m' }, { name: 'node.role' }, { name: 'master' }, { name: 'name' },
];
const SHARD_COLUMNS: readonly CatColumn[] = [
  { name: 'index' }, { name: 'shard', kind: 'number' }, { name: 'prirep' }, { name: 'state' },
  { name: 'docs', kind: 'number' }, { name: 'store', kind: 'size' }, { name: 'ip' }, { name: 'node' },
];
const ALIAS_COLUMNS: readonly CatColumn[] = [{ name: 'alias' }, { name: 'index' }, { name: 'filter' }, { name: 'routing.index' }, { name: 'routing.search' }, { name: 'is_write_index' }];

export function registerCatRoutes(routes: RouteTable, context: ApiContext): void {
  routes.add({
    method: 'GET', url: ['/_cat/indices', '/_cat/indices/:index'], action: action('indices:monitor/stats', 'read'),
    handler: async (request, reply) => {
      const { index } = request.params as { index?: string };
      const params = queryParams(request);
      const health = params.health;
      if (health !== undefined && !['green', 'yellow', 'red'].includes(health)) throw illegalArgument(`unknown health status [${health}]`);
      let rows: CatRow[] = await context.store.catIndices(index ?? '_all');
      if (health !== undefined) rows = rows.filter((row) => row.health === health);
      return send(reply, request, INDEX_COLUMNS, rows);
    },
  });
  routes.add({
    method: 'GET', url: ['/_cat/count', '/_cat/count/:index'], action: action('indices:data/read/search', 'read'),
    handler: async (request, reply) => {
      const { index } = request.params as { index?: string };
      const result = await context.store.count(index ?? '_all', {});
      return send(reply, request, COUNT_COLUMNS, [{ ...clock(), count: Number(result.count ?? 0) }]);
    },
  });
  routes.add({
    method: 'GET', url: '/_cat/nodes', action: action('cluster:monitor/nodes/info', 'monitor'),
    handler: async (request, reply) => {
      const memory = process.memoryUsage();
      const host = context.publishAddress().replace(/:\d+$/, '');
      return send(reply, request, NODE_COLUMNS, [{
        ip: host, 'heap.percent': Math.round((memory.heapUsed / memory.heapTotal) * 100), 'ram.percent': Math.round((1 - freemem() / totalmem()) * 100),
        cpu: 0, load_1m: (loadavg()[0] ?? 0).toFixed(2), 'node.role': 'dim', master: '*', name: context.nodeName,
      }]);
    },
  });
  routes.add({
    method: 'GET', url: ['/_cat/shards', '/_cat/shards/:index'], action: action('indices:monitor/stats', 'read'),
    handler: async (request, reply) => {
      const { index } = request.params as { index?: string };
      const host = context.publishAddress().replace(/:\d+$/, '');
      // One primary shard per index, no replicas: the embedded store's layout as ES would report it.
      const rows = (await context.store.catIndices(index ?? '_all')).map((row) => ({
        index: row.index, shard: 0, prirep: 'p', state: 'STARTED', docs: row['docs.count'], store: row['store.size'], ip: host, node: context.nodeName,
      }));
      return send(reply, request, SHARD_COLUMNS, rows);
    },
  });
  routes.add({
    method: 'GET', url: ['/_cat/aliases', '/_cat/aliases/:name'], action: action('indices:admin/aliases/get', 'read'),
    handler: async (request, reply) => send(reply, request, ALIAS_COLUMNS, []),
  });
  routes.add({
    method: 'GET', url: '/_cat/health', action: action('cluster:monitor/health', 'monitor'),
    handler: async (request, reply) => {
      const { indices } = await context.store.stats();
      return send(reply, request, HEALTH_COLUMNS, [{
        ...clock(), cluster: context.clusterName, status: 'green', 'node.total': 1, 'node.data': 1,
        shards: indices, pri: indices, relo: 0, init: 0, unassign: 0, 'unassign.pri': 0, pending_tasks: 0,
        max_task_wait_time: '-', active_shards_percent: '100.0%',
      }]);
    },
  });
}

function send(reply: FastifyReply, request: FastifyRequest, columns: readonly CatColumn[], rows: readonly CatRow[]): unknown {
  const output = renderCat(columns, rows, queryParams(request));
  if (output.json) {
    reply.type(JSON_CONTENT_TYPE);
    return output.body;
  }
  reply.type(TEXT_CONTENT_TYPE);
  return output.body;
}

function clock(): { epoch: number; timestamp: string } {
  const now = new Date();
  return { epoch: Math.floor(now.getTime() / 1000), timestamp: now.toISOString().slice(11, 19) };
}
