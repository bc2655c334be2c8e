/**
 * The page's only door to data: the Elasticsearch API behind the UI server's own origin (`/api/es/…`),
 * which the aggregator answers from the embedded store or a real cluster. Credentials, when the user
 * gave some, travel as a Basic `Authorization` header kept in this tab's session storage.
 */

export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  constructor(status: number, type: string, reason: string) {
    super(reason);
    this.name = 'ApiError';
    this.status = status;
    this.type = type;
  }
}

const AUTH_KEY = 'logship.auth';

export function getAuth(): string | null {
  try {
    return sessionStorage.getItem(AUTH_KEY);
  } catch {
    return null;
  }
}

export function setAuth(user: string, password: string): void {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  sessionStorage.setItem(AUTH_KEY, `Basic ${btoa(binary)}`);
}

export function clearAuth(): void {
  sessionStorage.removeItem(AUTH_KEY);
}

export async function es(method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const auth = getAuth();
  if (auth) headers.authorization = auth;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`/api/es${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    ...(signal ? { signal } : {}),
    credentials: 'omit',
    cache: 'no-store',
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const error = (json as { error?: { type?: string; reason?: string; root_cause?: Array<{ reason?: string }>; caused_by?: { reason?: string } } | string } | null)?.error;
    if (typeof error === 'string') throw new ApiError(response.status, 'error', error);
    const reason = error?.caused_by?.reason ?? error?.reason ?? error?.root_cause?.[0]?.reason ?? (text.slice(0, 300) || response.statusText);
    throw new ApiError(response.status, error?.type ?? 'http_error', reason);
  }
  return json;
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/** Lucene errors from Elasticsearch name a column ("… at line 1, column 7."): the 0-based offset, if any. */
export function lucenePosition(reason: string): number | null {
  const m = /line (\d+), column (\d+)/.exec(reason);
  if (!m || m[1] !== '1') return null;
  return Math.max(0, Number(m[2]) - 1);
}
