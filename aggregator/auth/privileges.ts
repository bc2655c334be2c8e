/**
 * Who may do what. Every API route names the Elasticsearch action it performs and the privilege that
 * action needs; each role grants a set of privileges:
 * - `ingest`: write documents (`_bulk`, `_doc`, `_create`, `_update`, delete) and read the control plane
 *   shippers probe first (`GET /`, `_license`, `_nodes`, health, templates, ILM policies);
 * - `read`: search and inspect (`_search`, `_count`, `_msearch`, scroll, PIT, `_field_caps`, `_mapping`,
 *   `_cat`, GET documents and indices), plus the control plane;
 * - `admin`: everything, including index, template, ILM and data stream management.
 * Setting up templates and ILM policies (Filebeat's `setup`) is therefore an admin task, as in ES where the
 * publishing role lacks `manage_index_templates`.
 */
export type Privilege = 'monitor' | 'read' | 'write' | 'manage';
export type Role = 'ingest' | 'read' | 'admin';

export const ROLES: readonly Role[] = ['ingest', 'read', 'admin'];

const ROLE_PRIVILEGES: Record<Role, ReadonlySet<Privilege>> = {
  ingest: new Set(['monitor', 'write']),
  read: new Set(['monitor', 'read']),
  admin: new Set(['monitor', 'read', 'write', 'manage']),
};

/** The Elasticsearch action name (for messages, as ES words them) and the privilege it needs. */
export interface EsAction {
  readonly name: string;
  readonly privilege: Privilege;
}

export function action(name: string, privilege: Privilege): EsAction {
  return { name, privilege };
}

export function isAllowed(roles: readonly Role[], privilege: Privilege): boolean {
  return roles.some((role) => ROLE_PRIVILEGES[role].has(privilege));
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
