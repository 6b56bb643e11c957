/**
 * An independent TOTP (RFC 4226 / 6238) for tests: it shares no code with the plugin or otplib, so
 * a test that binds with these codes checks the plugin against the standard, not against itself.
 */
import { createHmac } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** @param {string} input base32, padding optional, any case */
function base32Decode(input) {
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of input.replace(/=+$/, '').toUpperCase()) {
    const idx = ALPHABET.indexOf(ch);
    if (idx < 0) throw new Error(`bad base32 character ${ch}`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/**
 * The code of `secret` (base32) at `time` (seconds, default now) plus `stepOffset` steps.
 * @param {string} secret
 * @param {{ stepOffset?: number, time?: number, algorithm?: string, digits?: number, period?: number }} [options]
 * @returns {string}
 */
export function rfcTotp(secret, options = {}) {
  const { stepOffset = 0, time = Date.now() / 1000, algorithm = 'sha1', digits = 6, period = 30 } = options;
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(time / period) + stepOffset));
  const mac = createHmac(algorithm, base32Decode(secret)).update(msg).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits).padStart(digits, '0');
}

/**
 * The 6-digit SHA1 code for the current 30 s step plus `offset` steps.
 * @param {string} secret
 * @param {number} [offset]
 */
export const totp = (secret, offset = 0) => rfcTotp(secret, { stepOffset: offset });

/**
 * A wrong code that is guaranteed not to match any step of the drift window.
 * @param {string} secret
 */
export function wrongCode(secret) {
  const near = [-1, 0, 1].map((o) => rfcTotp(secret, { stepOffset: o }));
  for (let i = 0; ; i++) {
    const candidate = String(i).padStart(6, '0');
    if (!near.includes(candidate)) return candidate;
  }
}

/**
 * Codes for one secret that never reuse a time step (the plugin refuses replays): the current
 * step, then the next one, then waits for time to catch up.
 * @param {string} secret
 * @returns {() => Promise<string>}
 */
export function totpClock(secret) {
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
