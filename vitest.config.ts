import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real processes and ports; two workers fit this 2-core machine.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
