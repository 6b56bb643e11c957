#!/usr/bin/env node
/**
 * `npm run test:package`: the packaged plugin installs into a stock NocoBase the way users install it.
 *
 * 1. `npm run package` twice: the current version (or, with PREVIOUS_REF=<tag or commit>, that
 *    earlier release), and the working tree under the next patch version.
 * 2. A stock app (an app folder like `npm start`'s, without the plugin) in .e2e/package-cli:
 *    `nocobase pm add <tgz>`, `nocobase pm enable <name>`, start; then over HTTP an admin enforces
 *    2FA and a user signs in, binds TOTP with codes computed from the returned secret, signs in
 *    again and verifies.
 * 3. Upgrade: `nocobase pm add <next tgz>` over it, restart; the user's binding, backup codes and
 *    the settings survive, and the user still verifies.
 * 4. Another stock app in .e2e/package-upload: the admin uploads the tarball through the Plugin
 *    Manager's API (`pm:add` with the file, then `pm:enable`), and a user goes through 2FA.
 * Ends with `N passed, N failed` and the wall time.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { totp } from '../e2e/support.mjs';
import { appEnv, installApp, prepareApp, runCli, startServer, stopServer, waitHealthy } from './dev-app.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
const outDir = path.join(root, '.e2e/package');
const ROOT_EMAIL = 'admin@nocobase.com';
const ROOT_PASSWORD = 'admin123';
const PASSWORD = 'Pkg-test-pass-1';
const startedAt = Date.now();

let passed = 0;
let failed = 0;
function check(label, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? '✔' : '✖'} ${label}${ok || !detail ? '' : ` — ${String(detail).slice(0, 400)}`}`);
  return ok;
}

const freePort = () =>
  new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

function nextPatch(version) {
  const [major, minor, patch] = version.split(/[.-]/).map(Number);
  return `${major}.${minor}.${patch + 1}`;
}

/** Runs scripts/package.mjs; returns the tarball and the version it packed. */
function pack({ version, ref } = {}) {
  const env = { ...process.env, PACKAGE_OUT_DIR: outDir, PACKAGE_VERSION: version || '', PACKAGE_REF: ref || '' };
  const res = spawnSync(process.execPath, [path.join(root, 'scripts/package.mjs')], { cwd: root, encoding: 'utf8', env });
  if (res.status !== 0) throw new Error(`packaging ${ref || version} failed:\n${res.stderr}${res.stdout}`);
  console.log(res.stdout.trim());
  const lines = res.stdout.trim().split('\n');
  return { file: lines.pop(), version: lines[0].match(/@(\d[^:\s]*)/)[1] };
}

/** An app of our own: stock NocoBase (no plugin deployed or preset), SQLite, a free port. */
async function stockApp(name) {
  const appDir = path.join(root, '.e2e', name);
  const port = await freePort();
  await prepareApp({ appDir, port, reset: true, plugin: false, rootEmail: ROOT_EMAIL, rootPassword: ROOT_PASSWORD, env: { LOGGER_LEVEL: 'error' } });
  const env = appEnv({ APP_PORT: String(port) });
  installApp({ appDir, fresh: true, env, plugin: false });
  const base = `http://127.0.0.1:${port}`;
  let server = null;
  return {
    appDir,
    base,
    cli: (args, label) => runCli(appDir, args, label, env),
    async start() {
      server = startServer({ appDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const log = createWriteStream(path.join(appDir, 'server.log'), { flags: 'a' });
      server.stdout.pipe(log);
      server.stderr.pipe(log);
      if (!(await waitHealthy(base, { server, timeoutMs: 240_000 }))) throw new Error(`${name} did not start; see ${path.relative(root, appDir)}/server.log`);
    },
    async stop() {
      if (server) await stopServer(server);
      server = null;
    },
  };
}

/** JSON over HTTP against /api. */
function api(base) {
  return async (action, { body, token, headers = {}, method = body === undefined ? 'GET' : 'POST' } = {}) => {
    const res = await fetch(`${base}/api/${action}`, {
      method,
      headers: {
        'X-Authenticator': 'basic',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: res.status, body: json, text, headers: res.headers };
  };
}

async function until(label, fn, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await fn()) return true;
    } catch {}
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** TOTP codes for one secret, never reusing a time step (the plugin refuses replays). */
function totpClock(secret) {
  let lastStep = -1;
  return async () => {
    for (;;) {
      const current = Math.floor(Date.now() / 30000);
      for (const offset of [0, 1]) {
        if (current + offset > lastStep) {
          lastStep = current + offset;
          return totp(secret, offset);
        }
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
}

async function signInRoot(call) {
  const res = await call('auth:signIn', { body: { account: ROOT_EMAIL, password: ROOT_PASSWORD } });
  if (!res.body?.data?.token) throw new Error(`root sign-in failed: ${res.status} ${res.text.slice(0, 300)}`);
  return res.body.data.token;
}

/** The plugin as the plugin manager sees it (pm:get). */
async function pluginInfo(call, rootToken) {
  const res = await call(`pm:get?filterByTk=${encodeURIComponent(pkg.name)}`, { token: rootToken });
  return res.body?.data ?? {};
}

/** Admin enforces 2FA; a new user signs in, binds TOTP, signs in again and verifies. */
async function fullFlow(call, rootToken, label) {
  const email = `pkg-${label}-${Date.now()}@example.com`;
  const created = await call('users:create', { token: rootToken, body: { email, username: `pkg_${label}_${Date.now()}`, password: PASSWORD, roles: ['member'] } });
  check(`${label}: admin creates a user`, created.status === 200, created.text);
  const enforced = await call('twoFactorSettings:update', { token: rootToken, body: { enforceForAll: true } });
  check(`${label}: admin enforces 2FA (twoFactorSettings:update)`, enforced.status === 200 && enforced.body?.data?.enforceForAll === true, enforced.text);

  const first = await call('auth:signIn', { body: { account: email, password: PASSWORD } });
  const challenge = first.body?.data?.twoFactor;
  check(`${label}: password sign-in answers with a bind challenge and no session`, first.status === 200 && first.body?.data?.code === 302 && challenge?.stage === 'bind' && !first.body?.data?.token, first.text);
  const start = await call('twoFactor:bindStart', { headers: { 'X-Two-Factor-Token': challenge?.token }, body: { verifier: 'totp' } });
  const secret = start.body?.data?.secret;
  check(`${label}: bindStart returns a TOTP secret and QR code`, start.status === 200 && /^[A-Z2-7]{32,}$/.test(secret || '') && start.body?.data?.qrCode?.startsWith('data:image/png'), start.text);
  const code = totpClock(secret);
  const bound = await call('twoFactor:bind', { headers: { 'X-Two-Factor-Token': challenge?.token }, body: { verifier: 'totp', code: await code() } });
  check(`${label}: bind with a computed code signs in and shows 10 backup codes`, bound.status === 200 && !!bound.body?.data?.token && bound.body?.data?.backupCodes?.length === 10, bound.text);
  const checkBound = await call('auth:check', { token: bound.body?.data?.token });
  check(`${label}: the session is real (auth:check)`, checkBound.status === 200 && checkBound.body?.data?.email === email, checkBound.text);

  const again = await call('auth:signIn', { body: { account: email, password: PASSWORD } });
  check(`${label}: the next sign-in asks to verify`, again.body?.data?.twoFactor?.stage === 'verify' && !again.body?.data?.token, again.text);
  const verified = await call('twoFactor:verify', { headers: { 'X-Two-Factor-Token': again.body?.data?.twoFactor?.token }, body: { verifier: 'totp', code: await code() } });
  check(`${label}: verify with the next code signs in`, verified.status === 200 && !!verified.body?.data?.token, verified.text);
  return { email, code, backupCodes: bound.body?.data?.backupCodes || [] };
}

async function main() {
  // 1. Two tarballs: this version (or an earlier release) and the working tree as the next version.
  const previous = pack(process.env.PREVIOUS_REF ? { ref: process.env.PREVIOUS_REF } : { version: pkg.version });
  const next = pack({ version: nextPatch(previous.version) });
  const current = previous.file;
  // The upload test installs the working tree's package.
  const uploaded = process.env.PREVIOUS_REF ? next.file : previous.file;
  check('npm run package makes a tarball', existsSync(current) && existsSync(next.file), `${current} / ${next.file}`);

  // 2. Stock app + `nocobase pm add` / `pm enable`.
  const app = await stockApp('package-cli');
  const call = api(app.base);
  let user;
  try {
    app.cli(['pm', 'add', current], 'pm add');
    app.cli(['pm', 'enable', pkg.name], 'pm enable');
    await app.start();
    const rootToken = await signInRoot(call);
    const info = await pluginInfo(call, rootToken);
    check(`pm add + pm enable: the plugin manager shows ${pkg.name}@${previous.version} enabled`, info.version === previous.version && info.enabled === true && info.installed === true, JSON.stringify(info).slice(0, 300));
    check('the loaded copy is the tarball’s (its package.json has no devDependencies)', info.packageJson && !info.packageJson.devDependencies, JSON.stringify(info.packageJson || {}).slice(0, 200));
    check('the plugin manager finds it compatible (dist/externalVersion.js)', info.isCompatible === true, JSON.stringify(info.depsCompatible));
    user = await fullFlow(call, rootToken, 'pm add');
    await app.stop();

    // 3. Upgrade over it, restart: data written by the previous version still works.
    app.cli(['pm', 'add', next.file], 'pm add (next version)');
    await app.start();
    // Root's session from before the restart still works; root itself now needs 2FA to sign in.
    const settings = await call('twoFactorSettings:get', { token: rootToken });
    check('after the upgrade, the settings survive', settings.status === 200 && settings.body?.data?.enforceForAll === true, settings.text);
    const signIn = await call('auth:signIn', { body: { account: user.email, password: PASSWORD } });
    check('after the upgrade, the user is still asked to verify', signIn.body?.data?.twoFactor?.stage === 'verify', signIn.text);
    const verified = await call('twoFactor:verify', { headers: { 'X-Two-Factor-Token': signIn.body?.data?.twoFactor?.token }, body: { verifier: 'totp', code: await user.code() } });
    check('after the upgrade, the TOTP binding made before still verifies', verified.status === 200 && !!verified.body?.data?.token, verified.text);
    const session = verified.body?.data?.token;
    const again = await call('auth:signIn', { body: { account: user.email, password: PASSWORD } });
    const backup = await call('twoFactor:verify', { headers: { 'X-Two-Factor-Token': again.body?.data?.twoFactor?.token }, body: { backupCode: user.backupCodes[0] } });
    check('after the upgrade, a backup code issued before still works', backup.status === 200 && !!backup.body?.data?.token, backup.text);
    const me = await call('twoFactorMe:get', { token: session });
    check('after the upgrade, twoFactorMe shows the binding and 9 backup codes left', me.body?.data?.verifiers?.some((v) => v.name === 'totp' && v.bound) && me.body?.data?.backupCodes?.remaining === 9, me.text);
    const upgraded = await pluginInfo(call, rootToken);
    check(`after the upgrade, the plugin manager shows ${next.version}`, upgraded.version === next.version && upgraded.enabled === true, JSON.stringify(upgraded).slice(0, 200));
  } finally {
    await app.stop();
  }

  // 4. Upload through the Plugin Manager's API into another stock app.
  const up = await stockApp('package-upload');
  const upCall = api(up.base);
  try {
    await up.start();
    const rootToken = await signInRoot(upCall);
    const absent = await upCall('twoFactorSettings:get', { token: rootToken });
    check('the stock app has no 2FA resource before the upload', absent.status === 404, `${absent.status} ${absent.text.slice(0, 200)}`);
    const form = new FormData();
    form.append('file', new Blob([await readFile(uploaded)]), path.basename(uploaded));
    const added = await fetch(`${up.base}/api/pm:add`, { method: 'POST', headers: { Authorization: `Bearer ${rootToken}`, 'X-Authenticator': 'basic' }, body: form });
    check('Plugin Manager upload (pm:add with the file) is accepted', added.status === 200, `${added.status} ${(await added.text()).slice(0, 200)}`);
    const copied = await until('the upload is unpacked', () => existsSync(path.join(up.appDir, 'storage/plugins', pkg.name, 'package.json')));
    check('the upload is unpacked into storage/plugins', copied);
    const enabled = await upCall(`pm:enable?filterByTk=${encodeURIComponent(pkg.name)}&awaitResponse=true`, { token: rootToken, method: 'POST' });
    check('pm:enable answers', enabled.status === 200, enabled.text);
    const ready = await until('the app serves 2FA', async () => (await upCall('twoFactorSettings:get', { token: rootToken })).status === 200, 180_000);
    check('after the upload and enable, the app serves 2FA without a manual restart', ready);
    if (ready) await fullFlow(upCall, rootToken, 'upload');
  } finally {
    await up.stop();
  }
}

try {
  await main();
} catch (err) {
  check('the package test ran to the end', false, err?.stack || err);
}
const seconds = ((Date.now() - startedAt) / 1000).toFixed(0);
console.log(`\npackage test: ${passed} passed, ${failed} failed (${seconds} s)`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
