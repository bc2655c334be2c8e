/**
 * The control plane that clients and shippers probe before sending a single line: `GET|HEAD /`,
 * `_license`, `_xpack`, `_nodes` (sniffing, Kibana's version check), `_cluster/health`.
 * A single node that is always green: the embedded store has one shard per index and no replicas.
 */
import type { RouteTable } from '../http/route-table.ts';
import { action } from '../auth/privileges.ts';
import { queryParams } from '../http/query-params.ts';
import type { ApiContext } from './context.ts';

const BUILD_DATE = '2025-07-24T00:00:00.000Z';
const BUILD_HASH = '0000000000000000000000000000000000000000';

export function registerClusterRoutes(routes: RouteTable, context: ApiContext): void {
  routes.add({
    method: 'GET', url: '/', action: action('cluster:monitor/main', 'monitor'),
    handler: async () => ({
      name: context.nodeName,
      cluster_name: context.clusterName,
      cluster_uuid: context.clusterUuid,
      version: {
        number: context.esVersion,
        build_flavor: 'default',
        build_type: 'logship',
        build_hash: BUILD_HASH,
        build_date: BUILD_DATE,
        build_snapshot: false,
        lucene_version: '9.12.0',
        minimum_wire_compatibility_version: '7.17.0',
        minimum_index_compatibility_version: '7.0.0',
      },
      tagline: 'You Know, for Search',
    }),
  });

  const license = {
    status: 'active',
    uid: context.clusterUuid,
    type: 'basic',
    issue_date: '2026-01-01T00:00:00.000Z',
    issue_date_in_millis: Date.parse('2026-01-01T00:00:00.000Z'),
    max_nodes: 1000,
    max_resource_units: null,
    issued_to: context.clusterName,
    issuer: 'elasticsearch',
    start_date_in_millis: -1,
  };
  routes.add({
    method: 'GET', url: '/_license', action: action('cluster:monitor/xpack/license/get', 'monitor'),
    handler: async () => ({ license }),
  });
  routes.add({
    method: 'GET', url: '/_xpack', action: action('cluster:monitor/xpack/info', 'monitor'),
    handler: async () => ({
      build: { hash: BUILD_HASH, date: BUILD_DATE },
      license: { uid: license.uid, type: 'basic', mode: 'basic', status: 'active' },
      features: {
        ilm: { available: true, enabled: true },
        security: { available: true, enabled: true },
        monitoring: { available: false, enabled: false },
        ml: { available: false, enabled: false },
        graph: { available: false, enabled: false },
        watcher: { available: false, enabled: false },
      },
      tagline: 'You know, for X',
    }),
  });

  routes.add({
    method: 'GET', url: ['/_nodes', '/_nodes/:first', '/_nodes/:first/:second'], action: action('cluster:monitor/nodes/info', 'monitor'),
    handler: async () => {
      const address = context.publishAddress();
      const host = address.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
      return {
        _nodes: { total: 1, successful: 1, failed: 0 },
        cluster_name: context.clusterName,
        nodes: {
          [context.nodeId]: {
            name: context.nodeName,
            transport_address: address,
            host,
            ip: host,
            version: context.esVersion,
            build_flavor: 'default',
            build_type: 'logship',
            build_hash: BUILD_HASH,
            roles: ['data', 'ingest', 'master'],
            attributes: {},
            http: { bound_address: [address], publish_address: address, max_content_length_in_bytes: context.maxBodyBytes },
          },
        },
      };
    },
  });

  routes.add({
    method: 'GET', url: ['/_cluster/health', '/_cluster/health/:index'], action: action('cluster:monitor/health', 'monitor'),
    handler: async (request, reply) => {
      const { index } = request.params as { index?: string };
      const stats = await context.store.stats();
      let indices = stats.indices;
      let status = 'green';
      if (index !== undefined) {
        indices = (await context.store.resolveIndices(index)).length;
        // ES waits for a missing index to appear, then answers 408 with status red.
        if (indices === 0) status = 'red';
      }
      const params = queryParams(request);
      const timedOut = status === 'red';
      if (timedOut) reply.code(408);
      return {
        cluster_name: context.clusterName,
        status,
        timed_out: timedOut,
        number_of_nodes: 1,
        number_of_data_nodes: 1,
        active_primary_shards: indices,
        active_shards: indices,
        relocating_shards: 0,
        initializing_shards: 0,
        unassigned_shards: 0,
        unassigned_primary_shards: 0,
        delayed_unassigned_shards: 0,
        number_of_pending_tasks: 0,
        number_of_in_flight_fetch: 0,
        task_max_waiting_in_queue_millis: 0,
        active_shards_percent_as_number: 100.0,
        ...(params.level === 'indices' || params.level === 'shards' ? { indices: await perIndexHealth(context, index ?? '_all') } : {}),
      };
    },
  });
}

/** `level=indices`: one green, single-shard, replica-less entry per index, as the embedded store keeps them. */
async function perIndexHealth(context: ApiContext, pattern: string): Promise<Record<string, unknown>> {
  const rows = await context.store.catIndices(pattern).catch(() => []);
  return Object.fromEntries(rows.map((row) => [String(row.index), {
    status: 'green', number_of_shards: 1, number_of_replicas: 0, active_primary_shards: 1, active_shards: 1,
    relocating_shards: 0, initializing_shards: 0, unassigned_shards: 0, unassigned_primary_shards: 0,
  }]));
}
