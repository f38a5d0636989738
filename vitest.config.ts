import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Test files share one Redis but isolate themselves by key prefix; two at a time suits a 2-core machine.
    maxWorkers: 2,
    pool: 'forks',
  },
});
