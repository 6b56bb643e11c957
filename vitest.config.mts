import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^@nocobase\/test$/,
        replacement: path.resolve(__dirname, 'node_modules/@nocobase/test/lib/index.js'),
      },
    ],
  },
  test: {
    globals: true,
    environment: 'node',
    include: ['src/**/__tests__/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: {
      NODE_MODULES_PATH: path.resolve(__dirname, 'node_modules'),
      STORAGE_PATH: path.resolve(__dirname, 'node_modules/.cache/nocobase-test-storage'),
      LOGGER_TRANSPORT: 'console',
      LOGGER_LEVEL: 'error',
      DB_DIALECT: 'sqlite',
      DB_STORAGE: ':memory:',
      APP_ENV: 'test',
      APP_KEY: 'test-key-for-vitest',
      CACHE_DEFAULT_STORE: 'memory',
    },
  },
});
