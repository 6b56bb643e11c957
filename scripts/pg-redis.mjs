#!/usr/bin/env node
/**
 * `npm run test:pg`: the server test suite on PostgreSQL and Redis.
 *
 * Starts a local PostgreSQL and redis-server on free ports (data in .e2e/pg and .e2e/redis), or
 * uses the ones the environment names (DB_DIALECT=postgres + DB_HOST/DB_PORT/DB_USER/DB_PASSWORD/
 * DB_DATABASE, CACHE_DEFAULT_STORE=redis + CACHE_REDIS_URL), runs `scripts/run-vitest.mjs` with
 * NocoBase's settings for them, and stops what it started. Every test app gets its own database
 * and cache key prefix (src/server/__tests__/isolation.ts). Extra args go to vitest.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pgQuery, root, startServices, stopOnSignals } from './services.mjs';

const started = Date.now();
const services = await startServices().catch((err) => {
  console.error(`\n✖ ${err.message}`);
  process.exit(1);
});
stopOnSignals(services.stop);
console.log(`→ PostgreSQL ${services.pgVersion}, Redis ${services.redisUrl}`);

// Databases left by an interrupted earlier run.
const { rows } = await pgQuery(services.pg, `SELECT datname FROM pg_database WHERE datname LIKE 'open2fa\\_t\\_%'`);
for (const { datname } of rows) await pgQuery(services.pg, `DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);

const code = await new Promise((resolve) => {
  const child = spawn(process.execPath, [path.join(root, 'scripts/run-vitest.mjs'), ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...services.env, TEST_SUITE_LABEL: 'server tests on PostgreSQL + Redis' },
  });
  child.on('exit', (c) => resolve(c ?? 1));
});
await services.stop();
console.log(`(${Math.round((Date.now() - started) / 1000)} s)`);
process.exit(code);
