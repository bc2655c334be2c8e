/**
 * Setup APIs shippers call before their first line: composable `_index_template` and legacy `_template`
 * (through the store, which applies them), `_ilm/policy` (stored and echoed), `_data_stream`.
 * HEAD on a template is its GET without a body (404 when absent), as in ES.
 */
import type { RouteTable } from '../http/route-table.ts';
import { action } from '../auth/privileges.ts';
import { jsonBody } from '../http/request-body.ts';
import { resourceNotFound } from '../http/errors.ts';
import type { ApiContext } from './context.ts';

type Named = { name?: string };

export function registerTemplateRoutes(routes: RouteTable, context: ApiContext): void {
  const { store } = context;
  const readTemplates = action('indices:admin/index_template/get', 'monitor');
  const manageTemplates = action('indices:admin/index_template/put', 'manage');

  routes.add({
    method: 'GET', url: ['/_index_template', '/_index_template/:name'], action: readTemplates,
    handler: async (request) => store.getIndexTemplates((request.params as Named).name),
  });
  routes.add({
    method: ['PUT', 'POST'], url: '/_index_template/:name', action: manageTemplates,
    handler: async (request) => store.putIndexTemplate((request.params as Required<Named>).name, jsonBody(request)),
  });
  routes.add({
    method: 'DELETE', url: '/_index_template/:name', action: action('indices:admin/index_template/delete', 'manage'),
    handler: async (request) => store.deleteIndexTemplate((request.params as Required<Named>).name),
  });

  routes.add({
    method: 'GET', url: ['/_template', '/_template/:name'], action: action('indices:admin/template/get', 'monitor'),
    handler: async (request) => store.getLegacyTemplates((request.params as Named).name),
  });
  routes.add({
    method: ['PUT', 'POST'], url: '/_template/:name', action: action('indices:admin/template/put', 'manage'),
    handler: async (request) => store.putLegacyTemplate((request.params as Required<Named>).name, jsonBody(request)),
  });
  routes.add({
    method: 'DELETE', url: '/_template/:name', action: action('indices:admin/template/delete', 'manage'),
    handler: async (request) => store.deleteLegacyTemplate((request.params as Required<Named>).name),
  });

  routes.add({
    method: 'GET', url: ['/_data_stream', '/_data_stream/:name'], action: action('indices:admin/data_stream/get', 'monitor'),
    handler: async (request) => store.getDataStreams((request.params as Named).name),
  });
  routes.add({
    method: 'PUT', url: '/_data_stream/:name', action: action('indices:admin/data_stream/create', 'manage'),
    handler: async (request) => store.createDataStream((request.params as Required<Named>).name),
  });
  routes.add({
    method: 'DELETE', url: '/_data_stream/:name', action: action('indices:admin/data_stream/delete', 'manage'),
    handler: async (request) => store.deleteDataStream((request.params as Required<Named>).name),
  });

  const { ilmPolicies } = context;
  routes.add({
    method: 'GET', url: ['/_ilm/policy', '/_ilm/policy/:name'], action: action('cluster:admin/ilm/get', 'monitor'),
    handler: async (request) => {
      const { name } = request.params as Named;
      const wanted = name === undefined ? ilmPolicies.list() : name.split(',').map((n) => [n, ilmPolicies.get(n)] as const);
      const out: Record<string, unknown> = {};
      for (const [policyName, policy] of wanted) {
        if (policy === undefined) throw resourceNotFound(`Lifecycle policy not found: ${policyName}`);
        out[policyName] = { ...policy, in_use_by: { indices: [], data_streams: [], composable_templates: [] } };
      }
      return out;
    },
  });
  routes.add({
    method: 'PUT', url: '/_ilm/policy/:name', action: action('cluster:admin/ilm/put', 'manage'),
    handler: async (request) => {
      const body = jsonBody(request);
      const policy = typeof body.policy === 'object' && body.policy !== null ? (body.policy as Record<string, unknown>) : {};
      ilmPolicies.put((request.params as Required<Named>).name, policy);
      return { acknowledged: true };
    },
  });
  routes.add({
    method: 'DELETE', url: '/_ilm/policy/:name', action: action('cluster:admin/ilm/delete', 'manage'),
    handler: async (request) => {
      const { name } = request.params as Required<Named>;
      if (!ilmPolicies.delete(name)) throw resourceNotFound(`Lifecycle policy not found: ${name}`);
      return { acknowledged: true };
    },
  });
}
