/**
 * A TOTP check as the verify path does it — open the sealed secret (AES-256-GCM with the binding's
 * associated data), then look for the code within ±1 step — three ways, on the same ciphertexts:
 *   ours     SecretBox + boundTotpOptions + matchStep (our code around otplib with Node's crypto);
 *   library  the same AES-GCM open written with node:crypto, then otplib's own `verifySync` called
 *            directly, as its README shows (Base32 secret, crypto and base32 plugins, ±30 s): the
 *            figure, our overhead over the library we chose (design §12: ≤ 1.15×);
 *   raw      the same work with `node:crypto` only (base32 decode, HMAC-SHA1 per step from −1 to
 *            +1 with the same early exit, constant-time compare), reported beside it.
 * Two cases: the current code (found at the second step) and a wrong code (all three steps).
 */
import { createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { SecretBox } from '../src/server/crypto';
import { bindingAad } from '../src/server/factors/totp/factor';
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { ScureBase32Plugin } from '@otplib/plugin-base32-scure';
import { verifySync } from '@otplib/totp';
import { boundTotpOptions, generateTotpSecret, matchStep, totpOptions } from '../src/server/factors/totp/totp';
import { fmtInterval, fmtRatio, fmtUs, interleave, main, pairedRatio, ratioInterval, report } from './lib/harness';
import { rfcTotp } from '../test-support/totp.mjs';

const BATCH = 400;
const ROUNDS = 41;
const WARMUP = 8;
const POOL = 64;

// --- raw node:crypto ---------------------------------------------------------------------------

function rawKey(material: string) {
  const ikm = Buffer.from(material, 'utf8');
  // The same HKDF derivation SecretBox does once at start-up (not part of a check).
  return Buffer.from(hkdfSync('sha256', ikm, 'open2fa', 'open2fa:aes-256-gcm', 32));
}

function rawOpen(key: Buffer, ciphertext: string, aad: string): string {
  const parts = ciphertext.split('.');
  const iv = Buffer.from(parts[2], 'base64url');
  const body = Buffer.from(parts[3], 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function rawBase32(input: string): Buffer {
  const out = Buffer.alloc(Math.floor((input.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let j = 0;
  for (let i = 0; i < input.length; i++) {
    value = (value << 5) | ALPHABET.indexOf(input[i]);
    bits += 5;
    if (bits >= 8) {
      out[j++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out;
}

const counterBuf = Buffer.alloc(8);
function rawCheck(key: Buffer, ciphertext: string, aad: string, code: string, nowSeconds: number): number | null {
  return rawWindow(rawOpen(key, ciphertext, aad), code, nowSeconds);
}

function rawWindow(base32Secret: string, code: string, nowSeconds: number): number | null {
  const secret = rawBase32(base32Secret);
  const now = Math.floor(nowSeconds / 30);
  const given = Buffer.from(code);
  for (let step = now - 1; step <= now + 1; step++) {
    counterBuf.writeBigUInt64BE(BigInt(step));
    const mac = createHmac('sha1', secret).update(counterBuf).digest();
    const offset = mac[mac.length - 1] & 0xf;
    const otp = String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
    if (timingSafeEqual(Buffer.from(otp), given)) return step;
  }
  return null;
}

// --- the library's own verify, called directly --------------------------------------------------

const libCrypto = new NodeCryptoPlugin();
const libBase32 = new ScureBase32Plugin();
function libraryCheck(key: Buffer, ciphertext: string, aad: string, code: string, nowSeconds: number): number | null {
  const result = verifySync({ secret: rawOpen(key, ciphertext, aad), token: code, crypto: libCrypto, base32: libBase32, epoch: nowSeconds, epochTolerance: 30 });
  return result.valid ? result.timeStep : null;
}

main(async () => {
  const material = process.env.APP_KEY || 'bench-app-key';
  const box = new SecretBox(material);
  const key = rawKey(material);
  const verifierOptions = {};
  const nowSeconds = Math.floor(Date.now() / 1000 / 30) * 30 + 10; // fixed time, mid-step
  // The binding's meta as stored at enrolment: the enrolled algorithm, digits and period.
  const meta = { totp: { algorithm: 'SHA1', digits: 6, period: 30 } };
  const pool = Array.from({ length: POOL }, (_, i) => {
    const secret = generateTotpSecret();
    const aad = bindingAad(1000 + i, 'totp');
    const good = rfcTotp(secret, { time: nowSeconds });
    const near = [-1, 0, 1].map((o) => rfcTotp(secret, { time: nowSeconds, stepOffset: o }));
    let bad = '000000';
    for (let k = 0; near.includes(bad); k++) bad = String(k).padStart(6, '0');
    return { secret, ciphertext: box.encrypt(secret, aad), aad, good, bad };
  });

  // Both sides agree before anything is timed.
  for (const p of pool) {
    const ours = matchStep(box.decrypt(p.ciphertext, p.aad), p.good, boundTotpOptions(verifierOptions, meta), nowSeconds);
    const raw = rawCheck(key, p.ciphertext, p.aad, p.good, nowSeconds);
    const lib = libraryCheck(key, p.ciphertext, p.aad, p.good, nowSeconds);
    if (ours === null || ours !== raw || ours !== lib) throw new Error('our check, the library and the raw check disagree on a good code');
    if (libraryCheck(key, p.ciphertext, p.aad, p.bad, nowSeconds) !== null) throw new Error('the library accepted a bad code');
    if (matchStep(box.decrypt(p.ciphertext, p.aad), p.bad, totpOptions(verifierOptions), nowSeconds) !== null) throw new Error('bad code accepted');
    if (rawCheck(key, p.ciphertext, p.aad, p.bad, nowSeconds) !== null) throw new Error('raw check accepted a bad code');
  }

  let sink = 0;
  const ours = (which: 'good' | 'bad') => async () => {
    for (let i = 0; i < BATCH; i++) {
      const p = pool[i % POOL];
      const secret = box.decrypt(p.ciphertext, p.aad);
      if (matchStep(secret, p[which], boundTotpOptions(verifierOptions, meta), nowSeconds) !== null) sink++;
    }
  };
  const library = (which: 'good' | 'bad') => async () => {
    for (let i = 0; i < BATCH; i++) {
      const p = pool[i % POOL];
      if (libraryCheck(key, p.ciphertext, p.aad, p[which], nowSeconds) !== null) sink++;
    }
  };
  const raw = (which: 'good' | 'bad') => async () => {
    for (let i = 0; i < BATCH; i++) {
      const p = pool[i % POOL];
      if (rawCheck(key, p.ciphertext, p.aad, p[which], nowSeconds) !== null) sink++;
    }
  };

  const stats = await interleave(
    [
      { name: 'ours-good', ops: BATCH, run: ours('good') },
      { name: 'library-good', ops: BATCH, run: library('good') },
      { name: 'raw-good', ops: BATCH, run: raw('good') },
      { name: 'ours-bad', ops: BATCH, run: ours('bad') },
      { name: 'library-bad', ops: BATCH, run: library('bad') },
      { name: 'raw-bad', ops: BATCH, run: raw('bad') },
      // Where the difference comes from: the ±1 window alone (secret already open), wrong code.
      {
        name: 'otplib-window',
        ops: BATCH,
        run: async () => {
          for (let i = 0; i < BATCH; i++) if (matchStep(pool[i % POOL].secret, pool[i % POOL].bad, totpOptions(verifierOptions), nowSeconds) !== null) sink++;
        },
      },
      {
        name: 'raw-window',
        ops: BATCH,
        run: async () => {
          for (let i = 0; i < BATCH; i++) if (rawWindow(pool[i % POOL].secret, pool[i % POOL].bad, nowSeconds) !== null) sink++;
        },
      },
    ],
    { rounds: ROUNDS, warmup: WARMUP },
  );
  if (sink !== (ROUNDS + WARMUP) * BATCH * 3) throw new Error(`unexpected match count ${sink}`);
  const ratio = (a: string, b: string) => stats[a].median / stats[b].median;
  const line = (a: string, b: string) =>
    `${fmtUs(stats[a].median)} vs ${fmtUs(stats[b].median)} = ${fmtRatio(ratio(a, b))} (${fmtInterval(ratioInterval(stats[a], stats[b]))}; paired ${fmtRatio(pairedRatio(stats[a], stats[b]))})`;
  const worst = Math.max(ratio('ours-good', 'library-good'), ratio('ours-bad', 'library-bad'));
  report({
    id: 'totp',
    title: "TOTP check: our code vs the library's own verify",
    target: '≤ 1.15×',
    measured: fmtRatio(worst),
    value: worst,
    pass: worst <= 1.15,
    detail:
      `the worse of two cases, medians of ${ROUNDS} interleaved batches of ${BATCH}, each side opening the sealed secret: ` +
      `current code ${line('ours-good', 'library-good')}; wrong code ${line('ours-bad', 'library-bad')}. ` +
      `Beside it, raw node:crypto: ours ${fmtRatio(ratio('ours-good', 'raw-good'))} / ${fmtRatio(ratio('ours-bad', 'raw-bad'))} of it, ` +
      `the library ${fmtRatio(ratio('library-good', 'raw-good'))} / ${fmtRatio(ratio('library-bad', 'raw-bad'))} (current / wrong code; raw ${fmtUs(stats['raw-good'].median)} / ${fmtUs(stats['raw-bad'].median)}). ` +
      `The three-step window alone, secret already open: otplib through matchStep ${fmtUs(stats['otplib-window'].median)} vs node:crypto ${fmtUs(stats['raw-window'].median)}.`,
  });
});
