import path from 'node:path';
import { defineConfig } from 'vitest/config';

// SQLite in memory unless the environment names another database (`npm run test:pg` sets
// NocoBase's DB_* and CACHE_* variables for PostgreSQL and Redis; they pass through as they are).
const sqlite = !process.env.DB_DIALECT || process.env.DB_DIALECT === 'sqlite';

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
      ...(sqlite ? { DB_DIALECT: 'sqlite', DB_STORAGE: ':memory:' } : {}),
      APP_ENV: 'test',
      APP_KEY: 'test-key-for-vitest',
      CACHE_DEFAULT_STORE: process.env.CACHE_DEFAULT_STORE || 'memory',
    },
  },
});
