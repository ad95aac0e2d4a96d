import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every test process is a door: its gpu kernel runs on Dawn's device unless a test sets another source.
    setupFiles: ['test/support/gpuSource.ts'],
    // Separate processes: tfjs keeps global backend state, and CLI tests spawn children.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
