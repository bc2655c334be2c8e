/**
 * The cheapest possible `_bulk` receiver for benchmarks: counts actions by counting lines, answers every
 * item with 201 in Elasticsearch's response shape, and does nothing else — so what a benchmark measures
 * is the shipper, not the store. Like Elasticsearch it honours `filter_path` (the shippers ask for
 * `errors` alone while answers are clean, Filebeat for `errors,items.*.status,items.*.error`), so a
 * shipper reads the answer a real cluster would send it.
 * (Tests use test/helpers/recording-bulk-endpoint.ts, which keeps ids.)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface CountingEndpoint {
  readonly url: string;
  count(): number;
  bytes(): number;
  close(): Promise<void>;
}

const ITEM_FIELDS: ReadonlyArray<[string, string]> = [['_index', '"x"'], ['_id', '"x"'], ['_version', '1'], ['result', '"created"'], ['status', '201']];

/** The answer's parts as `filter_path` keeps them (its `items.*.<field>` form and whole keys; no error happens here). */
function answerShape(url: string): { took: boolean; errors: boolean; item: string | undefined } {
  const filter = new URL(url, 'http://x').searchParams.get('filter_path');
  const item = (fields: ReadonlyArray<[string, string]>) => `{"create":{${fields.map(([k, v]) => `"${k}":${v}`).join(',')}}}`;
  if (filter === null) return { took: true, errors: true, item: item(ITEM_FIELDS) };
  const paths = filter.split(',').map((p) => p.trim());
  const whole = paths.includes('items') || paths.includes('items.*');
  const kept = ITEM_FIELDS.filter(([key]) => whole || paths.includes(`items.*.${key}`));
  return { took: paths.includes('took'), errors: paths.includes('errors'), item: kept.length === 0 ? undefined : item(kept) };
}

export async function startCountingEndpoint(): Promise<CountingEndpoint> {
  let count = 0;
  let bytes = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      response.setHeader('x-elastic-product', 'Elasticsearch');
      response.setHeader('content-type', 'application/json');
      if (!request.url?.includes('_bulk')) {
        response.end(request.url === '/' ? '{"version":{"number":"8.19.0","build_flavor":"default"},"tagline":"You Know, for Search"}' : '{}');
        return;
      }
      let body = Buffer.concat(chunks);
      if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      bytes += body.length;
      let lines = 0;
      for (let i = body.indexOf(10); i !== -1; i = body.indexOf(10, i + 1)) lines++;
      const items = Math.floor(lines / 2);
      count += items;
      const shape = answerShape(request.url);
      const parts = [...(shape.took ? ['"took":1'] : []), ...(shape.errors ? ['"errors":false'] : []), ...(shape.item === undefined ? [] : [`"items":[${new Array(items).fill(shape.item).join(',')}]`])];
      response.end(`{${parts.join(',')}}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    count: () => count,
    bytes: () => bytes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
