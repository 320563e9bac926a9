import { defineConfig } from 'vitest/config';

// One project per layer: unit tests run fully parallel; integration and e2e share one
// DynamoDB Local (and one SES emulator) started by the global setup for the whole run.
// Time limits are budgets for a busy 2-core CI machine (load 10), not speed checks: no test may
// depend on how fast the machine is. Speed is measured by `npm run bench`.
export default defineConfig({
  test: {
    // The JSON report lets .ci/run print the pass/fail counts (the chaos run writes its own file).
    reporters: [
      'default',
      ['json', { outputFile: process.env.PRECIS_TEST_REPORT ?? 'test-results/vitest.json' }],
    ],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/emulators.ts'],
          testTimeout: 900_000,
          hookTimeout: 900_000,
        },
      },
      {
        // Crash, throttle and replay on the local runtime (`npm run test:chaos`): minutes long, so
        // not in `npm test`'s projects; .ci/run runs it after them.
        extends: true,
        test: {
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          globalSetup: ['test/support/emulators.ts'],
          fileParallelism: false,
          testTimeout: 900_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
