#!/usr/bin/env node
/**
 * Browser test of the /2fa sign-in step in the real app (Debian chromium + playwright-core):
 * a required user signs in through NocoBase's sign-in page, binds an authenticator app from the
 * QR page, saves the backup codes, lands in the app; signs in again and verifies a code; then
 * signs in with a backup code. Screenshots (en-US, zh-CN) go to .e2e/screens/.
 * Usage: node e2e/two-factor-page.mjs <baseUrl>   (an app started by `npm start` or test:app)
 */
import { runChecks } from '../test-support/checks.mjs';
import { bearer } from '../test-support/http.mjs';
import { totp } from '../test-support/totp.mjs';
import { api, base, launchChromium, newPage, shot } from './support.mjs';

/** @param {(label: string, ok: boolean, detail?: string) => void} check */
async function main(check) {
  const root = (await api.signIn('admin@nocobase.com', 'admin123')).body?.data?.token;
  if (!root) throw new Error('root sign-in failed (is 2FA already enforced for root in this app?)');
  const stamp = Date.now();
  const users = { en: `ui-en-${stamp}`, zh: `ui-zh-${stamp}` };
  // Enforce 2FA for a role of their own, so root (who holds every preset role) stays free.
  const admin = bearer(root);
  await api.post('roles:create', { name: 'ui2fa', title: '2FA users' }, admin);
  for (const [lang, username] of Object.entries(users)) {
    await api.post('users:create', { username, email: `${username}@example.com`, password: 'Ui-pass-12345', roles: ['member', 'ui2fa'], appLang: lang === 'zh' ? 'zh-CN' : 'en-US' }, admin);
  }
  await api.post('twoFactorSettings:update', { enforcedRoles: ['ui2fa'] }, admin);
  // Let users pick Chinese (a fresh app enables English only).
  await api.post('systemSettings:update?filterByTk=1', { enabledLanguages: ['en-US', 'zh-CN'] }, admin);

  const browser = await launchChromium();
  try {
    for (const [lang, username] of Object.entries(users)) {
      const locale = lang === 'zh' ? 'zh-CN' : 'en-US';
      const { context, page, errors } = await newPage(browser, locale, { width: 1280, height: 860 });

      const signIn = async () => {
        await page.goto(`${base}/signin?redirect=%2Fadmin`);
        await page.locator('input:not([type=password])').first().fill(username);
        await page.locator('input[type=password]').fill('Ui-pass-12345');
        await page.locator('button[type=submit], button:has-text("Sign in"), button:has-text("登录")').first().click();
        await page.waitForURL(/\/2fa/, { timeout: 20000 });
      };

      // First sign-in: bind.
      await signIn();
      check(`[${locale}] the password step lands on /2fa, keeping ?redirect=`, page.url().includes('/2fa?redirect=%2Fadmin'));
      await page.getByTestId('two-factor-secret').waitFor({ timeout: 20000 });
      await shot(page, `bind-${locale}`);
      const secret = (await page.getByTestId('two-factor-secret').innerText()).trim();
      check(`[${locale}] the bind step shows a QR code and the key`, /^[A-Z2-7]{32}$/.test(secret) && (await page.getByTestId('two-factor-qr').isVisible()));
      await page.getByTestId('two-factor-code').fill('000000' === totp(secret) ? '111111' : '000000');
      await page.getByTestId('two-factor-error').waitFor({ timeout: 10000 });
      await shot(page, `bind-wrong-code-${locale}`);
      check(`[${locale}] a wrong code says how many attempts are left`, /4/.test(await page.getByTestId('two-factor-error').innerText()));
      await page.getByTestId('two-factor-code').fill(totp(secret));
      await page.getByTestId('two-factor-backup-codes').waitFor({ timeout: 15000 });
      await shot(page, `backup-codes-${locale}`);
      const codes = (await page.getByTestId('two-factor-backup-codes').innerText()).split(/\s+/).filter(Boolean);
      check(`[${locale}] the backup codes are shown once, with "I have saved them"`, codes.length === 10 && (await page.getByTestId('two-factor-continue').isDisabled()));
      await page.getByTestId('two-factor-saved').click();
      await page.getByTestId('two-factor-continue').click();
      await page.waitForURL(/\/admin/, { timeout: 20000 });
      await page.getByTestId('user-center-button').waitFor({ timeout: 30000 }).catch(() => {});
      await page.waitForTimeout(500);
      check(`[${locale}] Continue lands in the app, signed in`, !page.url().includes('signin'));
      await shot(page, `signed-in-${locale}`);

      // Second sign-in: verify with the next code.
      await page.evaluate(() => localStorage.clear());
      await context.clearCookies();
      await signIn();
      await page.getByTestId('two-factor-code').waitFor({ timeout: 20000 });
      await shot(page, `verify-${locale}`);
      await page.getByTestId('two-factor-code').fill(totp(secret, 1));
      await page.waitForURL(/\/admin/, { timeout: 20000 });
      check(`[${locale}] the verify step signs in on the last digit`, page.url().includes('/admin'));
      await page.getByTestId('user-center-button').waitFor({ timeout: 30000 });

      // Third: "try another way" with a backup code.
      await page.evaluate(() => localStorage.clear());
      await context.clearCookies();
      await signIn();
      await page.getByRole('tab', { name: lang === 'zh' ? '备用码' : 'Backup code' }).click();
      await page.getByTestId('two-factor-code').fill(codes[0]);
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/admin/, { timeout: 20000 });
      check(`[${locale}] a backup code signs in from the "Backup code" tab`, page.url().includes('/admin'));
      check(`[${locale}] no page errors`, errors.length === 0, errors.join(' | '));
      await context.close();
    }
  } finally {
    await browser.close();
  }
}

await runChecks('browser (/2fa)', main);
