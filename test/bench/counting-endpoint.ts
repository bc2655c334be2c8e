/**
 * The cheapest possible `_bulk` receiver for benchmarks: counts actions by counting lines, answers every
 * item with 201 in Elasticsearch's response shape, and does nothing else — so what a benchmark measures
 * is the shipper, not the store. (Tests use test/helpers/recording-bulk-endpoint.ts, which keeps ids.)
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

const ITEM = '{"create":{"_index":"x","_id":"x","_version":1,"result":"created","status":201}}';

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
      response.end(`{"took":1,"errors":false,"items":[${new Array(items).fill(ITEM).join(',')}]}`);
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
