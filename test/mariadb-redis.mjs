#!/usr/bin/env node
/**
 * `npm run test:mariadb`: the server test suite on MariaDB and Redis.
 *
 * Starts a local MariaDB (Debian's mariadb-server) and redis-server on free ports (data in
 * .e2e/mariadb and .e2e/redis), or uses the ones the environment names (DB_DIALECT=mariadb or
 * mysql + DB_HOST/DB_PORT/DB_USER/DB_PASSWORD, CACHE_DEFAULT_STORE=redis + CACHE_REDIS_URL), runs
 * the server suite (run-vitest.mjs) with NocoBase's `mariadb` dialect, and stops what it started.
 * Every test app gets its own database and cache key prefix (src/server/__tests__/isolation.ts).
 * Extra args go to vitest.
 */
import { mariadbQuery, startServices, stopOnSignals } from '../scripts/services.mjs';
import { runVitest } from './run-vitest.mjs';

const started = Date.now();
const services = await startServices({ dialect: 'mariadb' }).catch((err) => {
  console.error(`\n✖ ${err.message}`);
  process.exit(1);
});
stopOnSignals(services.stop);
console.log(`→ MariaDB ${services.dbVersion} (DB_DIALECT=${services.env.DB_DIALECT}), Redis ${services.redisUrl}`);

// Databases left by an interrupted earlier run.
const { rows } = await mariadbQuery(services.db, `SHOW DATABASES LIKE 'open2fa\\_t\\_%'`);
for (const row of rows) await mariadbQuery(services.db, `DROP DATABASE IF EXISTS \`${Object.values(row)[0]}\``);

const { code } = await runVitest({
  args: process.argv.slice(2),
  label: 'server tests on MariaDB + Redis',
  env: { ...process.env, ...services.env },
});
await services.stop();
console.log(`(${Math.round((Date.now() - started) / 1000)} s)`);
process.exit(code);
