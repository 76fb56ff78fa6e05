import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Tests read the TypeScript sources of the workspace packages, not their compiled dist/.
  resolve: { conditions: ['ferry-source'] },
  ssr: { resolve: { conditions: ['ferry-source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'plugins/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end suites start real processes and servers. Two files at a time on the 2-core
    // machine: most of an e2e file's time is spent waiting on its child processes, so two
    // overlap well (measured idle: 441 s with one worker, 269 s with two, all passing).
    pool: 'forks',
    maxWorkers: 2,
    reporters: process.env.CI ? ['default', 'junit'] : ['default'],
    outputFile: { junit: '.tmp/junit.xml' },
  },
});
