#!/usr/bin/env node
/**
 * `npm run test:pg`: the server test suite on PostgreSQL and Redis.
 *
 * Starts a local PostgreSQL and redis-server on free ports (data in .e2e/pg and .e2e/redis), or
 * uses the ones the environment names (DB_DIALECT=postgres + DB_HOST/DB_PORT/DB_USER/DB_PASSWORD/
 * DB_DATABASE, CACHE_DEFAULT_STORE=redis + CACHE_REDIS_URL), runs the server suite (run-vitest.mjs) with
 * NocoBase's settings for them, and stops what it started. Every test app gets its own database
 * and cache key prefix (src/server/__tests__/isolation.ts). Extra args go to vitest.
 */
import { pgQuery, startServices, stopOnSignals } from '../scripts/services.mjs';
import { runVitest } from './run-vitest.mjs';

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

const { code } = await runVitest({
  args: process.argv.slice(2),
  label: 'server tests on PostgreSQL + Redis',
  env: { ...process.env, ...services.env },
});
await services.stop();
console.log(`(${Math.round((Date.now() - started) / 1000)} s)`);
process.exit(code);
