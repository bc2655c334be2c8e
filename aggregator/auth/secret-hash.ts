/**
 * Password and API-key hashes for the auth file: scrypt from node:crypto, encoded as
 * `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>`.
 *
 * Run directly to make entries for the auth file (the secret is read from stdin, never from argv):
 *   printf '%s' 'the password' | node aggregator/auth/secret-hash.ts          → a password_hash
 *   node aggregator/auth/secret-hash.ts --new-api-key shipper                 → an api_keys entry and the
 *                                                  `Authorization: ApiKey <base64(id:key)>` value to give out
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const DEFAULT = { N: 16384, r: 8, p: 1, keyLength: 32 };

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(secret, salt, DEFAULT.keyLength, { N: DEFAULT.N, r: DEFAULT.r, p: DEFAULT.p });
  return ['scrypt', DEFAULT.N, DEFAULT.r, DEFAULT.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** Whether `encoded` has the expected shape; used to report a bad auth file at start. */
export function isSecretHash(encoded: string): boolean {
  return decode(encoded) !== undefined;
}

export async function verifySecret(secret: string, encoded: string): Promise<boolean> {
  const parts = decode(encoded);
  if (parts === undefined) return false;
  const actual = await scryptAsync(secret, parts.salt, parts.hash.length, { N: parts.N, r: parts.r, p: parts.p, maxmem: 256 * parts.N * parts.r });
  return timingSafeEqual(actual, parts.hash);
}

function decode(encoded: string): { N: number; r: number; p: number; salt: Buffer; hash: Buffer } | undefined {
  const [scheme, n, r, p, salt, hash] = encoded.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return undefined;
  const numbers = [Number(n), Number(r), Number(p)];
  if (numbers.some((x) => !Number.isInteger(x) || x < 1)) return undefined;
  const hashBytes = Buffer.from(hash, 'base64');
  if (hashBytes.length < 16) return undefined;
  return { N: numbers[0]!, r: numbers[1]!, p: numbers[2]!, salt: Buffer.from(salt, 'base64'), hash: hashBytes };
}

function scryptAsync(secret: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key))));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

if (import.meta.main) {
  const [flag, name] = process.argv.slice(2);
  if (flag === '--new-api-key') {
    const id = randomBytes(12).toString('base64url');
    const key = randomBytes(24).toString('base64url');
    const keyHash = await hashSecret(key);
    process.stdout.write(`# add under api_keys: in the auth file\n- id: ${id}\n  name: ${name ?? 'unnamed'}\n  key_hash: "${keyHash}"\n  roles: [ingest]\n`);
    process.stdout.write(`# give this to the client (Authorization: ApiKey <encoded>, or the client's apiKey option):\n# encoded: ${Buffer.from(`${id}:${key}`).toString('base64')}\n`);
  } else {
    const secret = await readStdin();
    if (secret === '') {
      process.stderr.write('usage: printf %s "password" | node aggregator/auth/secret-hash.ts\n       node aggregator/auth/secret-hash.ts --new-api-key <name>\n');
      process.exit(2);
    }
    process.stdout.write(`${await hashSecret(secret)}\n`);
  }
}
