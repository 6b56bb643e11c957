#!/usr/bin/env node
/**
 * Browser test of the v2 client (NocoBase's new UI at /v/) in the real app (Debian chromium +
 * playwright-core). `default` (the app as installed, APP_CLIENT_ENTRY_MODE unset): the admin
 * signs in at /v/signin with a code, enforces 2FA for a role in the v2 settings tab and finds our
 * options form under v2's Verification settings; a required user signs in at /v/signin, binds from
 * the QR page, saves the backup codes and lands on /v/admin; signs in again with a code and "trust
 * this device" and is then not asked; revokes the device and makes new backup codes in the v2
 * personal center, and signs in with a backup code ("try another way"); the admin resets the user
 * in the v2 Users tab; a Chinese user's screens render in Chinese. `modern-only` (the app restarted
 * with APP_CLIENT_ENTRY_MODE=modern-only): the v1 sign-in and /2fa addresses end on /v/… and work.
 * Screenshots (v2-*.png) go to $SCREENSHOTS (default .e2e/screens).
 * Usage: node e2e/v2-client.mjs <baseUrl> [default|modern-only]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runChecks } from '../test-support/checks.mjs';
import { bearer } from '../test-support/http.mjs';
import { totp } from '../test-support/totp.mjs';
import { api, base, launchChromium, newPage, shot } from './support.mjs';

const mode = process.argv[3] || 'default';
const PASSWORD = 'V2-pass-12345';
const ROOT = { email: 'admin@nocobase.com', password: 'admin123' };
const TEXT = {
  'en-US': { users: 'Users', audit: 'Audit log', backup: 'Backup code', item: 'Two-factor authentication', on: 'Two-factor authentication is on' },
  'zh-CN': { users: '用户', audit: '审计日志', backup: '备用码', item: '双因素认证', on: '双因素认证已启用' },
};

// Root's authenticator secret, kept between runs on the same app (the modern-only run follows the
// default one on the same data), with the last time step used (the plugin refuses replays).
const stateFile = path.join(os.tmpdir(), `open2fa-e2e-v2-${new URL(base).port}.json`);
const state = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : {};
async function rootCode() {
  for (;;) {
    const step = Math.floor(Date.now() / 30000);
    for (const offset of [0, 1]) {
      if (step + offset > (state.lastStep ?? -1)) {
        state.lastStep = step + offset;
        writeFileSync(stateFile, JSON.stringify(state));
        return totp(state.secret, offset);
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Root's API session: binds an authenticator for root over HTTP the first time 2FA asks for it. */
async function rootSession() {
  const first = await api.signIn(ROOT.email, ROOT.password);
  if (first.body?.data?.token) return first.body.data.token;
  const challenge = first.body?.data?.twoFactor;
  if (challenge?.stage === 'bind') {
    const start = await api.twoFactor('bindStart', challenge.token, { verifier: 'totp' });
    state.secret = start.body?.data?.secret;
    const bound = await api.twoFactor('bind', challenge.token, { verifier: 'totp', code: await rootCode() });
    if (!bound.body?.data?.token) throw new Error(`binding root failed: ${bound.text}`);
    return bound.body.data.token;
  }
  if (!state.secret) throw new Error(`root has a second factor this test does not know (${stateFile}); use a fresh app`);
  const verified = await api.twoFactor('verify', challenge.token, { verifier: 'totp', code: await rootCode() });
  if (!verified.body?.data?.token) throw new Error(`root verify failed: ${verified.text}`);
  return verified.body.data.token;
}

/** The password step on v2's own sign-in page; resolves where the browser lands. */
async function signInV2(page, account, password, redirect = '%2Fv%2Fadmin') {
  await page.goto(`${base}/v/signin?redirect=${redirect}`);
  return submitSignIn(page, account, password);
}

async function submitSignIn(page, account, password) {
  await page.locator('#account').waitFor({ timeout: 60000 });
  await page.locator('#account').fill(account);
  await page.locator('#password').fill(password);
  await page.locator('button[type=submit]').first().click();
  await page.waitForURL((url) => /\/v\/(2fa|admin)/.test(url.pathname), { timeout: 30000 });
  await page.waitForTimeout(300);
  return page.url();
}

/** Root through /v/2fa with a code from its authenticator. */
async function rootSignsIn(page, redirect) {
  const landed = await signInV2(page, ROOT.email, ROOT.password, redirect);
  if (!landed.includes('/v/2fa')) return landed;
  await page.getByTestId('two-factor-code').fill(await rootCode());
  await page.waitForURL((url) => !url.pathname.includes('/2fa'), { timeout: 30000 });
  return page.url();
}

async function signedOut(page, context) {
  await page.evaluate(() => localStorage.clear());
  await context.clearCookies();
}

/** The app's v2 layout is up (the user-center button in the top bar). */
const inApp = (page) => page.getByTestId('user-center-button').waitFor({ timeout: 60000 });

async function openOurDrawer(page, locale) {
  await page.getByTestId('user-center-button').hover();
  await page.locator('.ant-dropdown').getByText(TEXT[locale].item, { exact: true }).click();
  await page.getByTestId('two-factor-me').waitFor({ timeout: 20000 });
  await page.mouse.move(10, 700);
}

async function closeDrawer(page) {
  await page.locator('.ant-drawer-close').first().click();
  await page.locator('.ant-drawer-content').first().waitFor({ state: 'detached', timeout: 10000 }).catch(() => {});
}

/** A first sign-in at /v/signin that binds an authenticator app on /v/2fa. */
async function bindAtV2SignIn(check, page, locale, account, shotPrefix) {
  const landed = await signInV2(page, account, PASSWORD);
  check(`[v2 ${locale}] a required user lands on /v/2fa after /v/signin, keeping the redirect`, /\/v\/2fa\?redirect=%2Fadmin/.test(landed), landed);
  await page.getByTestId('two-factor-secret').waitFor({ timeout: 30000 });
  if (shotPrefix) await shot(page, `${shotPrefix}-bind-${locale}`);
  const secret = (await page.getByTestId('two-factor-secret').innerText()).trim();
  check(`[v2 ${locale}] the bind step shows a QR code and the key`, /^[A-Z2-7]{32}$/.test(secret) && (await page.getByTestId('two-factor-qr').isVisible()));
  await page.getByTestId('two-factor-code').fill(totp(secret));
  await page.getByTestId('two-factor-backup-codes').waitFor({ timeout: 20000 });
  if (shotPrefix) await shot(page, `${shotPrefix}-backup-codes-${locale}`);
  const codes = (await page.getByTestId('two-factor-backup-codes').innerText()).split(/\s+/).filter(Boolean);
  await page.getByTestId('two-factor-saved').click();
  await page.getByTestId('two-factor-continue').click();
  await page.waitForURL((url) => url.pathname.startsWith('/v/admin'), { timeout: 30000 });
  await inApp(page);
  check(`[v2 ${locale}] binding shows 10 backup codes once and lands on /v/admin, signed in`, codes.length === 10 && new URL(page.url()).pathname.startsWith('/v/admin'), page.url());
  return { secret, codes };
}

/** @param {(label: string, ok: boolean, detail?: string) => void} check */
async function defaultMode(check, browser, asRoot, role, people, stamp) {
  const allErrors = [];

  // 1. The admin (root, who has a factor) signs in at /v/signin with a code and enforces the role.
  const admin = await newPage(browser, 'en-US');
  {
    const { page } = admin;
    const landed = await rootSignsIn(page, '%2Fv%2Fadmin%2Fsettings%2Fauth%2Ftwo-factor');
    check('[v2] root verifies on /v/2fa and lands on the page the sign-in page was asked for', new URL(landed).pathname === '/v/admin/settings/auth/two-factor', landed);
    await page.getByTestId('two-factor-policy').waitFor({ timeout: 60000 });
    check('[v2] Settings → Authentication shows our tab', (await page.getByRole('tab', { name: 'Two-factor authentication' }).count()) + (await page.getByText('Two-factor authentication').count()) > 0);
    await shot(page, 'v2-admin-policy-en-US');
    const roles = page.getByTestId('policy-enforcedRoles');
    await roles.click();
    await page.keyboard.type(role);
    await page.locator('.ant-select-dropdown .ant-select-item-option', { hasText: `(${role})` }).click();
    await page.keyboard.press('Escape');
    await page.getByTestId('policy-save').click();
    await page.locator('.ant-message-success').waitFor({ timeout: 15000 });
    const saved = (await api.get('twoFactorSettings:get', asRoot)).body.data;
    check('[v2] the admin enforces 2FA for a role from the v2 tab', saved.enforcedRoles?.includes(role), JSON.stringify(saved.enforcedRoles));
    await page.getByRole('tab', { name: 'Users' }).click();
    await page.getByTestId('two-factor-users').waitFor({ timeout: 20000 });
    await shot(page, 'v2-admin-users-en-US');
    await page.getByRole('tab', { name: 'Audit log' }).click();
    await page.getByTestId('two-factor-events').waitFor({ timeout: 20000 });
    await shot(page, 'v2-admin-audit-en-US');

    // Our types' options under v2's Verification settings.
    await page.goto(`${base}/v/admin/settings/verification`);
    await page.locator('.ant-table-row', { hasText: 'totp' }).getByText('Edit', { exact: true }).click();
    await page.getByText('Accepted clock drift (steps)').waitFor({ timeout: 30000 });
    check('[v2] the totp verifier shows our options form under Settings → Verification', (await page.getByText('Algorithm', { exact: true }).count()) > 0);
    await shot(page, 'v2-verification-totp-en-US');
    const issuer = `Issuer ${stamp}`;
    await page.locator('.ant-form-item', { hasText: 'Issuer shown in the app' }).locator('input').fill(issuer);
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.locator('.ant-drawer-content').first().waitFor({ state: 'detached', timeout: 15000 }).catch(() => {});
    const totpVerifier = (await api.get('verifiers:get?filterByTk=totp', asRoot)).body?.data;
    check('[v2] the options form saves under options (issuer), keeping the others', totpVerifier?.options?.issuer === issuer && totpVerifier?.options?.digits === 6, JSON.stringify(totpVerifier?.options));
  }

  // 2. A required user: bind at /v/signin, then a code with "trust this device", then not asked.
  const locale = 'en-US';
  const username = people[locale];
  const user = await newPage(browser, locale);
  const { page, context } = user;
  const { secret, codes } = await bindAtV2SignIn(check, page, locale, username, 'v2');
  await signedOut(page, context);
  await signInV2(page, username, PASSWORD);
  await page.getByTestId('two-factor-code').waitFor({ timeout: 30000 });
  await page.getByText('Trust this device for 30 days').click();
  await shot(page, `v2-verify-${locale}`);
  await page.getByTestId('two-factor-code').fill(totp(secret, 1));
  await page.waitForURL((url) => url.pathname.startsWith('/v/admin'), { timeout: 30000 });
  await inApp(page);
  check(`[v2 ${locale}] a code with "trust this device" signs in to /v/admin`, new URL(page.url()).pathname.startsWith('/v/admin'));
  // Signed out, the trust cookie kept: the device is not asked.
  await page.evaluate(() => localStorage.clear());
  const trusted = await signInV2(page, username, PASSWORD);
  check(`[v2 ${locale}] a trusted device is not asked for a second factor`, !trusted.includes('/2fa'), trusted);

  // 3. The v2 personal center: the device, the codes left; revoke; new backup codes.
  await inApp(page);
  await openOurDrawer(page, locale);
  const device = page.locator('[data-testid^="two-factor-device-"]');
  await device.first().waitFor({ timeout: 15000 });
  check(`[v2 ${locale}] the personal-center drawer lists this device and 10 codes left`, (await device.count()) === 1 && (await page.getByTestId('two-factor-codes-left').innerText()).includes('10'));
  await shot(page, `v2-me-${locale}`);
  await page.locator('[data-testid^="two-factor-revoke-"]').first().click();
  await page.locator('.ant-popconfirm-buttons .ant-btn-primary').click();
  await device.first().waitFor({ state: 'detached', timeout: 15000 });
  check(`[v2 ${locale}] revoking the device in the v2 drawer empties the list`, (await device.count()) === 0);
  await page.getByTestId('two-factor-regenerate').click();
  await page.getByTestId('two-factor-proof-password').fill(PASSWORD);
  await page.getByTestId('two-factor-proceed').click();
  await page.getByTestId('two-factor-backup-codes').waitFor({ timeout: 15000 });
  const fresh = (await page.getByTestId('two-factor-backup-codes').innerText()).split(/\s+/).filter(Boolean);
  check(`[v2 ${locale}] new backup codes are shown once in the v2 drawer`, fresh.length === 10 && !fresh.includes(codes[0]));
  await shot(page, `v2-me-new-codes-${locale}`);
  await page.getByTestId('two-factor-saved').click();
  await page.getByTestId('two-factor-continue').click();
  await closeDrawer(page);

  // 4. Revoked: asked again; "try another way" with a new backup code.
  await signedOut(page, context);
  const again = await signInV2(page, username, PASSWORD);
  check(`[v2 ${locale}] after revoking, the device is asked again`, again.includes('/v/2fa'), again);
  await page.getByRole('tab', { name: TEXT[locale].backup }).click();
  await page.getByTestId('two-factor-code').fill(fresh[0]);
  await page.keyboard.press('Enter');
  await page.waitForURL((url) => url.pathname.startsWith('/v/admin'), { timeout: 30000 });
  check(`[v2 ${locale}] a backup code signs in from the "Backup code" tab`, new URL(page.url()).pathname.startsWith('/v/admin'));

  // 5. The admin resets the user in the v2 Users tab; the user must bind again.
  {
    const { page: adminPage } = admin;
    await adminPage.goto(`${base}/v/admin/settings/auth/two-factor`);
    await adminPage.getByTestId('two-factor-policy').waitFor({ timeout: 60000 });
    await adminPage.getByRole('tab', { name: 'Users' }).click();
    const search = adminPage.locator('input[data-testid="users-search"], [data-testid="users-search"] input').first();
    await search.fill(username);
    await search.press('Enter');
    const row = adminPage.locator('.ant-table-row', { hasText: username });
    await row.waitFor({ timeout: 15000 });
    await row.locator('[data-testid^="users-reset-"]').click();
    await adminPage.getByTestId('users-reset-confirm').click();
    await adminPage.locator('.ant-message-success').waitFor({ timeout: 15000 });
    const listed = (await api.get(`twoFactorUsers:list?filter=${encodeURIComponent(JSON.stringify({ q: username }))}`, asRoot)).body;
    check('[v2] Reset in the v2 Users tab removes the user\'s methods', listed.data?.[0]?.verifiers?.length === 0, JSON.stringify(listed.data?.[0]));
    allErrors.push(...admin.errors);
    await admin.context.close();
  }
  await signedOut(page, context);
  await signInV2(page, username, PASSWORD);
  await page.getByTestId('two-factor-secret').waitFor({ timeout: 30000 });
  check(`[v2 ${locale}] after the reset, the user must bind again`, page.url().includes('/v/2fa'));
  allErrors.push(...user.errors);
  await context.close();

  // 6. Chinese: /v/2fa, the personal center and the admin tab.
  {
    const zh = await newPage(browser, 'zh-CN');
    await bindAtV2SignIn(check, zh.page, 'zh-CN', people['zh-CN'], 'v2');
    await openOurDrawer(zh.page, 'zh-CN');
    check('[v2 zh-CN] the personal-center drawer renders in Chinese', (await zh.page.getByTestId('two-factor-me').innerText()).includes(TEXT['zh-CN'].on));
    await shot(zh.page, 'v2-me-zh-CN');
    allErrors.push(...zh.errors);
    await zh.context.close();
    const zhAdmin = await newPage(browser, 'zh-CN');
    await rootSignsIn(zhAdmin.page, '%2Fv%2Fadmin%2Fsettings%2Fauth%2Ftwo-factor');
    await zhAdmin.page.getByTestId('two-factor-policy').waitFor({ timeout: 60000 });
    check('[v2 zh-CN] the admin tab renders in Chinese', (await zhAdmin.page.getByText('为所有用户强制启用双因素认证').count()) > 0);
    await shot(zhAdmin.page, 'v2-admin-policy-zh-CN');
    allErrors.push(...zhAdmin.errors);
    await zhAdmin.context.close();
  }
  return allErrors;
}

/** @param {(label: string, ok: boolean, detail?: string) => void} check */
async function modernOnly(check, browser, people) {
  // The CLI writes the mode into @nocobase/app's index.html, which every app on these node_modules
  // serves: another app started meanwhile puts its own mode there.
  const served = await (await fetch(`${base}/signin`)).text();
  check('[modern-only] the app serves its pages in modern-only mode', served.includes("entry_mode__'] = 'modern-only'"), 'index.html was rewritten by another app starting on the same node_modules');
  const { page, context, errors } = await newPage(browser, 'en-US');
  // The v1 sign-in page's address is rewritten to v2's.
  await page.goto(`${base}/signin?redirect=%2Fadmin`);
  await page.waitForURL((url) => url.pathname.startsWith('/v/'), { timeout: 30000 });
  check('[modern-only] the v1 sign-in address ends on /v/signin', new URL(page.url()).pathname === '/v/signin', page.url());
  await submitSignIn(page, people['en-US'], PASSWORD);
  check('[modern-only] a required user lands on /v/2fa after signing in', page.url().includes('/v/2fa'), page.url());
  // The v1 /2fa address (with the pending challenge in this tab) is rewritten to /v/2fa and works.
  await page.goto(`${base}/2fa?redirect=%2Fadmin`);
  await page.waitForURL((url) => url.pathname.startsWith('/v/'), { timeout: 30000 });
  check('[modern-only] the v1 /2fa address ends on /v/2fa, keeping the redirect', /\/v\/2fa\?redirect=%2Fadmin/.test(page.url()), page.url());
  await page.getByTestId('two-factor-secret').waitFor({ timeout: 30000 });
  const secret = (await page.getByTestId('two-factor-secret').innerText()).trim();
  await page.getByTestId('two-factor-code').fill(totp(secret));
  await page.getByTestId('two-factor-backup-codes').waitFor({ timeout: 20000 });
  await page.getByTestId('two-factor-saved').click();
  await page.getByTestId('two-factor-continue').click();
  await page.waitForURL((url) => url.pathname.startsWith('/v/admin'), { timeout: 30000 });
  await inApp(page);
  check('[modern-only] binding on /v/2fa lands on /v/admin, signed in', new URL(page.url()).pathname.startsWith('/v/admin'), page.url());
  await openOurDrawer(page, 'en-US');
  check('[modern-only] the personal-center drawer opens', (await page.getByTestId('two-factor-me').innerText()).includes(TEXT['en-US'].on));
  await closeDrawer(page);
  // Next sign-in through the v1 address: verify on /v/2fa.
  await signedOut(page, context);
  await page.goto(`${base}/signin?redirect=%2Fadmin`);
  await page.waitForURL((url) => url.pathname.startsWith('/v/'), { timeout: 30000 });
  await submitSignIn(page, people['en-US'], PASSWORD);
  await page.getByTestId('two-factor-code').waitFor({ timeout: 30000 });
  await page.getByTestId('two-factor-code').fill(totp(secret, 1));
  await page.waitForURL((url) => url.pathname.startsWith('/v/admin'), { timeout: 30000 });
  check('[modern-only] a code on /v/2fa signs in to /v/admin', new URL(page.url()).pathname.startsWith('/v/admin'), page.url());
  // The admin tab through its v1 address.
  const admin = await newPage(browser, 'en-US');
  await admin.page.goto(`${base}/admin/settings/auth/two-factor`);
  await admin.page.waitForURL((url) => url.pathname.startsWith('/v/signin'), { timeout: 60000 });
  if ((await submitSignIn(admin.page, ROOT.email, ROOT.password)).includes('/v/2fa')) await admin.page.getByTestId('two-factor-code').fill(await rootCode());
  await admin.page.getByTestId('two-factor-policy').waitFor({ timeout: 60000 });
  check('[modern-only] root signs in and reaches the v2 tab from its v1 address', new URL(admin.page.url()).pathname === '/v/admin/settings/auth/two-factor', admin.page.url());
  await admin.context.close();
  await context.close();
  return errors;
}

/** @param {(label: string, ok: boolean, detail?: string) => void} check */
async function main(check) {
  const root = await rootSession();
  const asRoot = bearer(root);
  const stamp = Date.now();
  const role = `v2r${stamp}`;
  const people = { 'en-US': `v2-${mode}-${stamp}`, 'zh-CN': `v2-zh-${stamp}` };
  const created = await api.post('roles:create', { name: role, title: `v2 2FA users ${stamp}` }, asRoot);
  if (created.status !== 200) throw new Error(`roles:create failed: ${created.text}`);
  for (const [appLang, username] of Object.entries(people)) {
    await api.post('users:create', { username, email: `${username}@example.com`, password: PASSWORD, roles: ['member', role], appLang }, asRoot);
  }
  await api.post('systemSettings:update?filterByTk=1', { enabledLanguages: ['en-US', 'zh-CN'] }, asRoot);
  // Root keeps its factor (asked at each sign-in); the users are required through their role.
  await api.post('twoFactorSettings:update', { enforceForAll: false, enforcedRoles: mode === 'modern-only' ? [role] : [] }, asRoot);

  const browser = await launchChromium();
  try {
    const errors = mode === 'modern-only' ? await modernOnly(check, browser, people) : await defaultMode(check, browser, asRoot, role, people, stamp);
    check(`[v2 ${mode}] no page errors`, errors.length === 0, errors.join(' | '));
  } finally {
    await browser.close();
  }
}

await runChecks(`browser (v2 client, ${mode})`, main);
