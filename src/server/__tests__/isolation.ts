/**
 * Keeps test apps apart when the suite runs on shared services (`npm run test:pg`, `test:mariadb`):
 * on PostgreSQL and MariaDB every app gets a database of its own, and with a Redis cache a key
 * prefix of its own;
 * both are removed when the app is destroyed. Test files run in parallel and user ids restart at 1
 * in every app, so without this one test's failure counters or rows would leak into another's.
 * SQLite in memory with the memory cache is isolated already: nothing to do there.
 */
import { randomBytes } from 'node:crypto';
import { cacheManager as cacheConfigFromEnv } from '@nocobase/app/lib/config/cache';
import mysql from 'mysql2/promise';
import pg from 'pg';

export const onPostgres = process.env.DB_DIALECT === 'postgres';
/** NocoBase's `mariadb` dialect (or `mysql`, which the same statements serve). */
export const onMariadb = process.env.DB_DIALECT === 'mariadb' || process.env.DB_DIALECT === 'mysql';
export const onRedis = process.env.CACHE_DEFAULT_STORE === 'redis';

interface Isolation {
  database?: string;
  cachePrefix?: string;
}

const byApp = new WeakMap<object, Isolation>();

async function onMaintenanceDb(sql: string) {
  if (onMariadb) {
    const conn = await mysql.createConnection({
      host: process.env.DB_HOST,
      port: Number(process.env.DB_PORT || 3306),
      user: process.env.DB_USER,
      password: process.env.DB_PASSWORD,
    });
    try {
      await conn.query(sql);
    } finally {
      await conn.end();
    }
    return;
  }
  const client = new pg.Client({
    host: process.env.DB_HOST,
    port: Number(process.env.DB_PORT || 5432),
    user: process.env.DB_USER,
    password: process.env.DB_PASSWORD,
    database: process.env.DB_DATABASE || 'postgres',
  });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** createMockServer options giving the next app its own database and cache keys. */
export async function isolatedOptions(): Promise<{ options: Record<string, unknown>; isolation: Isolation }> {
  const id = randomBytes(6).toString('hex');
  const options: Record<string, unknown> = {};
  const isolation: Isolation = {};
  if (onPostgres || onMariadb) {
    isolation.database = `open2fa_t_${id}`;
    await onMaintenanceDb(onMariadb ? `CREATE DATABASE \`${isolation.database}\`` : `CREATE DATABASE "${isolation.database}"`);
    options.database = { database: isolation.database };
  }
  if (onRedis) {
    // NocoBase's own reading of CACHE_DEFAULT_STORE / CACHE_REDIS_URL, with a prefix per app.
    isolation.cachePrefix = `open2fa-test-${id}`;
    options.cacheManager = { ...cacheConfigFromEnv, prefix: isolation.cachePrefix };
  }
  return { options, isolation };
}

export function remember(app: object, isolation: Isolation) {
  byApp.set(app, isolation);
}

/** Removes the app's cache keys (before it closes its Redis client). */
export async function releaseCache(app: any) {
  const prefix = byApp.get(app)?.cachePrefix;
  if (!prefix) return;
  const store = app.cacheManager?.stores?.get('redis')?.store?.store;
  if (!store?.client?.isOpen) return;
  const keys: string[] = await store.keys(`${prefix}:*`);
  if (keys.length) await store.client.del(keys);
}

/** Drops the app's database (after the app closed its connections). */
export async function releaseDatabase(app: object) {
  const database = byApp.get(app)?.database;
  if (!database) return;
  await onMaintenanceDb(onMariadb ? `DROP DATABASE IF EXISTS \`${database}\`` : `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
}
