/**
 * Request bodies the way Elasticsearch takes them: any content type (`application/json`,
 * `application/x-ndjson`, the `vnd.elasticsearch+json; compatible-with=7|8|9` types, `text/plain` from
 * the JS client's string bodies, none at all), optionally gzip-compressed, on GET as well as POST.
 *
 * Every body is kept as its bytes; each route decides how to read it (`jsonBody`, `bodyText` or NDJSON
 * straight from the bytes, see ndjson.ts), so that `_bulk` and `_msearch` are NDJSON whatever the content
 * type says. The size limit applies to the decompressed bytes too, so a small gzip bomb still gets 413.
 */
import { createGunzip, createInflate } from 'node:zlib';
import type { Transform } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseException } from './errors.ts';
import type { JsonObject } from '../store/types.ts';

export function registerBodyHandling(app: FastifyInstance): void {
  // ES reads bodies on GET (`GET /_search` with a query is common in curl examples and Kibana's console).
  app.addHttpMethod('GET', { hasBody: true, overrideExisting: true });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.addHook('preParsing', async (request, _reply, payload) => {
    const encoding = String(request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    // An empty body stays empty, whatever encoding it claims (gunzip would call it truncated).
    if (encoding === 'identity' || encoding === '' || request.headers['content-length'] === '0') return payload;
    let decoder: Transform;
    if (encoding === 'gzip' || encoding === 'x-gzip') decoder = createGunzip();
    else if (encoding === 'deflate') decoder = createInflate();
    else throw parseException(`unsupported Content-Encoding [${encoding}]; send identity, gzip or deflate`);
    // fastify compares the compressed length with Content-Length and checks both lengths against the limit.
    const counted = decoder as Transform & { receivedEncodedLength: number };
    counted.receivedEncodedLength = 0;
    payload.on('data', (chunk: Buffer) => {
      counted.receivedEncodedLength += chunk.length;
    });
    payload.on('error', (error) => decoder.destroy(error));
    return payload.pipe(decoder);
  });
}

/** The raw body text (UTF-8), or '' when there was none. */
export function bodyText(request: FastifyRequest): string {
  const body = request.body;
  if (typeof body === 'string') return body;
  if (!Buffer.isBuffer(body)) return '';
  const text = body.toString('utf8');
  request.body = text;
  return text;
}

/** The body as it arrived (after gzip), for readers that split it before decoding (NDJSON). */
export function bodyBytes(request: FastifyRequest): Buffer | string {
  const body = request.body;
  return Buffer.isBuffer(body) || typeof body === 'string' ? body : '';
}

/** A JSON object body; an absent or blank body is `{}`. Anything else is ES's 400 `parse_exception`. */
export function jsonBody(request: FastifyRequest): JsonObject {
  const text = bodyText(request);
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw parseException(`request body is not valid JSON: ${(error as Error).message}`);
  }
  if (!isJsonObject(parsed)) throw parseException('request body must be a JSON object');
  return parsed;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
