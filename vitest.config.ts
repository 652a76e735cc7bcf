import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Tests that need the machine to themselves: QEMU guests under TCG (software emulation), and the cluster rack
 * (three member processes, a hundred simulated machines, the broker). `npm run test:suites` runs the rest first
 * (MONORAIL_TEST_BATCH=shared, three workers: those tests mostly wait on sockets and processes, and one worker on
 * two vCPUs took 12 minutes), then these one at a time (MONORAIL_TEST_BATCH=alone). Three workers starved the QEMU
 * microkernel test when it ran among the others; no batch variable runs everything with vitest's defaults.
 */
const alone = ['test/e2e/**/*.test.ts', 'test/**/*.qemu*.test.ts', 'test/cluster/cluster-discovery.process.test.ts'];
const batch = process.env.MONORAIL_TEST_BATCH;
if (batch !== undefined && batch !== 'shared' && batch !== 'alone') throw new Error(`MONORAIL_TEST_BATCH must be shared or alone, not ${batch}`);

export default defineConfig({
  test: {
    include: batch === 'alone' ? alone : ['test/**/*.test.ts'],
    exclude: batch === 'shared' ? [...configDefaults.exclude, ...alone] : configDefaults.exclude,
    ...(batch === 'shared' ? { maxWorkers: 3 } : batch === 'alone' ? { maxWorkers: 1, fileParallelism: false } : {}),
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
