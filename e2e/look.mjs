#!/usr/bin/env node
/**
 * Screenshots of pages the plugin touches, signed in as root through the 2FA API
 * (the browser sign-in step is not built yet). Usage: node e2e/look.mjs [baseUrl] [lang]
 * Run it against `npm start`. The UI language follows the browser locale passed as `lang` only
 * where the app has no language set for the user.
 */
import { launchChromium, totp } from './support.mjs';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const base = process.argv[2] || 'http://localhost:13000';
const lang = process.argv[3] || 'en-US';
const out = '.e2e';
mkdirSync(out, { recursive: true });
const secretFile = `${out}/root-totp-secret.txt`;


const post = async (action, body, headers = {}) =>
  (await fetch(`${base}/api/${action}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) })).json();

async function rootToken() {
  const res = await post('auth:signIn', { account: 'admin@nocobase.com', password: 'admin123' }, { 'X-Authenticator': 'basic' });
  if (res.data?.token) return res.data.token;
  const ch = res.data.twoFactor;
  const h = { 'X-Two-Factor-Token': ch.token };
  if (ch.stage === 'bind') {
    const start = await post('twoFactor:bindStart', { verifier: 'totp' }, h);
    writeFileSync(secretFile, start.data.secret);
    return (await post('twoFactor:bind', { verifier: 'totp', code: totp(start.data.secret) }, h)).data.token;
  }
  const secret = readFileSync(secretFile, 'utf8').trim();
  for (const off of [1, 0, -1]) {
    const r = await post('twoFactor:verify', { verifier: 'totp', code: totp(secret, off) }, h);
    if (r.data?.token) return r.data.token;
  }
  throw new Error('could not sign in as root');
}

const token = await rootToken();
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, locale: lang });
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
await page.goto(`${base}/signin`);
await page.evaluate(({ token, lang }) => {
  for (const p of ['NOCOBASE_', 'NOCOBASE_MAIN_']) {
    localStorage.setItem(`${p}TOKEN`, token);
    localStorage.setItem(`${p}AUTH`, 'basic');
    localStorage.setItem(`${p}LOCALE`, lang);
  }
}, { token, lang });
for (const [name, path] of [['verification', '/admin/settings/verification'], ['auth', '/admin/settings/auth/authenticators']]) {
  await page.goto(`${base}${path}`);
  await page.waitForLoadState("networkidle").catch(() => {});
  await page.waitForTimeout(3000);
  await page.screenshot({ path: `${out}/${name}-${lang}.png` });
  console.log(`${out}/${name}-${lang}.png`);
}
// The totp verifier's edit drawer (plugin-verification's form).
await page.goto(`${base}/admin/settings/verification`);
await page.waitForLoadState('networkidle').catch(() => {});
await page.getByText(/^(Edit|编辑)$/).first().click();
await page.waitForTimeout(2500);
await page.screenshot({ path: `${out}/verification-edit-${lang}.png` });
console.log(`${out}/verification-edit-${lang}.png`);
// The user-center Verification drawer.
await page.goto(`${base}/admin`);
await page.waitForLoadState('networkidle').catch(() => {});
await page.locator('[aria-label="user-center-button"], .nb-user-center, [data-testid="user-center-button"]').first().click({ timeout: 5000 }).catch(() => {});
await page.waitForTimeout(1000);
await page.getByText(/^(Verification|验证)$/).first().click({ timeout: 5000 }).catch((e) => console.log('no user-center item', e.message));
await page.waitForTimeout(2500);
await page.screenshot({ path: `${out}/user-verification-${lang}.png` });
console.log(`${out}/user-verification-${lang}.png`);
await browser.close();
if (errors.length) console.log('page errors:', errors);
