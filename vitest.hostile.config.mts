/**
 * The hostile-input suite (`npm run test:hostile`): the same test environment as the server tests,
 * its own files, not part of `npm test`.
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config.mts';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['src/**/__hostile__/**/*.test.ts'],
    testTimeout: 600_000,
  },
});
