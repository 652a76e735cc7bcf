import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // vitest's default (CPUs less one: a single worker on two vCPUs, ~14 minutes). Three workers took the suite to
    // ~8 minutes but starved the QEMU (TCG) microkernel test in one of three runs; more workers wait for those
    // tests to leave the shared pool.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
