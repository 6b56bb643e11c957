/** Shared by the end-to-end scripts: an independent RFC 6238 TOTP, and Debian's chromium. */
import { execSync } from 'node:child_process';
import { createHmac } from 'node:crypto';

/** The 6-digit SHA1 code of `secret` (base32) for the current 30 s step plus `offset` steps. */
export function totp(secret, offset = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const bytes = [];
  for (const ch of secret) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + offset));
  const mac = createHmac('sha1', Buffer.from(bytes)).update(msg).digest();
  const o = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1e6).padStart(6, '0');
}

/** Headless Debian chromium (no browser download), with the flags this machine needs. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || execSync('command -v chromium').toString().trim(),
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** `resource:action` on the app's API: GET without a body, POST with one. */
export function apiOf(base) {
  return async (path, body, token) =>
    (
      await fetch(`${base}/api/${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Authenticator': 'basic', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    ).json();
}

/**
 * Runs a browser test's `main`, printing each check as it goes and a `<name>: N passed, N failed`
 * line at the end; exits non-zero on any failure or thrown error.
 */
export async function runChecks(name, main) {
  let passed = 0;
  let failed = 0;
  const check = (label, ok, detail = '') => {
    ok ? passed++ : failed++;
    console.log(`${ok ? '✔' : '✖'} ${label}${ok || !detail ? '' : ` — ${detail}`}`);
  };
  try {
    await main(check);
  } catch (err) {
    failed++;
    console.error(err);
  }
  console.log(`\n${name}: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
