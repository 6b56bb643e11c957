import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// SQLite in memory unless the environment names another database (`npm run test:pg` sets
// NocoBase's DB_* and CACHE_* variables for PostgreSQL and Redis; they pass through as they are).
const sqlite = !process.env.DB_DIALECT || process.env.DB_DIALECT === 'sqlite';
const storage = path.resolve(__dirname, 'node_modules/.cache/nocobase-test-storage');
// NOCOBASE_NODE_MODULES: another node_modules holding the NocoBase packages to test on (`npm run
// test:versions` installs each NocoBase line in .versions/<version>/); the rest comes from ours.
const nocobase = process.env.NOCOBASE_NODE_MODULES ? path.resolve(process.env.NOCOBASE_NODE_MODULES) : path.resolve(__dirname, 'node_modules');
const otherNocobase = nocobase !== path.resolve(__dirname, 'node_modules');

export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^@nocobase\/test$/,
        replacement: path.join(nocobase, '@nocobase/test/lib/index.js'),
      },
      ...(otherNocobase ? [{ find: /^@nocobase\/(.*)$/, replacement: `${nocobase}/@nocobase/$1` }] : []),
    ],
  },
  test: {
    globals: true,
    environment: 'node',
    include: ['src/**/__tests__/**/*.test.ts'],
    pool: 'forks',
    poolOptions: {
      forks: {
        // One fork per core: vitest leaves a core free by default, which on a 2-core machine runs
        // the files one at a time. Files stay isolated (a fresh process each): several rely on
        // module state of their own (hooks, fake clocks, warn-once flags).
        maxForks: Math.max(1, os.availableParallelism()),
        minForks: 1,
      },
    },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The apps' logs go to files under the storage folder; what tests print to the console is shown
    // only with TEST_LOGS=1, so a run shows the runner's summary and the failures.
    onConsoleLog: () => (process.env.TEST_LOGS === '1' ? undefined : false),
    env: {
      NODE_MODULES_PATH: nocobase,
      STORAGE_PATH: storage,
      LOGGER_TRANSPORT: process.env.TEST_LOGS === '1' ? 'console' : 'file',
      LOGGER_LEVEL: 'error',
      ...(sqlite ? { DB_DIALECT: 'sqlite', DB_STORAGE: ':memory:' } : {}),
      APP_ENV: 'test',
      APP_KEY: 'test-key-for-vitest',
      CACHE_DEFAULT_STORE: process.env.CACHE_DEFAULT_STORE || 'memory',
    },
  },
});
