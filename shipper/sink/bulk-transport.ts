/**
 * The shippers' one kind of request, `POST /_bulk`, over node's own HTTP client with keep-alive.
 *
 * Why not the official client (which the aggregator's forwarding mode still uses): the shippers send
 * nothing but bulk bodies of a few MiB, made of views of the records' memory, and undici (under the client)
 * streams such a body one socket write at a time, each waiting for the last. node:http takes all of the
 * body's parts before the socket is free and hands them to the kernel in one `writev`. Measured on 4.6 MB
 * bodies of 18 parts against the same receiver: ≈ 2.0–2.6 ms of CPU per request through the client,
 * ≈ 1.2–1.6 ms here; the collector as a whole took 13 % less CPU per 512 MiB of log (BENCHMARKS.md, stop 18).
 *
 * What the client gave and this keeps: basic auth (options or credentials in the URL), API keys, a CA file
 * or no verification for TLS, a path prefix in the URL (a store behind a proxy), a request timeout, and
 * errors that carry the status, the store's reason and `Retry-After`. What it does not do: the client's
 * product check (a shipper has no use for it: OpenSearch and our aggregator are fine stores too), sniffing,
 * and its own retries (the pipeline retries, see elasticsearch.ts).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { retryAfterSecondsOf } from '../retry-backoff.ts';

export interface BulkTransportOptions {
  /** The store's URL: `http(s)://[user:password@]host:port[/prefix]`. */
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** An Elasticsearch API key, base64 of `id:key` as Elasticsearch hands it out. */
  readonly apiKey?: string | undefined;
  readonly caFile?: string | undefined;
  readonly insecureSkipVerify?: boolean | undefined;
  readonly requestTimeoutMs: number;
  /** Connections kept open: the requests the pipeline may have in flight at once. */
  readonly maxSockets: number;
  readonly userAgent: string;
}

/** A request the store answered with a status outside 2xx. */
export class BulkRequestError extends Error {
  readonly statusCode: number;
  /** `Retry-After` in seconds, when the store sent one (429 and 503 usually do). */
  readonly retryAfterSeconds: number | undefined;
  constructor(statusCode: number, reason: string, retryAfterSeconds: number | undefined) {
    super(reason);
    this.name = 'BulkRequestError';
    this.statusCode = statusCode;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface BulkTransport {
  /**
   * Posts `parts` (one NDJSON body, in order) to `_bulk?<query>` and resolves with the answer's text when
   * it is 2xx. Rejects with a BulkRequestError for any other status, or with the network's error. The parts'
   * memory must stay as it is until this settles.
   */
  post(parts: readonly Uint8Array[], query: string, headers?: Readonly<Record<string, string>>): Promise<string>;
  close(): void;
}

/** The first bytes of an error answer kept in the reason when it is not Elasticsearch's JSON envelope. */
const REASON_TEXT_LIMIT = 300;

export function createBulkTransport(options: BulkTransportOptions): BulkTransport {
  const url = new URL(options.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--to must be an http or https URL, not ${url.protocol}`);
  const secure = url.protocol === 'https:';
  const agent = secure
    ? new https.Agent({
      keepAlive: true,
      maxSockets: options.maxSockets,
      ca: options.caFile === undefined ? undefined : readFileSync(options.caFile),
      rejectUnauthorized: options.insecureSkipVerify !== true,
    })
    : new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
  const request = secure ? https.request : http.request;
  const fixedHeaders: Record<string, string> = {
    'content-type': 'application/x-ndjson',
    accept: 'application/json',
    'user-agent': options.userAgent,
  };
  const authorization = authorizationOf(options, url);
  if (authorization !== undefined) fixedHeaders.authorization = authorization;
  const bulkPath = `${url.pathname.replace(/\/+$/, '')}/_bulk`;
  const target = { protocol: url.protocol, hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, agent, method: 'POST' };

  return {
    post(parts, query, headers) {
      let length = 0;
      for (const part of parts) length += part.byteLength;
      return new Promise<string>((resolve, reject) => {
        let settled = false;
        let answered = false;
        const settle = (error: Error | undefined, text?: string) => {
          if (settled) return;
          settled = true;
          if (error === undefined) resolve(text!);
          else reject(error);
        };
        const outgoing = request({
          ...target,
          path: query === '' ? bulkPath : `${bulkPath}?${query}`,
          headers: { ...fixedHeaders, ...headers, 'content-length': String(length) },
        }, (answer) => {
          answered = true;
          const status = answer.statusCode ?? 0;
          const chunks: Buffer[] = [];
          const refusal = () => new BulkRequestError(status, reasonOf(status, Buffer.concat(chunks).toString('utf8')), retryAfterSecondsOf(answer.headers['retry-after']));
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => {
            if (status >= 200 && status < 300) settle(undefined, Buffer.concat(chunks).toString('utf8'));
            else settle(refusal());
          });
          // Cut off before its end (the store closed the connection): a refusal keeps its status (a 413 sent
          // before the body was read must reach the pipeline as a 413, which halves the batch); a success
          // cut short is no answer.
          const cutOff = () => settle(status >= 200 && status < 300 ? new Error('the store\'s answer was cut off') : refusal());
          answer.on('error', cutOff);
          answer.on('close', () => {
            if (!answer.complete) cutOff();
          });
        });
        // Once the store has answered, a failure to write the rest of the body (it closed the connection after
        // refusing the request) is not the outcome: the answer is.
        outgoing.on('error', (error) => {
          if (!answered) settle(error);
        });
        outgoing.setTimeout(options.requestTimeoutMs, () => {
          outgoing.destroy(new Error(`the store did not answer within ${options.requestTimeoutMs} ms`));
        });
        // Written before the socket is assigned, the parts are queued and then go to the kernel together.
        for (const part of parts) outgoing.write(part);
        outgoing.end();
      });
    },
    close() {
      agent.destroy();
    },
  };
}

function authorizationOf(options: BulkTransportOptions, url: URL): string | undefined {
  if (options.apiKey !== undefined) return `ApiKey ${options.apiKey}`;
  const username = options.username ?? (url.username === '' ? undefined : decodeURIComponent(url.username));
  if (username === undefined) return undefined;
  const password = options.password ?? decodeURIComponent(url.password);
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** `401 security_exception: missing authentication credentials`, from Elasticsearch's error envelope when there is one. */
function reasonOf(status: number, text: string): string {
  try {
    const answer = JSON.parse(text) as { error?: { type?: unknown; reason?: unknown } | string };
    const error = answer.error;
    if (typeof error === 'string') return `${status} ${error}`;
    if (error !== undefined && error !== null && (typeof error.type === 'string' || typeof error.reason === 'string')) {
      return `${status} ${String(error.type ?? 'error')}: ${String(error.reason ?? 'no reason given')}`;
    }
  } catch {
    // Not JSON (a proxy's page, say): its first bytes below.
  }
  const body = text.trim().slice(0, REASON_TEXT_LIMIT);
  return body === '' ? `${status} ${http.STATUS_CODES[status] ?? 'error'}` : `${status} ${body}`;
}
