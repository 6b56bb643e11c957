#!/usr/bin/env node
/**
 * Browser test of security keys and passkeys (WebAuthn) in the real app, with Chromium's virtual
 * authenticator over the DevTools protocol. WebAuthn refuses IP addresses, so the browser opens
 * the app at http://localhost:<port> (the harness hands out http://127.0.0.1:<port>) and the
 * verifier's relying party defaults to that host.
 * - en-US: a required user registers a platform passkey (internal, user verification) at the first
 *   sign-in and signs in with it; adds a USB key without user verification in the personal
 *   center and signs in with that; renames it, removes the passkey, cannot remove the last key;
 *   at 127.0.0.1 the page says the address cannot use security keys.
 * - zh-CN: with the verifier set to require user verification, a key without it is refused, and a
 *   passkey with it is accepted.
 * The settings it changes are put back at the end. Screenshots go to $SCREENSHOTS (.e2e/screens).
 * Usage: node e2e/webauthn.mjs <baseUrl>
 */
import { runChecks } from '../test-support/checks.mjs';
import { bearer, show } from '../test-support/http.mjs';
import { api, base, launchChromium, newPage, shot } from './support.mjs';

const PASSWORD = 'Passkey-pass-123';
// A verifier of its own, so the script also runs again on the same app (the role may exist).
const VERIFIER = `security_key_${Date.now()}`;
const ROLE = 'webauthn2fa';
/** The same app by name: WebAuthn works on localhost, never on an IP address. */
const web = base.replace(/^http:\/\/127\.0\.0\.1(?=[:/]|$)/, 'http://localhost');

const AUTHENTICATORS = {
  /** Touch ID / Windows Hello: built in, checks a fingerprint or PIN. */
  platform: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  /** A plain USB security key: touch only, no PIN. */
  usb: { protocol: 'ctap2', transport: 'usb', hasResidentKey: false, hasUserVerification: false, automaticPresenceSimulation: true },
};

const TEXT = { 'en-US': { title: 'Security key' }, 'zh-CN': { title: '安全密钥' } };

/** A virtual authenticator on `page`'s tab; resolves to its id. */
async function addAuthenticator(cdp, kind) {
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: AUTHENTICATORS[kind] });
  return authenticatorId;
}

const credentialsOn = async (cdp, authenticatorId) => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;

/** NocoBase's sign-in page; resolves where it lands. */
async function passwordStep(page, origin, account) {
  await page.goto(`${origin}/signin?redirect=%2Fadmin`);
  await page.locator('input:not([type=password])').first().fill(account);
  await page.locator('input[type=password]').fill(PASSWORD);
  await page.locator('button[type=submit]').first().click();
  await page.waitForURL(/\/(2fa|admin)/, { timeout: 30000 });
  return page.url();
}

/** Leaves the session in this browser (the next sign-in starts from the password). */
async function signOut(page) {
  await page.evaluate(() => localStorage.clear());
  await page.context().clearCookies();
}

/** Lets a success message fade before a screenshot. */
const messagesGone = (page) => page.locator('.ant-message-notice').first().waitFor({ state: 'detached', timeout: 10000 }).catch(() => {});

async function openPersonalCenter(page) {
  const button = page.getByTestId('user-center-button');
  const item = page.getByTestId('two-factor-user-center');
  await button.waitFor({ timeout: 30000 });
  // The menu opens on hover; while the app is still settling after sign-in a hover can be lost.
  for (let i = 0; i < 5 && !(await item.isVisible()); i++) {
    await page.mouse.move(200, 700);
    await button.hover();
    await item.waitFor({ state: 'visible', timeout: 5000 }).catch(() => {});
  }
  await item.click();
  await page.mouse.move(200, 700);
  await page.getByTestId('two-factor-webauthn-keys').waitFor({ timeout: 15000 });
}

async function closeDrawer(page) {
  await page.locator('.ant-drawer-close').click();
  await page.locator('.ant-drawer-content').waitFor({ state: 'detached', timeout: 10000 }).catch(() => {});
}

const keyNames = async (page) => (await page.getByTestId('two-factor-webauthn-key-name').allInnerTexts()).map((s) => s.trim());

/** Chooses the security key among the offered methods at the first sign-in. */
async function chooseSecurityKey(page, locale) {
  await page.getByRole('radio', { name: TEXT[locale].title }).check();
  await page.getByTestId('two-factor-webauthn-name').waitFor({ timeout: 15000 });
}

async function finishBackupCodes(page) {
  await page.getByTestId('two-factor-backup-codes').waitFor({ timeout: 20000 });
  await page.getByTestId('two-factor-saved').click();
  await page.getByTestId('two-factor-continue').click();
  await page.waitForURL(/\/admin/, { timeout: 30000 });
}

/** @param {import('../test-support/checks.mjs').Check} check */
async function main(check) {
  const root = (await api.signIn('admin@nocobase.com', 'admin123')).body?.data?.token;
  if (!root) throw new Error('root sign-in failed (is 2FA already enforced for root in this app?)');
  const asRoot = bearer(root);
  const before = (await api.get('twoFactorSettings:get', asRoot)).body?.data;
  const stamp = Date.now();
  const people = { 'en-US': `passkey-${stamp}`, 'zh-CN': `passkey-zh-${stamp}` };

  // Admin setup over HTTP: a webauthn verifier with the defaults (relying party = the request's
  // host), offered beside the authenticator app and required for a role of its own.
  const made = await api.post('verifiers:create', { name: VERIFIER, title: 'Security key', verificationType: 'webauthn', options: {} }, asRoot);
  check('the admin creates a webauthn verifier with default options', made.status === 200, show(made));
  await api.post('roles:create', { name: ROLE, title: 'Security-key users' }, asRoot);
  for (const [appLang, username] of Object.entries(people)) {
    await api.post('users:create', { username, email: `${username}@example.com`, password: PASSWORD, roles: ['member', ROLE], appLang }, asRoot);
  }
  await api.post('systemSettings:update?filterByTk=1', { enabledLanguages: ['en-US', 'zh-CN'] }, asRoot);
  const offered = await api.post(
    'twoFactorSettings:update',
    { verifiers: [...new Set([...(before?.verifiers || ['totp']), VERIFIER])], enforcedRoles: [...new Set([...(before?.enforcedRoles || []), ROLE])] },
    asRoot,
  );
  const listed = offered.status === 200 ? '' : JSON.stringify((await api.get('verifiers:list', asRoot)).body?.data?.map((v) => [v.name, v.verificationType]));
  check('the verifier is offered and required for a role', offered.status === 200, `${show(offered)} ${listed}`);

  const browser = await launchChromium();
  try {
    // The verifier's options under Settings → Verification (in Chinese too when refreshing the
    // documentation's screenshots).
    const optionForms = [
      ['en-US', 'Edit', 'Relying party ID (domain)'],
      ['zh-CN', '编辑', '依赖方 ID（域名）'],
    ];
    for (const [locale, edit, label] of process.env.SCREENSHOTS ? optionForms : optionForms.slice(0, 1)) {
      const { context, page, errors } = await newPage(browser, locale);
      await page.goto(`${web}/signin?redirect=%2Fadmin`);
      await page.locator('input:not([type=password])').first().fill('admin@nocobase.com');
      await page.locator('input[type=password]').fill('admin123');
      await page.locator('button[type=submit]').first().click();
      await page.waitForURL(/\/admin/, { timeout: 30000 });
      await page.goto(`${web}/admin/settings/verification`);
      await page.locator('.ant-table-row', { hasText: VERIFIER }).getByText(edit, { exact: true }).click();
      await page.getByText(label).waitFor({ timeout: 15000 });
      check(`[${locale}] the webauthn verifier shows its options form under Settings → Verification`, (await page.getByText(label).count()) > 0);
      await shot(page, `verification-webauthn-${locale}`);
      check(`[${locale}] no page errors in the options form`, errors.length === 0, errors.join(' | '));
      await context.close();
    }

    // en-US: passkey at the first sign-in, USB key in the personal center.
    {
      const locale = 'en-US';
      const username = people[locale];
      const { context, page, errors } = await newPage(browser, locale);
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable', { enableUI: false });
      let platform = await addAuthenticator(cdp, 'platform');

      const landed = await passwordStep(page, web, username);
      check(`[${locale}] the password step at ${web} lands on /2fa`, landed.includes('/2fa'), landed);
      await chooseSecurityKey(page, locale);
      check(`[${locale}] the key's name defaults to "Security key"`, (await page.getByTestId('two-factor-webauthn-name').inputValue()) === 'Security key');
      await shot(page, `webauthn-bind-${locale}`);
      await page.getByTestId('two-factor-webauthn-name').fill('Laptop passkey');
      let t0 = Date.now();
      await page.getByTestId('two-factor-webauthn-add').click();
      await finishBackupCodes(page);
      const stored = await credentialsOn(cdp, platform);
      check(`[${locale}] a platform passkey is registered at the first sign-in and the user lands in the app`, page.url().includes('/admin') && stored.length === 1 && stored[0].rpId === 'localhost', JSON.stringify(stored.map((c) => c.rpId)), t0);

      // Sign in with it: the prompt opens by itself.
      await signOut(page);
      await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: platform, enabled: false });
      await passwordStep(page, web, username);
      await page.getByTestId('two-factor-webauthn-use').waitFor({ timeout: 20000 });
      await page.waitForTimeout(500);
      await shot(page, `webauthn-verify-${locale}`);
      check(`[${locale}] the verify step offers "try another way" (backup codes)`, (await page.getByRole('tab', { name: 'Backup code' }).count()) === 1);
      await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: platform, enabled: true });
      t0 = Date.now();
      await page.getByTestId('two-factor-webauthn-use').click();
      await page.waitForURL(/\/admin/, { timeout: 30000 });
      const afterLogin = await credentialsOn(cdp, platform);
      check(`[${locale}] "Try again" signs in with the passkey; its counter moved on`, page.url().includes('/admin') && afterLogin[0].signCount > stored[0].signCount, `${stored[0].signCount} → ${afterLogin[0]?.signCount}`, t0);

      // Personal center: the key is listed; add a USB key without user verification.
      await openPersonalCenter(page);
      check(`[${locale}] the personal center lists the key with when it was added and last used`, (await keyNames(page)).join() === 'Laptop passkey' && !(await page.getByTestId('two-factor-webauthn-key').innerText()).includes('never'));
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: platform });
      const usb = await addAuthenticator(cdp, 'usb');
      await page.getByTestId('two-factor-webauthn-add-another').click();
      await page.getByTestId('two-factor-proof-password').fill(PASSWORD);
      await page.getByTestId('two-factor-proceed').click();
      await page.getByTestId('two-factor-webauthn-name').waitFor({ timeout: 15000 });
      await page.getByTestId('two-factor-webauthn-name').fill('USB key');
      await shot(page, `webauthn-add-key-${locale}`);
      t0 = Date.now();
      await page.getByTestId('two-factor-webauthn-add').click();
      await page.locator('.ant-modal').waitFor({ state: 'detached', timeout: 20000 });
      await page.getByText('USB key', { exact: true }).waitFor({ timeout: 15000 });
      check(`[${locale}] a second key (USB, no user verification) is added in the personal center`, (await keyNames(page)).sort().join() === 'Laptop passkey,USB key' && (await credentialsOn(cdp, usb)).length === 1, (await keyNames(page)).join(), t0);
      await messagesGone(page);
      await shot(page, `webauthn-keys-${locale}`);
      await closeDrawer(page);

      // Sign in with the USB key.
      await signOut(page);
      await passwordStep(page, web, username);
      t0 = Date.now();
      await page.waitForURL(/\/admin/, { timeout: 30000 });
      check(`[${locale}] the USB key signs in (the prompt opens at once)`, page.url().includes('/admin') && (await credentialsOn(cdp, usb))[0].signCount > 0, page.url(), t0);

      // Rename the USB key, remove the passkey, then the last key is refused.
      await openPersonalCenter(page);
      const usbRow = page.getByTestId('two-factor-webauthn-key').filter({ hasText: 'USB key' });
      check(`[${locale}] the USB key shows when it was last used`, !(await usbRow.innerText()).includes('never'));
      await usbRow.getByTestId('two-factor-webauthn-rename').click();
      await page.getByTestId('two-factor-webauthn-rename-input').fill('YubiKey 5');
      await page.getByTestId('two-factor-webauthn-rename-save').click();
      await page.getByText('YubiKey 5', { exact: true }).waitFor({ timeout: 10000 });
      check(`[${locale}] a key is renamed in place`, (await keyNames(page)).sort().join() === 'Laptop passkey,YubiKey 5');
      await page.getByTestId('two-factor-webauthn-key').filter({ hasText: 'Laptop passkey' }).getByTestId('two-factor-webauthn-remove').click();
      await page.getByTestId('two-factor-proof-password').fill(PASSWORD);
      await shot(page, `webauthn-remove-key-${locale}`);
      await page.getByTestId('two-factor-proceed').click();
      await page.locator('.ant-modal').waitFor({ state: 'detached', timeout: 15000 });
      await page.getByText('Laptop passkey', { exact: true }).waitFor({ state: 'detached', timeout: 10000 });
      check(`[${locale}] removing a key with the password leaves the other`, (await keyNames(page)).join() === 'YubiKey 5');
      await page.getByTestId('two-factor-webauthn-remove').click();
      await page.getByTestId('two-factor-proof-password').fill(PASSWORD);
      await page.getByTestId('two-factor-proceed').click();
      await page.getByTestId('two-factor-error').waitFor({ timeout: 10000 });
      const lastFactor = await page.getByTestId('two-factor-error').innerText();
      check(`[${locale}] the last key of a required user is not removed, with the server's reason`, /last verification method/.test(lastFactor), lastFactor);
      await shot(page, `webauthn-last-key-${locale}`);
      await page.locator('.ant-modal-close').click();
      await closeDrawer(page);
      await signOut(page);

      // The same app by IP address: the page says why security keys cannot be used there.
      await passwordStep(page, base, username);
      await page.getByTestId('two-factor-error').waitFor({ timeout: 20000 });
      const ipMessage = await page.getByTestId('two-factor-error').innerText();
      check(`[${locale}] at ${base} the verify step says this address cannot use security keys`, ipMessage.includes('cannot be used at this address'), ipMessage);
      check(`[${locale}] "try another way" is still offered there`, (await page.getByRole('tab', { name: 'Backup code' }).count()) === 1);
      await shot(page, `webauthn-ip-address-${locale}`);
      check(`[${locale}] no page errors`, errors.length === 0, errors.join(' | '));
      await context.close();
    }

    // zh-CN: user verification required: a key without it is refused, a passkey with it is not.
    {
      const locale = 'zh-CN';
      const username = people[locale];
      const strict = await api.post(`verifiers:update?filterByTk=${VERIFIER}`, { options: { userVerification: 'required' } }, asRoot);
      check('the admin requires user verification on the verifier', strict.status === 200, show(strict));
      const { context, page, errors } = await newPage(browser, locale);
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable', { enableUI: false });
      const usb = await addAuthenticator(cdp, 'usb');
      await passwordStep(page, web, username);
      await chooseSecurityKey(page, locale);
      check(`[${locale}] the key's name defaults to "安全密钥"`, (await page.getByTestId('two-factor-webauthn-name').inputValue()) === '安全密钥');
      await shot(page, `webauthn-bind-${locale}`);
      let t0 = Date.now();
      await page.getByTestId('two-factor-webauthn-add').click();
      await page.getByTestId('two-factor-error').waitFor({ timeout: 30000 });
      const refused = await page.getByTestId('two-factor-error').innerText();
      check(`[${locale}] with user verification required, a key without it is refused, and the page says why`, page.url().includes('/2fa') && (await credentialsOn(cdp, usb)).length === 0 && refused.includes('PIN'), refused, t0);
      await shot(page, `webauthn-uv-refused-${locale}`);
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: usb });
      const platform = await addAuthenticator(cdp, 'platform');
      t0 = Date.now();
      await page.getByTestId('two-factor-webauthn-add').click();
      await finishBackupCodes(page);
      check(`[${locale}] a passkey with user verification is accepted`, page.url().includes('/admin') && (await credentialsOn(cdp, platform)).length === 1, page.url(), t0);
      await openPersonalCenter(page);
      check(`[${locale}] the personal center lists the key`, (await keyNames(page)).join() === '安全密钥');
      await messagesGone(page);
      await shot(page, `webauthn-keys-${locale}`);
      await closeDrawer(page);
      await signOut(page);
      await passwordStep(page, web, username);
      await page.waitForURL(/\/admin/, { timeout: 30000 });
      check(`[${locale}] the passkey signs in`, page.url().includes('/admin'));
      check(`[${locale}] no page errors`, errors.length === 0, errors.join(' | '));
      await context.close();
    }
  } finally {
    await browser.close();
    // Put the policy back for the browser tests that follow (they expect it as it was).
    await api.post('twoFactorSettings:update', { verifiers: before?.verifiers || ['totp'], enforcedRoles: before?.enforcedRoles || [], confirm: true }, asRoot);
  }
}

await runChecks('browser (security keys)', main);
