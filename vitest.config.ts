import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Most test files wait on sockets, child processes and timers rather than the CPU; vitest's default of one
    // worker per CPU less one meant a single worker on our two-vCPU machines (14 minutes for the suite).
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
