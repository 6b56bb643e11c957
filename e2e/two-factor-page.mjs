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
      const zh = lang === 'zh';
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
      check(
        `[${locale}] the verify step has a submit button, a line saying the code is sent on its last digit, and "Back to sign in"`,
        (await page.getByTestId('two-factor-code-submit').isVisible()) &&
          (await page.getByText(zh ? '输入最后一位数字后会自动提交。' : 'The code is sent as soon as you type its last digit.').isVisible()) &&
          (await page.getByTestId('two-factor-back').isVisible()),
      );
      await page.getByTestId('two-factor-code').fill(totp(secret, 1));
      const lastStep = Math.floor(Date.now() / 30000) + 1;
      await page.waitForURL(/\/admin/, { timeout: 20000 });
      check(`[${locale}] the verify step signs in on the last digit`, page.url().includes('/admin'));
      await page.getByTestId('user-center-button').waitFor({ timeout: 30000 });

      // Third: "try another way" with a backup code.
      await page.evaluate(() => localStorage.clear());
      await context.clearCookies();
      await signIn();
      await page.getByRole('tab', { name: lang === 'zh' ? '备用码' : 'Backup code' }).click();
      await page.getByPlaceholder('xxxxx-xxxxx').fill(codes[0]);
      await page.getByTestId('two-factor-code-submit').click();
      await page.waitForURL(/\/admin/, { timeout: 20000 });
      check(`[${locale}] a backup code signs in from the "Backup code" tab with the Verify button`, page.url().includes('/admin'));

      // "Back to sign in" drops the challenge and opens the sign-in page.
      await page.evaluate(() => localStorage.clear());
      await context.clearCookies();
      await signIn();
      await page.getByTestId('two-factor-back').click();
      await page.waitForURL(/\/signin/, { timeout: 20000 });
      check(`[${locale}] "Back to sign in" leaves /2fa for the sign-in page, without the challenge`, (await page.evaluate(() => sessionStorage.getItem('open2fa:pending'))) === null);

      // A used backup code is named as such (and counts); the last attempt ends the step.
      await signIn();
      await page.getByRole('tab', { name: zh ? '备用码' : 'Backup code' }).click();
      await page.getByPlaceholder('xxxxx-xxxxx').fill(codes[0]);
      await page.getByTestId('two-factor-code-submit').click();
      await page.getByTestId('two-factor-error').waitFor({ timeout: 10000 });
      const reusedText = await page.getByTestId('two-factor-error').innerText();
      check(`[${locale}] a used backup code says it was already used`, reusedText.includes(zh ? '此备用码已被使用' : 'This backup code has already been used.'), reusedText);
      await shot(page, `verify-backup-code-used-${locale}`);
      /** Sends what `act` sends and waits for the server's answer to reach the page. */
      const answered = async (act) => {
        await Promise.all([page.waitForResponse((r) => r.url().includes('twoFactor:verify'), { timeout: 15000 }), act()]);
        await page.waitForTimeout(300);
      };
      let lastError = '';
      for (let i = 0; i < 3; i++) {
        await page.getByTestId('two-factor-code').fill(`aaaaa-aaaa${'abc'[i]}`);
        await answered(() => page.getByTestId('two-factor-code-submit').click());
        lastError = await page.getByTestId('two-factor-error').innerText();
      }
      check(`[${locale}] one attempt left reads in the singular`, zh ? lastError.includes('还剩 1 次') : lastError.includes('1 attempt left.') && !lastError.includes('attempts left'), lastError);
      await page.getByTestId('two-factor-code').fill('aaaaa-aaaad');
      await page.getByTestId('two-factor-code-submit').click();
      await page.getByTestId('two-factor-used-up').waitFor({ timeout: 10000 });
      check(
        `[${locale}] after the last attempt the step says the attempts are used up, with no code box but "Sign in again"`,
        (await page.getByTestId('two-factor-code').count()) === 0 && (await page.getByTestId('two-factor-sign-in-again').isVisible()),
      );
      await shot(page, `verify-attempts-used-up-${locale}`);
      await page.getByTestId('two-factor-sign-in-again').click();
      await page.waitForURL(/\/signin/, { timeout: 20000 });
      check(`[${locale}] "Sign in again" opens the sign-in page`, page.url().includes('/signin'));

      // Five more wrong codes reach the lockout: the code box is disabled, with the time it ends.
      await signIn();
      await page.getByTestId('two-factor-code').waitFor({ timeout: 20000 });
      const wrong = totp(secret, 40);
      for (let i = 0; i < 5 && !(await page.getByTestId('two-factor-locked').count()); i++) {
        await page.getByTestId('two-factor-code').fill('');
        await answered(() => page.getByTestId('two-factor-code').fill(wrong));
      }
      await page.getByTestId('two-factor-locked').waitFor({ timeout: 10000 });
      check(
        `[${locale}] a locked user sees until when, and the code box and its button are disabled`,
        (await page.getByTestId('two-factor-code').isDisabled()) && (await page.getByTestId('two-factor-code-submit').isDisabled()),
      );
      await shot(page, `verify-locked-${locale}`);

      // The admin sees the lock in the Users tab and lifts it; the user then signs in.
      {
        const adminCtx = await newPage(browser, locale);
        const ap = adminCtx.page;
        await ap.goto(`${base}/signin?redirect=%2Fadmin`);
        await ap.locator('input:not([type=password])').first().fill('admin@nocobase.com');
        await ap.locator('input[type=password]').fill('admin123');
        await ap.locator('button[type=submit]').first().click();
        await ap.waitForURL(/\/admin/, { timeout: 30000 });
        await ap.goto(`${base}/admin/settings/auth/two-factor`);
        await ap.getByRole('tab', { name: zh ? '用户' : 'Users' }).click();
        const search = ap.locator('input[data-testid="users-search"], [data-testid="users-search"] input').first();
        await search.fill(username);
        await search.press('Enter');
        const row = ap.locator('.ant-table-row', { hasText: username });
        await row.locator('[data-testid^="users-locked-"]').waitFor({ timeout: 15000 });
        check(`[${locale}] the Users tab shows the lock and when it ends`, (await row.innerText()).includes(zh ? '锁定至' : 'Locked until'));
        await shot(ap, `admin-users-locked-${locale}`);
        await row.locator('[data-testid^="users-unlock-"]').click();
        await ap.locator('.ant-popconfirm-buttons .ant-btn-primary').click();
        await ap.locator('.ant-message-success').waitFor({ timeout: 10000 });
        await row.locator('[data-testid^="users-locked-"]').waitFor({ state: 'detached', timeout: 10000 });
        const listed = (await api.get(`twoFactorUsers:list?filter=${encodeURIComponent(JSON.stringify({ q: username }))}`, admin)).body.data[0];
        check(`[${locale}] Unlock lifts the lock`, listed.lockedUntil === null, JSON.stringify(listed));
        errors.push(...adminCtx.errors);
        await adminCtx.context.close();
      }
      await page.getByTestId('two-factor-back').click();
      await page.waitForURL(/\/signin/, { timeout: 20000 });
      await signIn();
      // A step later than the last one accepted (the replay rule), within the drift window.
      while (Math.floor(Date.now() / 30000) + 1 <= lastStep) await page.waitForTimeout(1000);
      await page.getByTestId('two-factor-code').fill(totp(secret, 1));
      await page.waitForURL(/\/admin/, { timeout: 20000 });
      check(`[${locale}] once unlocked, the user signs in with a code`, page.url().includes('/admin'));
      check(`[${locale}] no page errors`, errors.length === 0, errors.join(' | '));
      await context.close();
    }
  } finally {
    await browser.close();
  }
}

await runChecks('browser (/2fa)', main);
