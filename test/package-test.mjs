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
 *    Manager's API (`pm:add` with the file, then `pm:enable`), and a user goes through 2FA; the
 *    server lists the plugin for both clients and chromium loads it in v1 (/signin) and v2 (/v/signin).
 * Ends with `N passed, N failed` and the wall time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { testApp } from '../test-support/app.mjs';
import { runChecks } from '../test-support/checks.mjs';
import { bindTotp, createUser, signInRoot, verifyStep } from '../test-support/flows.mjs';
import { bearer, show } from '../test-support/http.mjs';
import { root } from '../test-support/requirements.mjs';

const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
// E2E_APP_SUFFIX keeps the folders of runs side by side apart (test:versions runs one per NocoBase line).
const suffix = process.env.E2E_APP_SUFFIX ? `-${process.env.E2E_APP_SUFFIX}` : '';
const outDir = path.join(root, `.e2e/package${suffix}`);
const PASSWORD = 'Pkg-test-pass-1';

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

async function until(fn, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await fn()) return true;
    } catch {}
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The plugin as the plugin manager sees it (pm:get). */
async function pluginInfo(api, rootToken) {
  const res = await api.get(`pm:get?filterByTk=${encodeURIComponent(pkg.name)}`, bearer(rootToken));
  return res.body?.data ?? {};
}

/** Admin enforces 2FA; a new user signs in, binds TOTP, signs in again and verifies. */
async function fullFlow(check, api, rootToken, label) {
  const stamp = Date.now();
  const user = await createUser(api, rootToken, { username: `pkg_${label.replace(/\W/g, '_')}_${stamp}`, password: PASSWORD });
  check(`${label}: admin creates a user`, true);
  const enforced = await api.post('twoFactorSettings:update', { enforceForAll: true }, bearer(rootToken));
  check(`${label}: admin enforces 2FA (twoFactorSettings:update)`, enforced.status === 200 && enforced.body?.data?.enforceForAll === true, show(enforced));

  const bind = await bindTotp(api, user.email, PASSWORD);
  check(`${label}: password sign-in answers with a bind challenge and no session`, bind.signIn.status === 200 && bind.signIn.body?.data?.code === 302 && bind.challenge?.stage === 'bind' && !bind.signIn.body?.data?.token, show(bind.signIn));
  check(`${label}: bindStart returns a TOTP secret and QR code`, bind.start.status === 200 && /^[A-Z2-7]{32,}$/.test(bind.secret || '') && bind.start.body?.data?.qrCode?.startsWith('data:image/png'), show(bind.start));
  check(`${label}: bind with a computed code signs in and shows 10 backup codes`, bind.bound.status === 200 && !!bind.session && bind.backupCodes.length === 10, show(bind.bound));
  const checkBound = await api.check(bind.session);
  check(`${label}: the session is real (auth:check)`, checkBound.status === 200 && checkBound.body?.data?.email === user.email, show(checkBound));

  const again = await verifyStep(api, user.email, PASSWORD, { verifier: 'totp', code: await bind.nextCode() });
  check(`${label}: the next sign-in asks to verify`, again.challenge?.stage === 'verify' && !again.signIn.body?.data?.token, show(again.signIn));
  check(`${label}: verify with the next code signs in`, again.verified.status === 200 && !!again.session, show(again.verified));
  return { email: user.email, code: bind.nextCode, backupCodes: bind.backupCodes };
}

/** @type {import('../test-support/app.mjs').TestApp[]} */
const apps = [];

/** @param {import('../test-support/checks.mjs').Check} check */
async function main(check) {
  // 1. Two tarballs: this version (or an earlier release) and the working tree as the next version.
  const previous = pack(process.env.PREVIOUS_REF ? { ref: process.env.PREVIOUS_REF } : { version: pkg.version });
  const next = pack({ version: nextPatch(previous.version) });
  const current = previous.file;
  // The upload test installs the working tree's package.
  const uploaded = process.env.PREVIOUS_REF ? next.file : previous.file;
  check('npm run package makes a tarball', existsSync(current) && existsSync(next.file), `${current} / ${next.file}`);

  // 2. Stock app + `nocobase pm add` / `pm enable`.
  const app = await testApp({ name: `package-cli${suffix}`, plugin: false });
  apps.push(app);
  const { api } = app;
  await app.install(true);
  await app.cli(['pm', 'add', current], 'pm add');
  await app.cli(['pm', 'enable', pkg.name], 'pm enable');
  await app.start();
  const rootToken = await signInRoot(api);
  const admin = bearer(rootToken);
  const info = await pluginInfo(api, rootToken);
  check(`pm add + pm enable: the plugin manager shows ${pkg.name}@${previous.version} enabled`, info.version === previous.version && info.enabled === true && info.installed === true, JSON.stringify(info).slice(0, 300));
  check('the loaded copy is the tarball’s (its package.json has no devDependencies)', info.packageJson && !info.packageJson.devDependencies, JSON.stringify(info.packageJson || {}).slice(0, 200));
  check('the plugin manager finds it compatible (dist/externalVersion.js)', info.isCompatible === true, JSON.stringify(info.depsCompatible));
  const user = await fullFlow(check, api, rootToken, 'pm add');
  await app.stop();

  // 3. Upgrade over it, restart: data written by the previous version still works.
  await app.cli(['pm', 'add', next.file], 'pm add (next version)');
  await app.start();
  // Root's session from before the restart still works; root itself now needs 2FA to sign in.
  const settings = await api.get('twoFactorSettings:get', admin);
  check('after the upgrade, the settings survive', settings.status === 200 && settings.body?.data?.enforceForAll === true, show(settings));
  const verified = await verifyStep(api, user.email, PASSWORD, { verifier: 'totp', code: await user.code() });
  check('after the upgrade, the user is still asked to verify', verified.challenge?.stage === 'verify', show(verified.signIn));
  check('after the upgrade, the TOTP binding made before still verifies', verified.verified.status === 200 && !!verified.session, show(verified.verified));
  const backup = await verifyStep(api, user.email, PASSWORD, { backupCode: user.backupCodes[0] });
  check('after the upgrade, a backup code issued before still works', backup.verified.status === 200 && !!backup.session, show(backup.verified));
  const me = await api.get('twoFactorMe:get', bearer(verified.session));
  check('after the upgrade, twoFactorMe shows the binding and 9 backup codes left', me.body?.data?.verifiers?.some((v) => v.name === 'totp' && v.bound) && me.body?.data?.backupCodes?.remaining === 9, show(me));
  const upgraded = await pluginInfo(api, rootToken);
  check(`after the upgrade, the plugin manager shows ${next.version}`, upgraded.version === next.version && upgraded.enabled === true, JSON.stringify(upgraded).slice(0, 200));
  await app.stop();

  // 4. Upload through the Plugin Manager's API into another stock app.
  const up = await testApp({ name: `package-upload${suffix}`, plugin: false });
  apps.push(up);
  await up.install(true);
  await up.start();
  const upRoot = await signInRoot(up.api);
  const upAdmin = bearer(upRoot);
  const absent = await up.api.get('twoFactorSettings:get', upAdmin);
  check('the stock app has no 2FA resource before the upload', absent.status === 404, show(absent));
  const form = new FormData();
  form.append('file', new Blob([await readFile(uploaded)]), path.basename(uploaded));
  // A multipart upload: the one request the JSON client does not make.
  const added = await fetch(`${up.url}/api/pm:add`, { method: 'POST', headers: upAdmin, body: form });
  check('Plugin Manager upload (pm:add with the file) is accepted', added.status === 200, `${added.status} ${(await added.text()).slice(0, 200)}`);
  const copied = await until(() => existsSync(path.join(up.appDir, 'storage/plugins', pkg.name, 'package.json')));
  check('the upload is unpacked into storage/plugins', copied);
  const enabled = await up.api.post(`pm:enable?filterByTk=${encodeURIComponent(pkg.name)}&awaitResponse=true`, undefined, upAdmin);
  check('pm:enable answers', enabled.status === 200, show(enabled));
  const ready = await until(async () => (await up.api.get('twoFactorSettings:get', upAdmin)).status === 200, 180_000);
  check('after the upload and enable, the app serves 2FA without a manual restart', ready);
  if (ready) await fullFlow(check, up.api, upRoot, 'upload');
  if (ready) await bothClients(check, up, upAdmin);
}

/**
 * The uploaded package in both clients: the server lists it for v1 and for v2 (the root
 * client-v2.js), serves both entries as named AMD modules, and chromium loads each in its client.
 * @param {(label: string, ok: boolean, detail?: string) => void} check
 * @param {import('../test-support/app.mjs').TestApp} app
 * @param {Record<string, string>} admin
 */
async function bothClients(check, app, admin) {
  const v1 = (await app.api.get('pm:listEnabled', admin)).body?.data?.find((p) => p.packageName === pkg.name);
  const v2 = (await app.api.get('pm:listEnabledV2', admin)).body?.data?.find((p) => p.packageName === pkg.name);
  check('the server lists the plugin for the v1 and the v2 client', !!v1?.url && !!v2?.url && /dist\/client-v2\/index\.js/.test(v2.url), JSON.stringify({ v1, v2 }).slice(0, 300));
  if (!v1?.url || !v2?.url) return;
  const v1Code = await (await fetch(new URL(v1.url, app.url))).text();
  const v2Code = await (await fetch(new URL(v2.url, app.url))).text();
  check('the v1 entry is the AMD module <package>, the v2 entry <package>/client-v2', v1Code.includes(`define(${JSON.stringify(pkg.name)},`) && v2Code.includes(`define(${JSON.stringify(`${pkg.name}/client-v2`)},`));
  const { launchChromium } = await import('../e2e/support.mjs');
  const browser = await launchChromium();
  try {
    for (const [client, url, id] of [['v1', `${app.url}/signin`, pkg.name], ['v2', `${app.url}/v/signin`, `${pkg.name}/client-v2`]]) {
      const page = await browser.newPage();
      const problems = [];
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('console', (m) => m.text().includes('load plugin error') && problems.push(m.text()));
      await page.goto(url);
      const loaded = await page
        .waitForFunction(
          (name) => {
            // v2 puts requirejs itself on window, v1 an object holding it.
            const r = typeof window.requirejs === 'function' ? window.requirejs : window.requirejs?.requirejs;
            return typeof r?.defined === 'function' && r.defined(name);
          },
          id,
          { timeout: 60000 },
        )
        .then(() => true, () => false);
      check(`chromium loads the uploaded plugin in the ${client} client (${new URL(url).pathname})`, loaded && problems.length === 0, problems.join(' | '));
      await page.close();
    }
  } finally {
    await browser.close();
  }
}

await runChecks('package test', main, { cleanup: () => Promise.all(apps.map((a) => a.stop())).then(() => undefined) });
