/**
 * A minimal Kubernetes API client: GET a JSON document, or stream a watch. Built on `node:http(s)`
 * because the collector needs exactly two calls (list and watch pods) and a full client library would
 * cost tens of megabytes of memory on every node.
 *
 * - The bearer token is re-read from its file (at most every `tokenRefreshMs`): projected service
 *   account tokens are rotated by the kubelet about every hour.
 * - A watch is newline-delimited JSON over a chunked response; objects may be split across chunks and
 *   chunks may split UTF-8 characters, both handled by `splitJsonLines`.
 * - Non-2xx answers become `KubeApiError` with the status and the API's `Status.reason`.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export interface KubeClientOptions {
  /** `https://10.96.0.1:443` in a cluster; `http://127.0.0.1:port` for the test server. */
  readonly server: string;
  /** File holding the bearer token (re-read periodically); omit for no authentication. */
  readonly tokenFile?: string;
  /** PEM of the API server's CA. */
  readonly ca?: string | Buffer;
  /** Timeout of a plain GET (default 30 s). */
  readonly requestTimeoutMs?: number;
  readonly tokenRefreshMs?: number;
  readonly userAgent?: string;
}

export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string | undefined;
  constructor(status: number, reason: string | undefined, message: string) {
    super(message);
    this.name = 'KubeApiError';
    this.status = status;
    this.reason = reason;
  }
}

export interface KubeClient {
  /** GET `path` (with query) and parse the JSON body. */
  getJson<T>(path: string, signal: AbortSignal): Promise<T>;
  /**
   * GET a watch and yield each event object as it arrives. Ends when the server ends the response;
   * throws on a non-2xx status, on a broken connection, or when nothing (not even a bookmark) arrives
   * for `idleTimeoutMs`.
   */
  watch(path: string, signal: AbortSignal, idleTimeoutMs: number): AsyncIterable<unknown>;
}

export function createKubeClient(options: KubeClientOptions): KubeClient {
  const base = new URL(options.server);
  const secure = base.protocol === 'https:';
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const tokenRefreshMs = options.tokenRefreshMs ?? 60_000;
  let token: { value: string | undefined; readAt: number } | undefined;

  const bearer = (): string | undefined => {
    if (options.tokenFile === undefined) return undefined;
    const now = Date.now();
    if (token === undefined || now - token.readAt > tokenRefreshMs) {
      try {
        token = { value: readFileSync(options.tokenFile, 'utf8').trim(), readAt: now };
      } catch {
        token = { value: token?.value, readAt: now };
      }
    }
    return token.value;
  };

  const open = (path: string, signal: AbortSignal, accept: string): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const url = new URL(path, base);
      const headers: Record<string, string> = { accept, 'user-agent': options.userAgent ?? 'logship-collector' };
      const value = bearer();
      if (value !== undefined && value !== '') headers.authorization = `Bearer ${value}`;
      const req = (secure ? httpsRequest : httpRequest)(url, { method: 'GET', headers, signal, ...(secure && options.ca !== undefined ? { ca: options.ca } : {}) }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          resolve(res);
          return;
        }
        readAll(res)
          .then((body) => reject(apiError(status, body)))
          .catch(reject);
      });
      req.on('error', reject);
      req.end();
    });

  return {
    async getJson<T>(path: string, signal: AbortSignal): Promise<T> {
      const timeout = AbortSignal.timeout(requestTimeoutMs);
      const combined = AbortSignal.any([signal, timeout]);
      const res = await open(path, combined, 'application/json');
      return JSON.parse(await readAll(res)) as T;
    },
    async *watch(path: string, signal: AbortSignal, idleTimeoutMs: number): AsyncIterable<unknown> {
      const idle = new AbortController();
      const combined = AbortSignal.any([signal, idle.signal]);
      let timer: NodeJS.Timeout | undefined;
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => idle.abort(new Error(`no watch event for ${idleTimeoutMs} ms`)), idleTimeoutMs);
        timer.unref();
      };
      arm();
      try {
        const res = await open(path, combined, 'application/json');
        const split = splitJsonLines();
        for await (const chunk of res) {
          arm();
          for (const line of split.push(chunk as Buffer)) yield JSON.parse(line) as unknown;
        }
        const rest = split.end();
        if (rest !== undefined) yield JSON.parse(rest) as unknown;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Splits a byte stream of newline-delimited JSON into complete lines, across chunk boundaries and
 * across multi-byte UTF-8 characters split between chunks. Empty lines are skipped.
 */
export function splitJsonLines(): { push(chunk: Buffer): string[]; end(): string | undefined } {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  return {
    push(chunk) {
      pending += decoder.write(chunk);
      const lines: string[] = [];
      let start = 0;
      for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n', start)) {
        const line = pending.slice(start, nl).trim();
        if (line !== '') lines.push(line);
        start = nl + 1;
      }
      pending = pending.slice(start);
      return lines;
    },
    end() {
      const rest = (pending + decoder.end()).trim();
      pending = '';
      return rest === '' ? undefined : rest;
    },
  };
}

async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function apiError(status: number, body: string): KubeApiError {
  let reason: string | undefined;
  let message = body.slice(0, 300);
  try {
    const parsed = JSON.parse(body) as { reason?: unknown; message?: unknown };
    if (typeof parsed.reason === 'string') reason = parsed.reason;
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // not a Status object: keep the raw text
  }
  return new KubeApiError(status, reason, `kubernetes API answered ${status}${reason === undefined ? '' : ` ${reason}`}: ${message}`);
}
