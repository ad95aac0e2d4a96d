import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Separate processes: tfjs keeps global backend state, and CLI tests spawn children.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
