#!/usr/bin/env node
/**
 * `npm start` (after `npm run build`): a real NocoBase app on SQLite in .app/ with this plugin
 * deployed and enabled. First run installs; later runs keep the data and pick up the new build.
 *
 * Env: APP_PORT (13000), INIT_ROOT_EMAIL (admin@nocobase.com), INIT_ROOT_PASSWORD (admin123),
 * RESET=1 to start from an empty database, APP_DIR (.app) for another app folder.
 * Any TWO_FACTOR_* variable is passed to the app.
 *
 * Imported, it hands out the steps (prepareApp, installApp, startServer, waitHealthy, stopServer)
 * to scripts that run apps of their own, e.g. two instances on PostgreSQL + Redis.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, writeSync } from 'node:fs';
import { cp, lstat, mkdir, readFile, realpath, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
// NOCOBASE_NODE_MODULES: the apps run on the NocoBase installed there (`npm run test:versions`
// installs each NocoBase line in .versions/<version>/); our own node_modules/.bin stays on PATH (yarn).
const modules = process.env.NOCOBASE_NODE_MODULES ? path.resolve(process.env.NOCOBASE_NODE_MODULES) : path.join(root, 'node_modules');
const bin = path.join(modules, '.bin');
const ownBin = path.join(root, 'node_modules/.bin');

/** An error with a hint for the person at the terminal. */
export class AppError extends Error {
  constructor(message, hint) {
    super(message);
    this.hint = hint;
  }
}

export function portFree(p) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.once('listening', () => srv.close(() => resolve(true)));
    srv.listen(p, '0.0.0.0');
  });
}

async function readEnv(file) {
  if (!existsSync(file)) return {};
  const out = {};
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    const m = line.match(/^([A-Z0-9_]+)=(.*)$/);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** The environment of CLI and server processes of the app: ours, with `extra` (e.g. APP_PORT) on top. */
export function appEnv(extra = {}) {
  return { ...process.env, PATH: [bin, ...(bin === ownBin ? [] : [ownBin]), process.env.PATH].join(path.delimiter), ...extra };
}

/**
 * Runs `nocobase <args>` in the app folder; throws when it fails. `log`: a file descriptor that
 * gets the command's output instead of the terminal.
 */
export function runCli(appDir, args, label, env = appEnv(), log) {
  const say = `→ nocobase ${args.join(' ')}`;
  if (log === undefined) console.log(say);
  else writeSync(log, `${say}\n`);
  const res = spawnSync(path.join(bin, 'nocobase'), args, { cwd: appDir, stdio: log === undefined ? 'inherit' : ['ignore', log, log], env });
  if (res.status !== 0) throw new AppError(`${label} failed (exit ${res.status}).`, 'Read the output above; `RESET=1 npm start` starts over with an empty database.');
}

/**
 * Steps 1–2: the app folder (its own package.json, the repo's node_modules, the env files the CLI
 * reads) with the built plugin deployed. `env` adds to or replaces entries of the app's .env, e.g.
 * DB_* and CACHE_* for PostgreSQL and Redis instead of the SQLite file. Returns the .env entries.
 * `plugin: false` makes a stock app: the plugin is neither deployed nor preset (the packaging test
 * adds it the way users do).
 */
export async function prepareApp({ appDir, port, reset = false, env: extra = {}, rootEmail, rootPassword, plugin = true }) {
  if (plugin && (!existsSync(path.join(root, 'dist/server/index.js')) || !existsSync(path.join(root, 'dist/client/index.js')))) {
    throw new AppError('The plugin is not built.', 'Run `npm start` (it builds first) or `npm run build`, and fix any build error it prints.');
  }
  if (!existsSync(path.join(bin, 'nocobase'))) throw new AppError('NocoBase is not installed.', 'Run `npm install` first.');

  if (reset) await rm(path.join(appDir, 'storage'), { recursive: true, force: true });
  await mkdir(appDir, { recursive: true });
  await writeFile(path.join(appDir, 'package.json'), JSON.stringify({ name: 'open2fa-dev-app', private: true }, null, 2));
  const link = path.join(appDir, 'node_modules');
  // A link left pointing at another NocoBase (a test:versions run) is pointed back.
  if ((await lstat(link).catch(() => null))?.isSymbolicLink() && (await realpath(link).catch(() => '')) !== (await realpath(modules))) await unlink(link);
  if (!existsSync(link)) await symlink(modules, link, 'dir');
  if (!existsSync(path.join(appDir, '.env.e2e'))) await writeFile(path.join(appDir, '.env.e2e'), '');
  const previous = await readEnv(path.join(appDir, '.env'));
  // The app key protects sessions and, unless TWO_FACTOR_ENCRYPTION_KEY is set, the TOTP secrets: keep it.
  const appKey = previous.APP_KEY || randomBytes(32).toString('hex');
  const sqlite = !extra.DB_DIALECT || extra.DB_DIALECT === 'sqlite';
  const env = {
    APP_ENV: 'production',
    APP_PORT: String(port),
    APP_KEY: appKey,
    ...(sqlite ? { DB_DIALECT: 'sqlite', DB_STORAGE: 'storage/db/nocobase.sqlite' } : {}),
    STORAGE_PATH: 'storage',
    DISABLE_PKG_DOWNLOAD: 'true',
    LOGGER_LEVEL: process.env.LOGGER_LEVEL || 'warn',
    ...(plugin ? { APPEND_PRESET_BUILT_IN_PLUGINS: pkg.name } : {}),
    INIT_ROOT_EMAIL: rootEmail,
    INIT_ROOT_PASSWORD: rootPassword,
    ...extra,
  };
  await writeFile(path.join(appDir, '.env'), Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  if (!plugin) return env;

  // Deploy the built plugin where NocoBase looks for non-npm plugins.
  const target = path.join(appDir, 'storage/plugins', pkg.name);
  await rm(target, { recursive: true, force: true });
  await mkdir(target, { recursive: true });
  await cp(path.join(root, 'package.json'), path.join(target, 'package.json'));
  await cp(path.join(root, 'dist'), path.join(target, 'dist'), { recursive: true });
  // The root markers: client-v2.js is what makes the v2 client (/v/) list the plugin.
  for (const file of ['client.js', 'client-v2.js', 'client-v2.d.ts', 'server.js']) {
    if (existsSync(path.join(root, file))) await cp(path.join(root, file), path.join(target, file));
  }
  return env;
}

/**
 * Step 3: link the plugins, then install (`fresh`) or upgrade and enable the plugin (unless
 * `plugin: false`). `log` as for runCli.
 */
export function installApp({ appDir, fresh, env = appEnv(), plugin = true, log }) {
  runCli(appDir, ['postinstall'], 'Linking plugins', env, log);
  if (fresh) {
    runCli(appDir, ['install'], 'Installing NocoBase', env, log);
  } else {
    runCli(appDir, ['upgrade'], 'Upgrading the app', env, log);
    if (plugin) runCli(appDir, ['pm', 'enable', pkg.name], 'Enabling the plugin', env, log);
  }
}

/** Step 4: `nocobase start` in its own process group (spawned detached), so stopServer can end all of it. */
export function startServer({ appDir, env = appEnv(), stdio = 'inherit' }) {
  if (stdio === 'inherit') console.log('→ nocobase start');
  return spawn(path.join(bin, 'nocobase'), ['start', '--launch-mode', 'node'], { cwd: appDir, env, stdio, detached: true });
}

/** Resolves once GET /api/__health_check answers `ok`; false after `timeoutMs` or when `server` exits. */
export async function waitHealthy(url, { timeoutMs = 180_000, server } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server && server.exitCode !== null) return false;
    try {
      const res = await fetch(`${url}/api/__health_check`);
      if (res.ok && (await res.text()).trim() === 'ok') return true;
    } catch {}
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 1500));
  }
}

/** Stops the server's whole process group: SIGTERM, then SIGKILL if it is still there after 10 s. */
export function stopServer(server) {
  const kill = (signal) => {
    try {
      process.kill(-server.pid, signal);
    } catch {}
  };
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(force);
      // Children of the group may outlive its leader.
      kill('SIGKILL');
      resolve();
    };
    const force = setTimeout(() => kill('SIGKILL'), 10_000);
    if (server.exitCode !== null || server.signalCode !== null) return done();
    server.once('exit', done);
    kill('SIGTERM');
  });
}

async function main() {
  const appDir = path.resolve(root, process.env.APP_DIR || '.app');
  const port = Number(process.env.APP_PORT || 13000);
  const rootEmail = process.env.INIT_ROOT_EMAIL || 'admin@nocobase.com';
  const rootPassword = process.env.INIT_ROOT_PASSWORD || 'admin123';

  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new AppError(`APP_PORT=${process.env.APP_PORT} is not a port number.`);
  if (!(await portFree(port))) {
    throw new AppError(`Port ${port} is already in use.`, `Stop whatever listens there (e.g. an earlier \`npm start\`: \`fuser -k ${port}/tcp\`), or run \`APP_PORT=${port + 1} npm start\`.`);
  }

  const env = await prepareApp({ appDir, port, reset: process.env.RESET === '1', rootEmail, rootPassword });
  const cliEnv = appEnv({ APP_PORT: String(port) });
  installApp({ appDir, fresh: !existsSync(path.join(appDir, env.DB_STORAGE)), env: cliEnv });

  const server = startServer({ appDir, env: cliEnv });
  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    await stopServer(server);
    process.exit(code);
  };
  process.on('SIGINT', () => stop(130));
  process.on('SIGTERM', () => stop(143));
  server.on('exit', (code) => {
    if (stopping) return;
    console.error(`NocoBase stopped (exit ${code}).`);
    process.exit(code ?? 1);
  });

  const url = `http://localhost:${port}`;
  if (!(await waitHealthy(url, { server }))) {
    console.error(`\n✖ NocoBase did not answer on ${url} within 3 minutes.\n  → Read the server output above.`);
    await stop(1);
  }
  console.log(`
✔ NocoBase is running with ${pkg.name} enabled
  URL:       ${url}/admin
  Sign in:   ${rootEmail} / ${rootPassword}
  2FA admin: ${url}/admin/settings/auth  (API: POST ${url}/api/twoFactorSettings:update)
  Stop with Ctrl+C. Data lives in ${path.relative(root, appDir)}/storage (RESET=1 npm start wipes it).
`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err) => {
    console.error(`\n✖ ${err.message}`);
    if (err.hint) console.error(`  → ${err.hint}`);
    process.exit(1);
  });
}
