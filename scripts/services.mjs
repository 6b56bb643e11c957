/**
 * Local PostgreSQL or MariaDB, and Redis, for the test scripts (`npm run test:pg`, `test:mariadb`,
 * `test:cluster`).
 *
 * `startServices({ name })` uses the services named by the environment when there are any
 * (DB_DIALECT=postgres with DB_HOST…, CACHE_REDIS_URL), and otherwise starts its own on free
 * local ports with data under .e2e/pg and .e2e/redis (.e2e/<name>-pg, .e2e/<name>-redis when a
 * name is given, so two scripts can run at once). It returns the NocoBase env
 * for them and `stop()`, which stops only what it started.
 *
 * PostgreSQL refuses to run as root: as root the server runs as the `postgres` system user (the
 * Debian package creates it), or as an `open2fa-pg` system user created on the spot.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../test-support/free-port.mjs';
import { mariadbPaths, postgresBinDir, redisServerPath, root, which } from '../test-support/requirements.mjs';

const require = createRequire(path.join(root, 'package.json'));

const PG_USER = 'open2fa';
const PG_PASSWORD = 'open2fa';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// --- PostgreSQL ------------------------------------------------------------------------------

/** The user the server runs as: ourselves, or a system user when we are root. */
function pgOsUser() {
  if (process.getuid?.() !== 0) return null;
  for (const name of ['postgres', 'open2fa-pg']) {
    if (spawnSync('id', ['-u', name]).status === 0) return name;
  }
  const res = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'open2fa-pg'], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`cannot create a user for PostgreSQL (it refuses to run as root): ${res.stderr}`);
  return 'open2fa-pg';
}

function asUser(user, cmd, args) {
  if (!user) return [cmd, args];
  if (which('runuser')) return ['runuser', ['-u', user, '--', cmd, ...args]];
  const quoted = [cmd, ...args].map((a) => `'${String(a).replace(/'/g, `'\\''`)}'`).join(' ');
  return ['su', ['-s', '/bin/sh', user, '-c', quoted]];
}

function runAs(user, cmd, args, label) {
  const [c, a] = asUser(user, cmd, args);
  const res = spawnSync(c, a, { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`${label} failed (exit ${res.status}):\n${res.stdout}\n${res.stderr}`);
  return res.stdout;
}

/** `dir` if `user` can write there (a repo under /root is closed to other users), else a temp dir. */
function pgDataDir(dir, user) {
  mkdirSync(dir, { recursive: true });
  if (!user) return dir;
  spawnSync('chown', [user, dir]);
  const [c, a] = asUser(user, 'test', ['-w', dir]);
  if (spawnSync(c, a).status === 0) return dir;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'open2fa-pg-'));
  spawnSync('chown', [user, tmp]);
  return tmp;
}

async function startPostgres(dir) {
  const bin = postgresBinDir();
  const user = pgOsUser();
  const data = pgDataDir(dir, user);
  const pgCtl = path.join(bin, 'pg_ctl');
  // A server left running by an interrupted run: stop it, start afresh on a free port.
  const pidFile = path.join(data, 'postmaster.pid');
  if (existsSync(pidFile) && alive(Number(readFileSync(pidFile, 'utf8').split('\n')[0]))) {
    runAs(user, pgCtl, ['-D', data, '-m', 'immediate', 'stop'], 'pg_ctl stop (leftover server)');
  }
  if (!existsSync(path.join(data, 'PG_VERSION'))) {
    const pwfile = path.join(data, '..', `.${path.basename(data)}.pw`);
    writeFileSync(pwfile, PG_PASSWORD, { mode: 0o644 });
    try {
      runAs(user, path.join(bin, 'initdb'), [
        '-D', data, '-U', PG_USER, `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256',
        '-E', 'UTF8', '--locale=C', '--no-sync',
      ], 'initdb');
    } finally {
      rmSync(pwfile, { force: true });
    }
  }
  const port = await freePort();
  // A throwaway server: durability off for speed; TCP on 127.0.0.1 only, no Unix socket.
  const options = [
    `-p ${port}`, "-c listen_addresses=127.0.0.1", "-c unix_socket_directories=''", '-c fsync=off',
    '-c synchronous_commit=off', '-c full_page_writes=off', '-c max_connections=300',
  ].join(' ');
  const start = () => runAs(user, pgCtl, ['-D', data, '-l', path.join(data, 'server.log'), '-o', options, '-w', '-t', '120', 'start'], 'pg_ctl start');
  start();
  return {
    host: '127.0.0.1',
    port,
    user: PG_USER,
    password: PG_PASSWORD,
    data,
    /** Fault tests: stops the server (fast shutdown: open connections are cut), keeping its data. */
    down: async () => {
      runAs(user, pgCtl, ['-D', data, '-m', 'fast', '-w', 'stop'], 'pg_ctl stop');
    },
    /** Starts it again on the same port after `down`. */
    up: async () => start(),
    stop: async () => {
      runAs(user, pgCtl, ['-D', data, '-m', 'fast', '-w', 'stop'], 'pg_ctl stop');
      if (data !== dir) rmSync(data, { recursive: true, force: true });
    },
  };
}

/** Runs one statement on the server's maintenance database. */
export async function pgQuery(conn, sql) {
  const { Client } = require('pg');
  const client = new Client({ host: conn.host, port: Number(conn.port), user: conn.user, password: conn.password, database: conn.database || 'postgres' });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database `name` on the server `conn` (PostgreSQL, or MariaDB when conn.dialect says so). */
export async function createDatabase(conn, name) {
  if (conn.dialect === 'mariadb') {
    await mariadbQuery(conn, `DROP DATABASE IF EXISTS \`${name}\``);
    await mariadbQuery(conn, `CREATE DATABASE \`${name}\``);
    return;
  }
  await pgQuery(conn, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await pgQuery(conn, `CREATE DATABASE "${name}"`);
}

export async function dropDatabase(conn, name) {
  if (conn.dialect === 'mariadb') {
    await mariadbQuery(conn, `DROP DATABASE IF EXISTS \`${name}\``);
    return;
  }
  await pgQuery(conn, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

// --- MariaDB ---------------------------------------------------------------------------------

const MARIADB_USER = 'open2fa';
const MARIADB_PASSWORD = 'open2fa';

/** Runs one statement (over TCP as `conn.user`, or over `conn.socket` as root). */
export async function mariadbQuery(conn, sql) {
  const mysql = require('mysql2/promise');
  const client = await mysql.createConnection(
    conn.socket
      ? { socketPath: conn.socket, user: 'root', password: '' }
      : { host: conn.host, port: Number(conn.port), user: conn.user, password: conn.password, database: conn.database || undefined },
  );
  try {
    const [rows] = await client.query(sql);
    return { rows };
  } finally {
    await client.end();
  }
}

/**
 * A throwaway MariaDB server (Debian's mariadb-server) on a free port of 127.0.0.1; its log and pid
 * file in `dir`, its data in memory (/dev/shm, removed at stop) where there is one, else in
 * `dir`/data: every test app creates ~100 tables, and InnoDB syncs each table file to disk (50×
 * slower on disk). As root it runs as root (mariadbd allows that when told `--user=root`).
 * A user `open2fa` may do everything; root has no password and is reached over the socket only.
 */
async function startMariadb(dir) {
  const { server, installDb } = mariadbPaths();
  mkdirSync(dir, { recursive: true });
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  // A server left running by an interrupted run (its pid file, and it is a mariadbd): stop it.
  const pidFile = path.join(dir, 'mariadbd.pid');
  if (existsSync(pidFile)) {
    const old = Number(readFileSync(pidFile, 'utf8'));
    const cmdline = existsSync(`/proc/${old}/cmdline`) ? readFileSync(`/proc/${old}/cmdline`, 'utf8') : '';
    if (old && cmdline.includes('mariadbd') && alive(old)) {
      process.kill(old, 'SIGKILL');
      for (let i = 0; i < 50 && alive(old); i++) await sleep(100);
    }
    rmSync(pidFile, { force: true });
  }
  const inMemory = existsSync('/dev/shm') && spawnSync('test', ['-w', '/dev/shm']).status === 0;
  const data = inMemory ? path.join('/dev/shm', `open2fa-${path.basename(dir)}`) : path.join(dir, 'data');
  if (!existsSync(path.join(data, 'mysql'))) {
    rmSync(data, { recursive: true, force: true });
    const res = spawnSync(installDb, [
      '--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve', ...asRoot,
    ], { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`mariadb-install-db failed (exit ${res.status}):\n${res.stdout}\n${res.stderr}`);
  }
  const port = await freePort();
  // The socket lives in the temp dir: a socket path may not be longer than ~107 characters.
  const socket = path.join(os.tmpdir(), `open2fa-mariadb-${port}.sock`);
  const log = path.join(dir, 'server.log');
  const child = spawn(server, [
    '--no-defaults', `--datadir=${data}`, `--port=${port}`, '--bind-address=127.0.0.1', `--socket=${socket}`,
    `--pid-file=${pidFile}`, `--log-error=${log}`, '--skip-name-resolve', '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_unicode_ci', '--max-connections=500', '--innodb-flush-log-at-trx-commit=0',
    '--innodb-doublewrite=0', '--performance-schema=OFF', ...asRoot,
  ], { detached: true, stdio: 'ignore' });
  child.unref();
  let exited = false;
  child.once('exit', () => (exited = true));
  const rootConn = { socket };
  let ready = false;
  for (let i = 0; i < 600 && !ready; i++) {
    if (exited) throw new Error(`mariadbd exited; see ${log}`);
    ready = existsSync(socket) && (await mariadbQuery(rootConn, 'SELECT 1').then(() => true, () => false));
    if (!ready) await sleep(100);
  }
  if (!ready) throw new Error(`MariaDB did not start within 60 s; see ${log}`);
  await mariadbQuery(rootConn, `CREATE USER IF NOT EXISTS '${MARIADB_USER}'@'%' IDENTIFIED BY '${MARIADB_PASSWORD}'`);
  await mariadbQuery(rootConn, `GRANT ALL PRIVILEGES ON *.* TO '${MARIADB_USER}'@'%' WITH GRANT OPTION`);
  return {
    host: '127.0.0.1',
    port,
    user: MARIADB_USER,
    password: MARIADB_PASSWORD,
    data,
    stop: async () => {
      if (!exited) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([gone, sleep(30_000)]);
        if (!exited) child.kill('SIGKILL');
      }
      rmSync(pidFile, { force: true });
      rmSync(socket, { force: true });
      if (inMemory) rmSync(data, { recursive: true, force: true });
    },
  };
}

// --- Redis -----------------------------------------------------------------------------------

/** PING over a raw socket: true once the server answers PONG. */
function redisPing(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    let out = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      out += d;
      if (out.includes('\r\n')) done(out.startsWith('+PONG'));
    });
  });
}

/**
 * `persist`: an append-only file synced at every write, so a restart keeps the counters and locks
 * (the fault tests stop and start it; without persistence a restart empties it).
 */
export async function startRedis(dir, { persist = false } = {}) {
  const server = redisServerPath();
  mkdirSync(dir, { recursive: true });
  const pidFile = path.join(dir, 'redis.pid');
  if (existsSync(pidFile)) {
    const old = Number(readFileSync(pidFile, 'utf8'));
    const cmdline = existsSync(`/proc/${old}/cmdline`) ? readFileSync(`/proc/${old}/cmdline`, 'utf8') : '';
    if (old && cmdline.includes('redis-server') && alive(old)) process.kill(old, 'SIGKILL');
    rmSync(pidFile, { force: true });
  }
  const port = await freePort();
  if (persist) rmSync(path.join(dir, 'appendonlydir'), { recursive: true, force: true });
  let child;
  let exited = false;
  const launch = async () => {
    child = spawn(server, [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
      ...(persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
      '--daemonize', 'no', '--logfile', path.join(dir, 'redis.log'),
    ], { detached: true, stdio: 'ignore' });
    child.unref();
    writeFileSync(pidFile, String(child.pid));
    exited = false;
    child.once('exit', () => (exited = true));
    for (let i = 0; i < 100 && !(await redisPing(port)); i++) {
      if (exited) throw new Error(`redis-server exited; see ${path.join(dir, 'redis.log')}`);
      await sleep(100);
    }
  };
  const down = async () => {
    if (!exited) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(5000)]);
      if (!exited) child.kill('SIGKILL');
    }
    rmSync(pidFile, { force: true });
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    /** Fault tests: stops the server (SIGTERM); `up` starts it again on the same port. */
    down,
    up: launch,
    stop: down,
  };
}

// --- Both ------------------------------------------------------------------------------------

/** Stop functions run last-in first-out by `stop()`; one that fails is reported and the rest still run. */
function stopList() {
  /** @type {(() => Promise<unknown> | unknown)[]} */
  const stops = [];
  const stop = async () => {
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (err) {
        console.error(String(err?.message || err));
      }
    }
    stops.length = 0;
  };
  return { stops, stop };
}

/**
 * Postgres + Redis for a test run. Returns `{ env, pg, redis, stop }`: `env` holds NocoBase's settings
 * (DB_*, CACHE_DEFAULT_STORE, CACHE_REDIS_URL) with DB_DATABASE = the maintenance database.
 * `own: true` starts both here whatever the environment names (the fault tests stop and start
 * them: `pg.down/up`, `redis.down/up`); `persistRedis` gives Redis an append-only file.
 * `dialect: 'mariadb'`: MariaDB in place of PostgreSQL (startMariadbServices).
 */
export async function startServices({ name, log = console.log, own = false, persistRedis = false, dialect = 'postgres' } = {}) {
  if (dialect === 'mariadb') return startMariadbServices({ name, log });
  const { stops, stop } = stopList();
  try {
    let pg;
    if (!own && process.env.DB_DIALECT === 'postgres' && process.env.DB_HOST) {
      pg = {
        host: process.env.DB_HOST,
        port: Number(process.env.DB_PORT || 5432),
        user: process.env.DB_USER,
        password: process.env.DB_PASSWORD,
        database: process.env.DB_DATABASE || 'postgres',
      };
      log(`→ using PostgreSQL at ${pg.host}:${pg.port} (from DB_HOST)`);
    } else {
      const dir = name ? `${name}-pg` : 'pg';
      const started = await startPostgres(path.join(root, '.e2e', dir));
      stops.push(started.stop);
      pg = { ...started, database: 'postgres' };
      log(`→ started PostgreSQL on 127.0.0.1:${pg.port} (data in ${path.relative(root, started.data).startsWith('..') ? started.data : path.relative(root, started.data)})`);
    }
    const version = (await pgQuery(pg, 'SHOW server_version')).rows[0].server_version;

    let redisUrl = process.env.CACHE_REDIS_URL || process.env.REDIS_URL;
    let redis = null;
    if (!own && redisUrl && process.env.CACHE_DEFAULT_STORE === 'redis') {
      log(`→ using Redis at ${redisUrl} (from CACHE_REDIS_URL)`);
    } else {
      const dir = name ? `${name}-redis` : 'redis';
      const started = await startRedis(path.join(root, '.e2e', dir), { persist: persistRedis });
      stops.push(started.stop);
      redis = started;
      redisUrl = started.url;
      log(`→ started Redis on ${redisUrl} (data in .e2e/${dir})`);
    }
    const env = {
      DB_DIALECT: 'postgres',
      DB_HOST: pg.host,
      DB_PORT: String(pg.port),
      DB_DATABASE: pg.database,
      DB_USER: pg.user,
      DB_PASSWORD: pg.password ?? '',
      CACHE_DEFAULT_STORE: 'redis',
      CACHE_REDIS_URL: redisUrl,
    };
    return { env, db: pg, pg, redis, dbVersion: version, pgVersion: version, redisUrl, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * MariaDB + Redis, like startServices with NocoBase's `mariadb` dialect. Returns
 * `{ env, db, dbVersion, redisUrl, stop }`; `env` has no DB_DATABASE (each run names its own) and
 * `db` is the connection for createDatabase/dropDatabase. A server the environment names
 * (DB_DIALECT=mariadb or mysql with DB_HOST…) is used as it is.
 */
async function startMariadbServices({ name, log }) {
  const { stops, stop } = stopList();
  try {
    let db;
    const dialect = process.env.DB_DIALECT === 'mysql' ? 'mysql' : 'mariadb';
    if (['mariadb', 'mysql'].includes(process.env.DB_DIALECT) && process.env.DB_HOST) {
      db = { host: process.env.DB_HOST, port: Number(process.env.DB_PORT || 3306), user: process.env.DB_USER, password: process.env.DB_PASSWORD };
      log(`→ using ${dialect === 'mysql' ? 'MySQL' : 'MariaDB'} at ${db.host}:${db.port} (from DB_HOST)`);
    } else {
      const dir = name ? `${name}-mariadb` : 'mariadb';
      const started = await startMariadb(path.join(root, '.e2e', dir));
      stops.push(started.stop);
      db = started;
      log(`→ started MariaDB on 127.0.0.1:${db.port} (data in ${started.data.startsWith(root) ? path.relative(root, started.data) : started.data})`);
    }
    db = { host: db.host, port: db.port, user: db.user, password: db.password, dialect: 'mariadb' };
    const version = String((await mariadbQuery(db, 'SELECT VERSION() AS v')).rows[0].v);

    let redisUrl = process.env.CACHE_REDIS_URL || process.env.REDIS_URL;
    if (redisUrl && process.env.CACHE_DEFAULT_STORE === 'redis') {
      log(`→ using Redis at ${redisUrl} (from CACHE_REDIS_URL)`);
    } else {
      // Not .e2e/redis: test:pg may be running beside this with its own.
      const dir = name ? `${name}-mariadb-redis` : 'mariadb-redis';
      const started = await startRedis(path.join(root, '.e2e', dir));
      stops.push(started.stop);
      redisUrl = started.url;
      log(`→ started Redis on ${redisUrl} (data in .e2e/${dir})`);
    }
    const env = {
      DB_DIALECT: dialect,
      DB_HOST: db.host,
      DB_PORT: String(db.port),
      DB_USER: db.user,
      DB_PASSWORD: db.password ?? '',
      CACHE_DEFAULT_STORE: 'redis',
      CACHE_REDIS_URL: redisUrl,
    };
    return { env, db, dbVersion: version, redisUrl, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Runs `stop` once on SIGINT/SIGTERM, then exits. */
export function stopOnSignals(stop) {
  let stopping = false;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
    process.on(signal, async () => {
      if (stopping) return;
      stopping = true;
      await stop();
      process.exit(code);
    });
  }
}
