import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Wechaty keeps module-level state; isolate files in forks so suites cannot leak into each other.
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
  },
})
