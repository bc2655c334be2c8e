/**
 * `GET /_security/_authenticate`: who the caller is and which roles it has, as ES answers it. Clients and
 * the search page use it to check credentials without side effects. With authentication off every caller
 * is the anonymous administrator, and the answer says so.
 */
import type { RouteTable } from '../http/route-table.ts';
import { action } from '../auth/privileges.ts';
import { principalOf } from '../auth/guard.ts';

export function registerSecurityRoutes(routes: RouteTable, authEnabled: boolean): void {
  routes.add({
    method: 'GET', url: '/_security/_authenticate', action: action('cluster:admin/xpack/security/user/authenticate', 'monitor'),
    handler: async (request) => {
      const principal = principalOf(request);
      if (!authEnabled || principal === undefined) {
        return { username: '_anonymous', roles: ['admin'], full_name: null, email: null, metadata: {}, enabled: true, authentication_realm: { name: '__anonymous', type: 'anonymous' }, lookup_realm: { name: '__anonymous', type: 'anonymous' }, authentication_type: 'anonymous' };
      }
      const apiKey = principal.kind === 'api key';
      return {
        username: principal.name,
        roles: [...principal.roles],
        full_name: null,
        email: null,
        metadata: {},
        enabled: true,
        authentication_realm: apiKey ? { name: '_es_api_key', type: '_es_api_key' } : { name: 'file', type: 'file' },
        lookup_realm: apiKey ? { name: '_es_api_key', type: '_es_api_key' } : { name: 'file', type: 'file' },
        authentication_type: apiKey ? 'api_key' : 'realm',
        ...(apiKey ? { api_key: { name: principal.name } } : {}),
      };
    },
  });
}
