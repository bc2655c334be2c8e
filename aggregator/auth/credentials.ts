/**
 * The auth file (`--auth-file`, YAML). Its format:
 *
 *   users:                        # HTTP basic auth (Authorization: Basic base64(name:password))
 *     - name: filebeat
 *       password_hash: "scrypt$16384$8$1$<salt>$<hash>"     # from: printf %s pw | node aggregator/auth/secret-hash.ts
 *       roles: [ingest]
 *   api_keys:                     # Elasticsearch API keys (Authorization: ApiKey base64(id:key))
 *     - id: VuaCfGcBCdbkQm-e5aOx
 *       name: sidecar             # optional, shown in errors and logs
 *       key_hash: "scrypt$..."    # from: node aggregator/auth/secret-hash.ts --new-api-key sidecar
 *       roles: [ingest]
 *
 * Roles: `ingest`, `read`, `admin` (see privileges.ts). Secrets are stored only as scrypt hashes.
 * Every problem in the file is reported at once, each with its place.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { isRole, type Role } from './privileges.ts';
import { isSecretHash } from './secret-hash.ts';

export interface UserCredential {
  readonly name: string;
  readonly passwordHash: string;
  readonly roles: readonly Role[];
}

export interface ApiKeyCredential {
  readonly id: string;
  readonly name: string;
  readonly keyHash: string;
  readonly roles: readonly Role[];
}

export interface Credentials {
  readonly users: readonly UserCredential[];
  readonly apiKeys: readonly ApiKeyCredential[];
}

export class CredentialsError extends Error {
  readonly problems: readonly string[];
  constructor(path: string, problems: readonly string[]) {
    super(`${path}: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

export function loadCredentials(path: string): Credentials {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CredentialsError(path, [`cannot read: ${(error as Error).message}`]);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new CredentialsError(path, [`not valid YAML: ${(error as Error).message}`]);
  }
  const problems: string[] = [];
  const credentials = parseCredentials(parsed, problems);
  if (problems.length > 0) throw new CredentialsError(path, problems);
  if (credentials.users.length === 0 && credentials.apiKeys.length === 0) throw new CredentialsError(path, ['defines no users and no api_keys']);
  return credentials;
}

export function parseCredentials(parsed: unknown, problems: string[]): Credentials {
  if (!isObject(parsed)) {
    problems.push('must be a mapping with users: and/or api_keys:');
    return { users: [], apiKeys: [] };
  }
  for (const key of Object.keys(parsed)) if (key !== 'users' && key !== 'api_keys') problems.push(`unknown key ${JSON.stringify(key)}`);
  const users: UserCredential[] = [];
  const apiKeys: ApiKeyCredential[] = [];
  listAt(parsed, 'users', problems).forEach((entry, i) => {
    const where = `users[${i}]`;
    const name = stringAt(entry, 'name', where, problems);
    const passwordHash = hashAt(entry, 'password_hash', where, problems);
    const roles = rolesAt(entry, where, problems);
    if (name !== undefined && users.some((u) => u.name === name)) problems.push(`${where}: duplicate user ${JSON.stringify(name)}`);
    if (name !== undefined && passwordHash !== undefined) users.push({ name, passwordHash, roles });
  });
  listAt(parsed, 'api_keys', problems).forEach((entry, i) => {
    const where = `api_keys[${i}]`;
    const id = stringAt(entry, 'id', where, problems);
    const keyHash = hashAt(entry, 'key_hash', where, problems);
    const roles = rolesAt(entry, where, problems);
    const name = isObject(entry) && typeof entry.name === 'string' ? entry.name : id;
    if (id !== undefined && apiKeys.some((k) => k.id === id)) problems.push(`${where}: duplicate api key id ${JSON.stringify(id)}`);
    if (id !== undefined && keyHash !== undefined) apiKeys.push({ id, name: name ?? id, keyHash, roles });
  });
  return { users, apiKeys };
}

function listAt(parent: Record<string, unknown>, key: string, problems: string[]): unknown[] {
  const value = parent[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push(`${key}: must be a list`);
    return [];
  }
  return value;
}

function stringAt(entry: unknown, key: string, where: string, problems: string[]): string | undefined {
  const value = isObject(entry) ? entry[key] : undefined;
  if (typeof value === 'string' && value !== '') return value;
  problems.push(`${where}.${key}: required, a non-empty string`);
  return undefined;
}

function hashAt(entry: unknown, key: string, where: string, problems: string[]): string | undefined {
  const value = stringAt(entry, key, where, problems);
  if (value !== undefined && !isSecretHash(value)) {
    problems.push(`${where}.${key}: not an scrypt hash (make one with node aggregator/auth/secret-hash.ts)`);
    return undefined;
  }
  return value;
}

function rolesAt(entry: unknown, where: string, problems: string[]): Role[] {
  const value = isObject(entry) ? entry.roles : undefined;
  if (!Array.isArray(value) || value.length === 0) {
    problems.push(`${where}.roles: required, a list of ingest, read, admin`);
    return [];
  }
  const roles: Role[] = [];
  for (const role of value) {
    if (isRole(role)) roles.push(role);
    else problems.push(`${where}.roles: unknown role ${JSON.stringify(role)} (known: ingest, read, admin)`);
  }
  return roles;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
