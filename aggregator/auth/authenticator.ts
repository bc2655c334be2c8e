/**
 * `Authorization` header → who is asking. Accepts ES's two schemes: `Basic base64(user:password)` and
 * `ApiKey base64(id:key)`. scrypt is deliberately slow, so a verified header is remembered (by its
 * SHA-256, never in clear) for a few minutes; failures are not remembered, so a wrong secret costs an
 * attacker one scrypt per guess.
 */
import { createHash } from 'node:crypto';
import type { Credentials } from './credentials.ts';
import type { Role } from './privileges.ts';
import { verifySecret } from './secret-hash.ts';
import { badCredentials, missingCredentials } from '../http/errors.ts';

export interface Principal {
  readonly kind: 'user' | 'api key';
  readonly name: string;
  readonly roles: readonly Role[];
}

export interface Authenticator {
  /** Resolves the principal or throws ES's 401 `security_exception`. */
  authenticate(authorization: string | undefined, uri: string): Promise<Principal>;
}

const CACHE_TTL_MS = 5 * 60_000;
/** A valid hash of a random secret nobody knows (parameters as hashSecret's). */
const DECOY_HASH = `scrypt$16384$8$1$${Buffer.from('logship-decoy-salt').toString('base64')}$${Buffer.alloc(32, 1).toString('base64')}`;
const CACHE_MAX = 1000;

export function createAuthenticator(credentials: Credentials, now: () => number = Date.now): Authenticator {
  const verified = new Map<string, { principal: Principal; until: number }>();

  return {
    async authenticate(authorization, uri) {
      if (authorization === undefined || authorization.trim() === '') throw missingCredentials(uri);
      const cacheKey = createHash('sha256').update(authorization).digest('base64');
      const cached = verified.get(cacheKey);
      if (cached !== undefined && cached.until > now()) return cached.principal;

      const principal = await verify(credentials, authorization, uri);
      if (verified.size >= CACHE_MAX) verified.clear();
      verified.set(cacheKey, { principal, until: now() + CACHE_TTL_MS });
      return principal;
    },
  };
}

async function verify(credentials: Credentials, authorization: string, uri: string): Promise<Principal> {
  const space = authorization.indexOf(' ');
  const scheme = (space === -1 ? authorization : authorization.slice(0, space)).toLowerCase();
  const decoded = Buffer.from(space === -1 ? '' : authorization.slice(space + 1).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const left = colon === -1 ? decoded : decoded.slice(0, colon);
  const right = colon === -1 ? '' : decoded.slice(colon + 1);

  if (scheme === 'basic') {
    const user = credentials.users.find((u) => u.name === left);
    // An unknown name costs the same scrypt as a known one, so timing does not tell which names exist.
    const verified = await verifySecret(right, user?.passwordHash ?? DECOY_HASH);
    if (user === undefined || colon === -1 || !verified) throw badCredentials('user', left, uri);
    return { kind: 'user', name: user.name, roles: user.roles };
  }
  if (scheme === 'apikey') {
    const key = credentials.apiKeys.find((k) => k.id === left);
    const verified = await verifySecret(right, key?.keyHash ?? DECOY_HASH);
    if (key === undefined || colon === -1 || !verified) throw badCredentials('api key', left, uri);
    return { kind: 'api key', name: key.name, roles: key.roles };
  }
  throw missingCredentials(uri);
}
