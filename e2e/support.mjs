/** Shared by the browser tests: the app under test, Debian's chromium, a fresh page in a locale. */
import { mkdirSync } from 'node:fs';
import { apiClient } from '../test-support/http.mjs';
import { chromiumPath } from '../test-support/requirements.mjs';

/** The app under test (first argument, default `npm start`'s), its API, and where screenshots go. */
export const base = process.argv[2] || process.env.BASE_URL || 'http://localhost:13000';
export const api = apiClient(`${base}/api`);
export const shots = process.env.SCREENSHOTS || '.e2e/screens';
mkdirSync(shots, { recursive: true });

/** Headless Debian chromium (no browser download), with the flags this machine needs. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * Saves a screenshot as `<shots>/<name>.png`. When SCREENSHOTS names a folder (refreshing the
 * documentation's pictures) it first lets animations settle; a plain test run does not wait.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
export async function shot(page, name) {
  if (process.env.SCREENSHOTS) await page.waitForTimeout(600);
  await page.screenshot({ path: `${shots}/${name}.png` });
}

/**
 * A page in a new context whose NocoBase UI language is `locale`; `errors` collects uncaught page
 * errors.
 * @param {import('playwright-core').Browser} browser
 * @param {string} locale
 * @param {{ width: number, height: number }} [viewport]
 */
export async function newPage(browser, locale, viewport = { width: 1360, height: 900 }) {
  const context = await browser.newContext({ viewport, locale });
  const page = await context.newPage();
  page.setDefaultTimeout(60000);
  /** @type {string[]} */
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript((l) => {
    for (const p of ['NOCOBASE_', 'NOCOBASE_MAIN_']) localStorage.setItem(`${p}LOCALE`, l);
  }, locale);
  return { context, page, errors };
}
