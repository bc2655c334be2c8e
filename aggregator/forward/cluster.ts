/**
 * The connection to the real cluster: the official client, made to talk to any Elasticsearch 7/8/9 or
 * OpenSearch, and one `request` call that returns the cluster's JSON body or throws the cluster's own
 * error as an `EsError` (same status, type and reason), so the HTTP layer renders it unchanged.
 *
 * Two defaults of `@elastic/elasticsearch` 9 are wrong for a forwarder that must work with whatever
 * cluster it is pointed at (reference/es-compat.md §1.1, §1.2):
 * - its vendored `compatible-with=9` media types are refused by Elasticsearch 8
 *   (`media_type_header_exception`), so requests use plain `application/json` / `application/x-ndjson`,
 *   which every version and OpenSearch accept;
 * - its product check throws on 2xx answers without `X-Elastic-Product: Elasticsearch`, which OpenSearch
 *   never sends, so it is off.
 * The client's own retries are off too: the forwarder retries with its own backoff, forever.
 */
import { readFileSync } from 'node:fs';
import { Client, Transport, errors, type TransportOptions } from '@elastic/elasticsearch';
import { EsError, type JsonObject } from '../store/types.ts';

export interface ClusterOptions {
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly apiKey?: string | undefined;
  readonly caFile?: string | undefined;
  /** Time allowed for one request (default 60 s). */
  readonly requestTimeoutMs?: number;
}

/** The client's transport with plain media types and no product check (see the file comment). */
class AnyClusterTransport extends Transport {
  constructor(options: TransportOptions) {
    super({
      ...options,
      productCheck: undefined,
      vendoredHeaders: { jsonContentType: 'application/json', ndjsonContentType: 'application/x-ndjson', accept: 'application/json, text/plain' },
    });
  }
}

export function createClusterClient(options: ClusterOptions): Client {
  return new Client({
    node: options.url,
    Transport: AnyClusterTransport,
    auth: options.apiKey !== undefined
      ? { apiKey: options.apiKey }
      : options.username !== undefined
        ? { username: options.username, password: options.password ?? '' }
        : undefined,
    ...(options.caFile === undefined ? {} : { tls: { ca: readFileSync(options.caFile) } }),
    compression: true,
    maxRetries: 0,
    requestTimeout: options.requestTimeoutMs ?? 60_000,
  });
}

export interface RequestOptions {
  readonly querystring?: Readonly<Record<string, string>> | undefined;
  readonly body?: JsonObject | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Statuses answered as a body instead of an error (e.g. 404 of a missing document). */
  readonly ignore?: readonly number[];
}

/** Path of an index pattern or name: comma lists and wildcards keep their meaning. */
export function pathPart(value: string): string {
  return encodeURIComponent(value).replaceAll('%2C', ',').replaceAll('%2A', '*');
}

export class Cluster {
  readonly client: Client;
  readonly url: string;

  constructor(options: ClusterOptions) {
    this.client = createClusterClient(options);
    this.url = options.url;
  }

  /** One proxied call: the cluster's JSON body, or its error as an `EsError`. */
  async request(method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD', path: string, options: RequestOptions = {}): Promise<JsonObject> {
    try {
      const body: unknown = await this.client.transport.request(
        {
          method, path,
          ...(options.querystring === undefined ? {} : { querystring: { ...options.querystring } }),
          ...(options.body === undefined ? {} : { body: options.body }),
        },
        { ...(options.signal === undefined ? {} : { signal: options.signal }), ...(options.ignore === undefined ? {} : { ignore: [...options.ignore] }) },
      );
      if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as JsonObject;
      return { value: body };
    } catch (error) {
      throw toEsError(error, this.url, options.signal);
    }
  }

  /** A call whose answer is a JSON array (`_cat/*?format=json`). */
  async requestArray(path: string, querystring: Readonly<Record<string, string>>): Promise<unknown[]> {
    const answer = await this.request('GET', path, { querystring });
    if (Array.isArray(answer.value)) return answer.value;
    throw new EsError(502, 'exception', `the cluster answered ${path} with something other than a JSON array`);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/**
 * The cluster's error → `EsError`. An ES error body keeps its type, reason and extra fields (root_cause,
 * index, …); a cluster that cannot be reached is a 503 (the official clients retry it), a timeout a 504.
 */
export function toEsError(error: unknown, url: string, signal?: AbortSignal): EsError {
  if (error instanceof EsError) return error;
  if (signal?.aborted === true && signal.reason instanceof EsError) return signal.reason;
  if (error instanceof errors.ResponseError) {
    const status = error.statusCode ?? 502;
    const body: unknown = error.body;
    const envelope = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
    if (typeof envelope === 'object' && envelope !== null) {
      const { type, reason, ...extra } = envelope as Record<string, unknown>;
      return new EsError(status, typeof type === 'string' ? type : 'exception', typeof reason === 'string' ? reason : JSON.stringify(envelope), extra);
    }
    if (typeof envelope === 'string') return new EsError(status, 'exception', envelope);
    return new EsError(status, 'exception', `the cluster answered ${status}: ${typeof body === 'string' ? body.slice(0, 500) : JSON.stringify(body)?.slice(0, 500)}`);
  }
  if (error instanceof errors.TimeoutError) return new EsError(504, 'timeout_exception', `the cluster at ${url} did not answer in time`);
  if (error instanceof errors.RequestAbortedError) return new EsError(499, 'task_cancelled_exception', 'the request was cancelled');
  if (error instanceof errors.ConnectionError || error instanceof errors.NoLivingConnectionsError) {
    return new EsError(503, 'connect_transport_exception', `the cluster at ${url} cannot be reached: ${error.message}`);
  }
  return new EsError(502, 'exception', `the cluster at ${url}: ${error instanceof Error ? error.message : String(error)}`);
}
