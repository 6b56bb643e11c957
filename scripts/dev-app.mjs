#!/usr/bin/env node
/**
 * `npm start` (after `npm run build`): a real NocoBase app on SQLite in .app/ with this plugin
 * deployed and enabled. First run installs; later runs keep the data and pick up the new build.
 *
 * Env: APP_PORT (13000), INIT_ROOT_EMAIL (admin@nocobase.com), INIT_ROOT_PASSWORD (admin123),
 * RESET=1 to start from an empty database, APP_DIR (.app) for another app folder.
 * Any TWO_FACTOR_* variable is passed to the app.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const appDir = path.resolve(root, process.env.APP_DIR || '.app');
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
const port = Number(process.env.APP_PORT || 13000);
const rootEmail = process.env.INIT_ROOT_EMAIL || 'admin@nocobase.com';
const rootPassword = process.env.INIT_ROOT_PASSWORD || 'admin123';
const bin = path.join(root, 'node_modules/.bin');

function fail(message, hint) {
  console.error(`\n✖ ${message}`);
  if (hint) console.error(`  → ${hint}`);
  process.exit(1);
}

function portFree(p) {
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

function run(args, label) {
  console.log(`→ nocobase ${args.join(' ')}`);
  const res = spawnSync(path.join(bin, 'nocobase'), args, { cwd: appDir, stdio: 'inherit', env: appEnv() });
  if (res.status !== 0) fail(`${label} failed (exit ${res.status}).`, 'Read the output above; `RESET=1 npm start` starts over with an empty database.');
}

function appEnv() {
  return { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, APP_PORT: String(port) };
}

if (!Number.isInteger(port) || port <= 0 || port > 65535) fail(`APP_PORT=${process.env.APP_PORT} is not a port number.`);
if (!existsSync(path.join(root, 'dist/server/index.js')) || !existsSync(path.join(root, 'dist/client/index.js'))) {
  fail('The plugin is not built.', 'Run `npm start` (it builds first) or `npm run build`, and fix any build error it prints.');
}
if (!existsSync(path.join(bin, 'nocobase'))) fail('NocoBase is not installed.', 'Run `npm install` first.');
if (!(await portFree(port))) {
  fail(`Port ${port} is already in use.`, `Stop whatever listens there (e.g. an earlier \`npm start\`: \`fuser -k ${port}/tcp\`), or run \`APP_PORT=${port + 1} npm start\`.`);
}

// 1. The app folder: its own package.json, the repo's node_modules, the env files the CLI reads.
if (process.env.RESET === '1') await rm(path.join(appDir, 'storage'), { recursive: true, force: true });
await mkdir(appDir, { recursive: true });
await writeFile(path.join(appDir, 'package.json'), JSON.stringify({ name: 'open2fa-dev-app', private: true }, null, 2));
if (!existsSync(path.join(appDir, 'node_modules'))) await symlink(path.join(root, 'node_modules'), path.join(appDir, 'node_modules'), 'dir');
if (!existsSync(path.join(appDir, '.env.e2e'))) await writeFile(path.join(appDir, '.env.e2e'), '');
const previous = await readEnv(path.join(appDir, '.env'));
// The app key protects sessions and, unless TWO_FACTOR_ENCRYPTION_KEY is set, the TOTP secrets: keep it.
const appKey = previous.APP_KEY || randomBytes(32).toString('hex');
const env = {
  APP_ENV: 'production',
  APP_PORT: String(port),
  APP_KEY: appKey,
  DB_DIALECT: 'sqlite',
  DB_STORAGE: 'storage/db/nocobase.sqlite',
  STORAGE_PATH: 'storage',
  DISABLE_PKG_DOWNLOAD: 'true',
  LOGGER_LEVEL: process.env.LOGGER_LEVEL || 'warn',
  APPEND_PRESET_BUILT_IN_PLUGINS: pkg.name,
  INIT_ROOT_EMAIL: rootEmail,
  INIT_ROOT_PASSWORD: rootPassword,
};
await writeFile(path.join(appDir, '.env'), Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');

// 2. Deploy the built plugin where NocoBase looks for non-npm plugins.
const target = path.join(appDir, 'storage/plugins', pkg.name);
await rm(target, { recursive: true, force: true });
await mkdir(target, { recursive: true });
await cp(path.join(root, 'package.json'), path.join(target, 'package.json'));
await cp(path.join(root, 'dist'), path.join(target, 'dist'), { recursive: true });

// 3. Install on first run, upgrade afterwards.
run(['postinstall'], 'Linking plugins');
const fresh = !existsSync(path.join(appDir, env.DB_STORAGE));
if (fresh) {
  run(['install'], 'Installing NocoBase');
} else {
  run(['upgrade'], 'Upgrading the app');
  run(['pm', 'enable', pkg.name], 'Enabling the plugin');
}

// 4. Start, wait until healthy, say where it is.
console.log('→ nocobase start');
const server = spawn(path.join(bin, 'nocobase'), ['start', '--launch-mode', 'node'], {
  cwd: appDir,
  env: appEnv(),
  stdio: 'inherit',
  detached: true,
});
let stopping = false;
/** Stops the server's whole process group: SIGTERM, then SIGKILL if it is still there after 10 s. */
function stop(code) {
  if (stopping) return;
  stopping = true;
  const kill = (signal) => {
    try {
      process.kill(-server.pid, signal);
    } catch {}
  };
  kill('SIGTERM');
  const force = setTimeout(() => kill('SIGKILL'), 10_000);
  server.once('exit', () => {
    clearTimeout(force);
    // Children of the group may outlive its leader.
    kill('SIGKILL');
    process.exit(code);
  });
}
process.on('SIGINT', () => stop(130));
process.on('SIGTERM', () => stop(143));
server.on('exit', (code) => {
  if (stopping) return;
  console.error(`NocoBase stopped (exit ${code}).`);
  process.exit(code ?? 1);
});

const url = `http://localhost:${port}`;
const deadline = Date.now() + 180_000;
for (;;) {
  try {
    const res = await fetch(`${url}/api/__health_check`);
    if (res.ok && (await res.text()).trim() === 'ok') break;
  } catch {}
  if (Date.now() > deadline) {
    console.error(`\n✖ NocoBase did not answer on ${url} within 3 minutes.\n  → Read the server output above.`);
    stop(1);
    await new Promise(() => {}); // stop() exits the process
  }
  await new Promise((r) => setTimeout(r, 1500));
}
console.log(`
✔ NocoBase is running with ${pkg.name} enabled
  URL:       ${url}/admin
  Sign in:   ${rootEmail} / ${rootPassword}
  2FA admin: ${url}/admin/settings/auth  (API: POST ${url}/api/twoFactorSettings:update)
  Stop with Ctrl+C. Data lives in ${path.relative(root, appDir)}/storage (RESET=1 npm start wipes it).
`);
