/** Builds the API app on the fake store, silent, for `inject()` tests. */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildApp, type AppOptions } from '../../../aggregator/app.ts';
import { createFakeStore, type FakeStore } from '../../helpers/fake-store.ts';
import type { FastifyInstance } from 'fastify';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly store: FakeStore;
  readonly registry: Registry;
}

export function buildTestApp(overrides: Partial<AppOptions> = {}): TestApp {
  const store = createFakeStore();
  const registry = new Registry();
  const app = buildApp({ store, logger: pino({ level: 'silent' }), registry, clusterUuid: 'test-cluster-uuid-000000', ...overrides });
  return { app, store, registry };
}
