import { defineConfig } from 'vitest/config';

/**
 * Three tiers, all run by `npm test`:
 * - unit: pure code (machines, money, strategy, validation, parsing); no files, no servers, no child
 *   processes (`npm run test:unit`);
 * - integration: real SQLite files, the runtime, the venues and the simulator in this process;
 * - e2e: child processes (the CLI, SIGKILL), the browser.
 * Integration and e2e tests that start the engine run its bundle (`node dist/steadfast.mjs`), built once per
 * run by their globalSetup before any test (test/support/build-once.ts); the unit project builds nothing.
 * Their globalSetup also asks the PostgreSQL server of the dialect matrix once whether it answers
 * (test/support/postgres-probe.ts).
 */
const UNIT = [
  'test/machines/**/*.test.ts',
  'test/domain/money.test.ts',
  'test/domain/decimal-strings.test.ts',
  'test/domain/retry.test.ts',
  'test/domain/log-codes.test.ts',
  'test/strategy/**/*.test.ts',
  'test/engine/failure-streak.test.ts',
  'test/engine/periodic-tasks.test.ts',
  'test/engine/read-model-store.test.ts',
  'test/engine/symbols.test.ts',
  'test/engine/watched-conditions.test.ts',
  'test/adapters/ccxt/error-map.test.ts',
  'test/adapters/ccxt/market-rules.test.ts',
  'test/adapters/ccxt/pushed-frames.test.ts',
  'test/adapters/ccxt/trade-history.test.ts',
  'test/runtime/persisted-json.test.ts',
];
const E2E = [
  'test/cli/**/*.test.ts',
  'test/crash/**/*.test.ts',
  'test/chaos/**/*.test.ts',
  'test/visualizer/**/*.test.ts',
  'test/venue-sim/cli.test.ts',
  'test/domain/extend.test.ts',
  'test/tools/studio-export.test.ts',
];

const BUILD_ONCE = 'test/support/build-once.ts';
/** Probes the PostgreSQL server of the dialect matrix once per run (test/support/dialects.ts). */
const POSTGRES_PROBE = 'test/support/postgres-probe.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...UNIT, ...E2E],
          globalSetup: [BUILD_ONCE, POSTGRES_PROBE],
        },
      },
      { extends: true, test: { name: 'e2e', include: E2E, globalSetup: [BUILD_ONCE, POSTGRES_PROBE] } },
    ],
  },
});
