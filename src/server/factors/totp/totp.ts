/**
 * TOTP math (RFC 6238 over RFC 4226 HOTP), pure: otplib does the HMAC work with Node's crypto.
 */
import { createGuardrails } from '@otplib/core';
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { ScureBase32Plugin } from '@otplib/plugin-base32-scure';
import { generateSync, verifySync } from '@otplib/totp';
import { generateTOTP as buildTotpUri } from '@otplib/uri';
import { randomBytes } from 'node:crypto';
import { TOTP_LIMITS } from '../../../shared/limits';

export type TotpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

export interface TotpOptions {
  algorithm: TotpAlgorithm;
  digits: 6 | 8;
  /** Time step in seconds. */
  period: number;
  /** Accepted drift, in steps either side of now. */
  window: number;
  /** Issuer shown in the authenticator app; empty = the system title. */
  issuer: string;
}

export const TOTP_DEFAULTS: TotpOptions = Object.freeze({
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
  window: 1,
  issuer: '',
}) as TotpOptions;

const TOTP_ALGORITHMS: readonly TotpAlgorithm[] = TOTP_LIMITS.algorithms;

/** Secret size in bytes: 160 bits, the RFC 4226 recommendation (design §5: at least 160). */
export const SECRET_BYTES = 20;

const crypto = new NodeCryptoPlugin();
const base32 = new ScureBase32Plugin();
/** otplib's default limits, built once instead of at every check. */
const guardrails = createGuardrails();

const lower = (a: TotpAlgorithm) => a.toLowerCase() as 'sha1' | 'sha256' | 'sha512';

/** Problems with a verifier's options, as `[field, reason]` pairs; empty when valid. */
export function totpOptionProblems(raw: unknown): [string, string][] {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const problems: [string, string][] = [];
  const allowed = new Set(Object.keys(TOTP_DEFAULTS));
  for (const key of Object.keys(o)) if (!allowed.has(key)) problems.push([key, 'is not a known option']);
  if (o.algorithm !== undefined && !TOTP_ALGORITHMS.includes(o.algorithm as TotpAlgorithm))
    problems.push(['algorithm', `must be one of ${TOTP_ALGORITHMS.join(', ')}`]);
  if (o.digits !== undefined && !(TOTP_LIMITS.digits as readonly unknown[]).includes(o.digits)) problems.push(['digits', `must be ${TOTP_LIMITS.digits.join(' or ')}`]);
  const intIn = (key: 'period' | 'window') => {
    const v = o[key];
    const { min, max } = TOTP_LIMITS[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max))
      problems.push([key, `must be an integer between ${min} and ${max}`]);
  };
  intIn('period');
  intIn('window');
  if (o.issuer !== undefined && o.issuer !== null && (typeof o.issuer !== 'string' || o.issuer.length > TOTP_LIMITS.issuerMaxLength))
    problems.push(['issuer', `must be a string of at most ${TOTP_LIMITS.issuerMaxLength} characters`]);
  return problems;
}

/**
 * A verifier's options with defaults filled in; invalid values fall back to the default (the same
 * rules as `totpOptionProblems`, field by field: this runs at every check).
 */
export function totpOptions(raw: unknown): TotpOptions {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, any>;
  const intIn = (key: 'period' | 'window') => {
    const v = o[key];
    const { min, max } = TOTP_LIMITS[key];
    return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : TOTP_DEFAULTS[key];
  };
  return {
    algorithm: TOTP_ALGORITHMS.includes(o.algorithm) ? o.algorithm : TOTP_DEFAULTS.algorithm,
    digits: (TOTP_LIMITS.digits as readonly unknown[]).includes(o.digits) ? o.digits : TOTP_DEFAULTS.digits,
    period: intIn('period'),
    window: intIn('window'),
    issuer: typeof o.issuer === 'string' && o.issuer.length <= TOTP_LIMITS.issuerMaxLength ? o.issuer : TOTP_DEFAULTS.issuer,
  };
}

/** A new base32 secret from the CSPRNG. */
export function generateTotpSecret(bytes = SECRET_BYTES): string {
  return base32.encode(randomBytes(bytes), { padding: false });
}

export function stepAt(epochSeconds: number, period: number) {
  return Math.floor(epochSeconds / period);
}

/** The code for a given time step (HOTP of the step counter). */
export function codeAtStep(secret: string | Uint8Array, step: number, options: Pick<TotpOptions, 'algorithm' | 'digits' | 'period'>) {
  return generateSync({
    secret,
    crypto,
    base32,
    algorithm: lower(options.algorithm),
    digits: options.digits,
    period: options.period,
    epoch: step * options.period,
  });
}

/** Normalises user input: spaces and dashes are ignored; anything else but digits is a miss. */
export function normalizeCode(input: string, digits: number): string | null {
  const code = String(input).replace(/[\s-]/g, '');
  return code.length === digits && /^\d+$/.test(code) ? code : null;
}

/**
 * The time step whose code matches, within ±window steps of `nowSeconds`, or null.
 * Replay is not decided here: the caller claims the step atomically.
 */
export function matchStep(secret: string, input: string, options: TotpOptions, nowSeconds = Date.now() / 1000): number | null {
  const code = normalizeCode(input, options.digits);
  if (!code) return null;
  const result = verifySync({
    // Decoded once here; otplib would decode a string secret again at every step of the window.
    secret: base32.decode(secret),
    token: code,
    crypto,
    base32,
    algorithm: lower(options.algorithm),
    digits: options.digits,
    period: options.period,
    epoch: Math.floor(nowSeconds),
    epochTolerance: options.window * options.period,
    guardrails,
  });
  return result.valid ? result.timeStep : null;
}

/** otpauth:// URI in Key-URI format. */
export function otpauthUri(options: { secret: string; issuer: string; label: string; totp: TotpOptions }) {
  return buildTotpUri({
    issuer: options.issuer,
    label: options.label,
    secret: options.secret,
    algorithm: lower(options.totp.algorithm),
    digits: options.totp.digits,
    period: options.totp.period,
  });
}

/** What an authenticator app was enrolled with; kept on the binding so verifier edits don't break it. */
export type EnrolledTotp = Pick<TotpOptions, 'algorithm' | 'digits' | 'period'>;

export const enrolledParams = (options: TotpOptions): EnrolledTotp => ({
  algorithm: options.algorithm,
  digits: options.digits,
  period: options.period,
});

/**
 * The options a bound secret is checked with: the enrolled algorithm, digits and period (from the
 * binding's `meta.totp`), and the verifier's current drift window and issuer.
 */
export function boundTotpOptions(verifierOptions: unknown, meta: Record<string, unknown> | undefined): TotpOptions {
  const current = totpOptions(verifierOptions);
  const pinned = meta?.totp && typeof meta.totp === 'object' ? totpOptions({ ...(meta.totp as object) }) : null;
  return pinned ? { ...current, ...enrolledParams(pinned) } : current;
}
