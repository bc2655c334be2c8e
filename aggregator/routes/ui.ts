/**
 * The search page's server (on `--ui-listen`). PLACEHOLDER: the UI helper takes this file over.
 * Contract used by main.ts: `registerUi(uiApp, { apiApp })` registers the page's routes on its own
 * fastify instance; the page reads through the same Elasticsearch API (`apiApp.inject(...)` or HTTP).
 */
import type { FastifyInstance } from 'fastify';

export interface UiOptions {
  /** The Elasticsearch-compatible API app, for the page's queries. */
  readonly apiApp: FastifyInstance;
}

export async function registerUi(app: FastifyInstance, _options: UiOptions): Promise<void> {
  app.get('/', async (_request, reply) => {
    reply.type('text/html; charset=utf-8');
    return '<!doctype html><html><head><meta charset="utf-8"><title>logship</title></head><body><h1>logship</h1><p>The search page is being built.</p></body></html>';
  });
}
