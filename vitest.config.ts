import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'prover/**/*.test.ts', 'vm/**/*.test.ts', 'guest/**/*.test.ts', 'precompiles/**/*.test.ts'],
    exclude: ['**/assembly/**', 'node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
