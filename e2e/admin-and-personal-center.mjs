#!/usr/bin/env node
/**
 * Browser test of the admin tab and the personal center in the real app (Debian chromium +
 * playwright-core). An admin turns on "Enforce 2FA for all users" in Settings → Authentication →
 * Two-factor authentication (after a refused invalid value); a new user binds at sign-in, trusts
 * the device and is not asked next time, revokes the device in the personal center and is asked
 * again (signing in with a backup code); the admin resets the user from the Users tab, and the
 * user must bind again. The Chinese UI is driven too. Screenshots go to $SCREENSHOTS
 * (default .e2e/screens). Usage: node e2e/admin-and-personal-center.mjs <baseUrl>
 */
import { runChecks } from '../test-support/checks.mjs';
import { bearer } from '../test-support/http.mjs';
import { totp } from '../test-support/totp.mjs';
import { api, base, launchChromium, newPage, shot } from './support.mjs';

const PASSWORD = 'Journey-pass-123';
const TEXT = {
  'en-US': { users: 'Users', audit: 'Audit log', signOut: 'Sign out', backup: 'Backup code' },
  'zh-CN': { users: '用户', audit: '审计日志', signOut: '退出登录', backup: '备用码' },
};

/** Password step through NocoBase's own sign-in page; resolves where it lands. */
async function passwordStep(page, account, password) {
  await page.goto(`${base}/signin?redirect=%2Fadmin`);
  await page.locator('input:not([type=password])').first().fill(account);
  await page.locator('input[type=password]').fill(password);
  await page.locator('button[type=submit]').first().click();
  await page.waitForURL(/\/(2fa|admin)/, { timeout: 30000 });
  await page.waitForTimeout(300);
  return page.url();
}

async function openUserCenterItem(page, testId) {
  await page.getByTestId('user-center-button').hover();
  await page.getByTestId(testId).click();
  await page.mouse.move(200, 700);
}

async function signOut(page, locale) {
  await page.getByTestId('user-center-button').hover();
  await page.getByText(TEXT[locale].signOut, { exact: true }).click();
  await page.waitForURL(/\/signin/, { timeout: 20000 });
}

async function closeDrawer(page) {
  await page.locator('.ant-drawer-close').click();
  await page.locator('.ant-drawer-content').waitFor({ state: 'detached', timeout: 10000 }).catch(() => {});
}

async function openAdminTab(page) {
  await page.goto(`${base}/admin/settings/auth/two-factor`);
  await page.getByTestId('two-factor-policy').waitFor({ timeout: 30000 });
}

/** A first sign-in that binds an authenticator app; returns the secret and the backup codes. */
async function bindAtSignIn(check, page, locale, account, shotPrefix) {
  const landed = await passwordStep(page, account, PASSWORD);
  check(`[${locale}] a required user lands on /2fa after the password`, landed.includes('/2fa'));
  await page.getByTestId('two-factor-secret').waitFor({ timeout: 20000 });
  const secret = (await page.getByTestId('two-factor-secret').innerText()).trim();
  await page.getByTestId('two-factor-code').fill(totp(secret));
  await page.getByTestId('two-factor-backup-codes').waitFor({ timeout: 15000 });
  if (shotPrefix) await shot(page, `${shotPrefix}-backup-codes-${locale}`);
  const codes = (await page.getByTestId('two-factor-backup-codes').innerText()).split(/\s+/).filter(Boolean);
  await page.getByTestId('two-factor-saved').click();
  await page.getByTestId('two-factor-continue').click();
  await page.waitForURL(/\/admin/, { timeout: 20000 });
  await page.getByTestId('user-center-button').waitFor({ timeout: 20000 });
  return { secret, codes };
}

/** @param {(label: string, ok: boolean, detail?: string) => void} check */
async function main(check) {
  const root = (await api.signIn('admin@nocobase.com', 'admin123')).body?.data?.token;
  if (!root) throw new Error('root sign-in failed (is 2FA already enforced for root in this app?)');
  const asRoot = bearer(root);
  const stamp = Date.now();
  const people = { 'en-US': `journey-${stamp}`, 'zh-CN': `journey-zh-${stamp}` };
  for (const [appLang, username] of Object.entries(people)) {
    await api.post('users:create', { username, nickname: appLang === 'zh-CN' ? '李雷' : 'Jane Doe', email: `${username}@example.com`, password: PASSWORD, roles: ['member'], appLang }, asRoot);
  }
  await api.post('systemSettings:update?filterByTk=1', { enabledLanguages: ['en-US', 'zh-CN'] }, asRoot);
  const browser = await launchChromium();
  const allErrors = [];
  try {
    // 1. The admin tab in Chinese (before enforcement, so root signs in with the password alone).
    {
      const { context, page, errors } = await newPage(browser, 'zh-CN');
      await passwordStep(page, 'admin@nocobase.com', 'admin123');
      await openAdminTab(page);
      check('[zh-CN] the admin tab renders in Chinese', (await page.getByText('为所有用户强制启用双因素认证').count()) > 0);
      await shot(page, 'admin-policy-zh-CN');
      await page.getByRole('tab', { name: TEXT['zh-CN'].users }).click();
      await page.getByTestId('two-factor-users').waitFor();
      await shot(page, 'admin-users-zh-CN');
      await page.getByRole('tab', { name: TEXT['zh-CN'].audit }).click();
      await page.getByTestId('two-factor-events').locator('.ant-table-row').first().waitFor({ timeout: 15000 });
      const details = (await page.getByTestId('event-detail').allInnerTexts()).join(' | ');
      check('[zh-CN] the audit details are sentences, without stored field names', details.includes('密码正确') && !/\b(stage|requiredBecause|attemptsLeft|by):/.test(details), details.slice(0, 300));
      await shot(page, 'admin-audit-zh-CN');
      // Core's Verification item (验证码) points our types to our item.
      await page.getByTestId('user-center-button').hover();
      await page.locator('.ant-dropdown-menu-item', { hasText: /^验证码$/ }).click();
      await page.mouse.move(200, 700);
      await page.locator('.ant-list-item', { hasText: /Authenticator app|身份验证器应用/ }).getByText('绑定', { exact: true }).click();
      await page.getByTestId('two-factor-pointer').waitFor({ timeout: 15000 });
      check('[zh-CN] core\'s Verification page points our types to our item', await page.getByText('请在“双因素认证”中设置').isVisible());
      await shot(page, 'verification-pointer-zh-CN');
      await page.goto(`${base}/admin/settings/verification`);
      await page.locator('.ant-table-row', { hasText: 'totp' }).getByText('编辑', { exact: true }).click();
      await page.getByText('允许的时钟偏差（步数）').waitFor({ timeout: 15000 });
      await shot(page, 'verification-totp-zh-CN');
      allErrors.push(...errors);
      await context.close();
    }

    // 2. The admin (English) refuses an invalid value, then enforces 2FA for all users.
    const admin = await newPage(browser, 'en-US');
    {
      const { page } = admin;
      await passwordStep(page, 'admin@nocobase.com', 'admin123');
      await openAdminTab(page);
      await shot(page, 'admin-policy-en-US');
      const ttl = page.getByTestId('policy-challengeTTL');
      await ttl.fill('5');
      await page.getByTestId('policy-save').click();
      await page.getByText('Enter a whole number from 30 to 3600.').waitFor({ timeout: 10000 });
      check('[en-US] an out-of-range value is refused with a message', await page.getByText('Enter a whole number from 30 to 3600.').isVisible());
      await shot(page, 'admin-policy-invalid-en-US');
      check('[en-US] nothing was saved', (await api.get('twoFactorSettings:get', asRoot)).body.data.challengeTTL === 300);
      await ttl.fill('300');

      // The authenticator app's options are editable under Settings → Verification.
      await page.goto(`${base}/admin/settings/verification`);
      await page.locator('.ant-table-row', { hasText: 'totp' }).getByText('Edit', { exact: true }).click();
      await page.getByText('Accepted clock drift (steps)').waitFor({ timeout: 15000 });
      check('[en-US] the totp verifier shows its options form under Settings → Verification', (await page.getByText('Algorithm', { exact: true }).count()) > 0);
      await shot(page, 'verification-totp-en-US');
      await openAdminTab(page);
      await page.getByTestId('policy-enforceForAll').click();
      await page.getByTestId('policy-save').click();
      await page.locator('.ant-message-success').waitFor({ timeout: 10000 });
      check('[en-US] "Enforce 2FA for all users" is saved from the tab', (await api.get('twoFactorSettings:get', asRoot)).body.data.enforceForAll === true);

      // Core's Verification item points our types to our item, whose drawer the pointer opens.
      await page.getByTestId('user-center-button').hover();
      await page.locator('.ant-dropdown-menu-item', { hasText: /^Verification$/ }).click();
      await page.mouse.move(200, 700);
      await page.locator('.ant-list-item', { hasText: 'Authenticator app' }).getByText('Bind', { exact: true }).click();
      await page.getByTestId('two-factor-pointer').waitFor({ timeout: 15000 });
      check('[en-US] core\'s Verification page shows a pointer, not a bind form, for our types', await page.getByText('Set this up under Two-factor authentication').isVisible());
      await shot(page, 'verification-pointer-en-US');
      await page.getByTestId('two-factor-pointer-open').click();
      await page.getByTestId('two-factor-me').waitFor({ timeout: 15000 });
      check('[en-US] its button opens our personal-center drawer', await page.getByTestId('two-factor-me-intro').isVisible());
      await shot(page, 'verification-pointer-opened-en-US');
      await page.goto(`${base}/admin/settings/auth/two-factor`);
      await page.getByTestId('two-factor-policy').waitFor({ timeout: 30000 });
    }

    // 3. A new user: bind at sign-in, verify and trust the device, then not asked on it.
    const locale = 'en-US';
    const username = people[locale];
    const user = await newPage(browser, locale);
    const { page } = user;
    const { secret, codes } = await bindAtSignIn(check, page, locale, username, 'journey');
    check(`[${locale}] binding at the first sign-in lands in the app with 10 backup codes`, page.url().includes('/admin') && codes.length === 10);
    await signOut(page, locale);
    await passwordStep(page, username, PASSWORD);
    await page.getByTestId('two-factor-code').waitFor({ timeout: 20000 });
    await page.getByText('Trust this device for 30 days').click();
    await shot(page, `journey-verify-trust-${locale}`);
    await page.getByTestId('two-factor-code').fill(totp(secret, 1));
    await page.waitForURL(/\/admin/, { timeout: 20000 });
    await page.getByTestId('user-center-button').waitFor({ timeout: 20000 });
    await signOut(page, locale);
    const trustedLanding = await passwordStep(page, username, PASSWORD);
    check(`[${locale}] a trusted device is not asked for a second factor`, trustedLanding.includes('/admin') && !trustedLanding.includes('/2fa'), trustedLanding);

    // 4. Personal center: the device is listed as this one; revoke it; the next sign-in asks again.
    await page.getByTestId('user-center-button').waitFor({ timeout: 20000 });
    await openUserCenterItem(page, 'two-factor-user-center');
    await page.getByTestId('two-factor-me').waitFor({ timeout: 15000 });
    const device = page.locator('[data-testid^="two-factor-device-"]');
    await device.first().waitFor({ timeout: 10000 });
    check(`[${locale}] the personal center lists the trusted device as "This device"`, (await device.count()) === 1 && (await device.first().innerText()).includes('This device'));
    check(`[${locale}] the personal center shows the method and the backup codes left`, (await page.getByTestId('two-factor-codes-left').innerText()).includes('10'));
    await shot(page, `me-${locale}`);
    await page.locator('[data-testid^="two-factor-revoke-"]').first().click();
    await page.locator('.ant-popconfirm-buttons .ant-btn-primary').click();
    await device.first().waitFor({ state: 'detached', timeout: 10000 });
    check(`[${locale}] revoking the device empties the list`, (await device.count()) === 0);
    await closeDrawer(page);
    await signOut(page, locale);
    const afterRevoke = await passwordStep(page, username, PASSWORD);
    check(`[${locale}] after revoking, the device is asked for a second factor again`, afterRevoke.includes('/2fa'), afterRevoke);
    await page.getByRole('tab', { name: TEXT[locale].backup }).click();
    await page.getByTestId('two-factor-code').fill(codes[0]);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin/, { timeout: 20000 });
    check(`[${locale}] a backup code signs in`, page.url().includes('/admin'));

    // 5. Personal center flows with proof: regenerate backup codes (shown once).
    await page.getByTestId('user-center-button').waitFor({ timeout: 20000 });
    await openUserCenterItem(page, 'two-factor-user-center');
    await page.getByTestId('two-factor-regenerate').click();
    await page.getByTestId('two-factor-proof-password').fill('wrong-password');
    await page.getByTestId('two-factor-proceed').click();
    await page.getByTestId('two-factor-error').waitFor({ timeout: 10000 });
    check(`[${locale}] a wrong password is refused when regenerating codes`, (await page.getByTestId('two-factor-error').innerText()).length > 0);
    await shot(page, `me-proof-refused-${locale}`);
    await page.getByTestId('two-factor-proof-password').fill(PASSWORD);
    await page.getByTestId('two-factor-proceed').click();
    await page.getByTestId('two-factor-backup-codes').waitFor({ timeout: 10000 });
    const fresh = (await page.getByTestId('two-factor-backup-codes').innerText()).split(/\s+/).filter(Boolean);
    check(`[${locale}] new backup codes are shown once`, fresh.length === 10 && !fresh.includes(codes[1]));
    await shot(page, `me-new-codes-${locale}`);
    await page.getByTestId('two-factor-saved').click();
    await page.getByTestId('two-factor-continue').click();
    await closeDrawer(page);

    // 6. The admin finds the user, resets their 2FA; the user must bind again.
    {
      const { page: adminPage } = admin;
      await openAdminTab(adminPage);
      await adminPage.getByRole('tab', { name: TEXT['en-US'].users }).click();
      await adminPage.locator('input[data-testid="users-search"], [data-testid="users-search"] input').first().fill(username);
      await adminPage.locator('input[data-testid="users-search"], [data-testid="users-search"] input').first().press('Enter');
      const row = adminPage.locator('.ant-table-row', { hasText: username });
      await row.waitFor({ timeout: 10000 });
      check('[en-US] the users table shows the user as set up, with the method', (await row.innerText()).includes('Authenticator app'));
      check('[en-US] a user bound under "enforce for all" is tagged "All users" only, not also "Opted in"', (await row.innerText()).includes('All users') && !(await row.innerText()).includes('Opted in'));
      await adminPage.locator('input[data-testid="users-search"], [data-testid="users-search"] input').first().fill('');
      await adminPage.locator('input[data-testid="users-search"], [data-testid="users-search"] input').first().press('Enter');
      await adminPage.waitForTimeout(800);
      await shot(adminPage, 'admin-users-en-US');
      await adminPage.locator('.ant-table-row', { hasText: username }).locator('[data-testid^="users-reset-"]').click();
      await shot(adminPage, 'admin-reset-confirm-en-US');
      await adminPage.getByTestId('users-reset-confirm').click();
      await adminPage.locator('.ant-message-success').waitFor({ timeout: 10000 });
      const listed = (await api.get(`twoFactorUsers:list?filter=${encodeURIComponent(JSON.stringify({ q: username }))}`, asRoot)).body;
      check('[en-US] Reset removes the user\'s methods', listed.data?.[0]?.verifiers?.length === 0, JSON.stringify(listed.data?.[0]));
      await adminPage.getByRole('tab', { name: TEXT['en-US'].audit }).click();
      await adminPage.getByTestId('two-factor-events').locator('.ant-table-row').first().waitFor({ timeout: 10000 });
      check('[en-US] the audit log shows the reset', (await adminPage.getByTestId('two-factor-events').innerText()).includes('Reset by an administrator'));
      const resetRow = adminPage.getByTestId('two-factor-events').locator('.ant-table-row').first();
      check('[en-US] the reset\'s details name the admin in a sentence', /reset two-factor authentication\. 1 method removed\./.test(await resetRow.innerText()) && !(await resetRow.innerText()).includes('by:'), await resetRow.innerText());
      await shot(adminPage, 'admin-audit-en-US');
      allErrors.push(...admin.errors);
      await admin.context.close();
    }
    await signOut(page, locale);
    const afterReset = await passwordStep(page, username, PASSWORD);
    await page.getByTestId('two-factor-secret').waitFor({ timeout: 20000 });
    check(`[${locale}] after the reset, the user must bind again`, afterReset.includes('/2fa'));
    allErrors.push(...user.errors);
    await user.context.close();

    // 7. The Chinese personal center.
    {
      const { context, page: zh, errors } = await newPage(browser, 'zh-CN');
      await bindAtSignIn(check, zh, 'zh-CN', people['zh-CN']);
      await openUserCenterItem(zh, 'two-factor-user-center');
      await zh.getByTestId('two-factor-me').waitFor({ timeout: 15000 });
      check('[zh-CN] the personal center renders in Chinese', (await zh.getByTestId('two-factor-me').innerText()).includes('双因素认证已启用'));
      await shot(zh, 'me-zh-CN');
      await zh.getByTestId('two-factor-regenerate').click();
      await zh.getByTestId('two-factor-proceed').waitFor();
      await shot(zh, 'me-regenerate-zh-CN');
      await zh.getByTestId('two-factor-proof-password').fill(PASSWORD);
      await zh.getByTestId('two-factor-proceed').click();
      await zh.getByTestId('two-factor-backup-codes').waitFor({ timeout: 10000 });
      check('[zh-CN] new backup codes are shown once', (await zh.getByTestId('two-factor-backup-codes').innerText()).split(/\s+/).filter(Boolean).length === 10);
      await shot(zh, 'me-new-codes-zh-CN');
      allErrors.push(...errors);
      await context.close();
    }
    check('no page errors', allErrors.length === 0, allErrors.join(' | '));
  } finally {
    await browser.close();
  }
}

await runChecks('browser (admin tab, personal center)', main);
