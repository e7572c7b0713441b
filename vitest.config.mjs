import { defineConfig } from 'vitest/config';

// Tests are compiled by tsc with the rest of the project and run from dist/: behaviour modules are
// loaded by worker threads, which on Node 20 can only import JavaScript.
export default defineConfig({
  test: {
    include: ['dist/test/**/*.test.js'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
