import { defineConfig } from 'vitest/config';

// Unit tests mirror src-*; e2e drives Debian's Chromium against web mode. tf.js wasm wants real processes (forks).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
