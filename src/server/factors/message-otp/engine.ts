/**
 * The OTP engine shared by every message-based factor (email, SMS): codes are generated here,
 * stored as keyed hashes, throttled, checked and used up here; only delivery is the channel's.
 * plugin-verification's plaintext `otpRecords` are not used on 2FA paths.
 */
import { randomInt } from 'node:crypto';
import { Op } from '@nocobase/database';
import type { Application } from '@nocobase/server';
import { COLLECTIONS, ERROR_CODES } from '../../../constants';
import type { SecretBox } from '../../crypto';
import { TwoFactorError } from '../../errors';
import { SendLimits } from './send-limits';

export type OtpPurpose = 'bind' | 'verify' | 'proof';

export interface OtpOptions {
  codeLength: number;
  /** Seconds a code stays valid. */
  lifetime: number;
  /** Seconds before another code may be sent. */
  resendInterval: number;
}

export interface IssuedOtp {
  id: number | string;
  code: string;
  expiresAt: Date;
  resendAfter: Date;
}

const PURPOSE = 'otp';

export type OtpCheck = { ok: true; receiver: string } | { ok: false; reused: boolean };

export class OtpEngine {
  private readonly limits: SendLimits;

  constructor(
    private readonly app: Application,
    private readonly box: () => SecretBox,
  ) {
    this.limits = new SendLimits(app);
  }

  private get model() {
    return this.app.db.getCollection(COLLECTIONS.otps).model;
  }

  private hashes(userId: number | string, verifier: string, code: string) {
    return this.box().hashes(PURPOSE, `${userId}:${verifier}:${code}`);
  }

  /**
   * A new code for (user, verifier, purpose), unless one was sent less than `resendInterval` ago
   * or a send limit of the policy is reached (429 TWO_FACTOR_THROTTLED with `retryAfter`; see
   * send-limits.ts). Earlier unused codes of the same purpose die.
   */
  async issue(options: {
    userId: number | string;
    verifier: string;
    purpose: OtpPurpose;
    challengeId: string | null;
    receiver: string;
    otp: OtpOptions;
    /** The requesting IP, for the per-IP limit. */
    ip: string;
  }): Promise<IssuedOtp> {
    const { userId, verifier, purpose, otp } = options;
    const last: any = await this.model.findOne({ where: { userId, verifier, purpose }, order: [['createdAt', 'DESC']] });
    if (last) {
      const next = new Date(last.get('createdAt')).getTime() + otp.resendInterval * 1000;
      if (next > Date.now()) {
        throw new TwoFactorError(ERROR_CODES.THROTTLED, { retryAfter: Math.max(1, Math.ceil((next - Date.now()) / 1000)) });
      }
    }
    await this.limits.admit({
      userId,
      receiver: options.receiver,
      ip: options.ip,
      binding: purpose === 'bind',
    });
    // A new code replaces the previous one: it expires now (it was never used).
    await this.model.update({ expiresAt: new Date() }, { where: { userId, verifier, purpose, usedAt: null, expiresAt: { [Op.gt]: new Date() } } });
    let code = '';
    for (let i = 0; i < otp.codeLength; i++) code += String(randomInt(10));
    const now = Date.now();
    const expiresAt = new Date(now + otp.lifetime * 1000);
    const row: any = await this.model.create({
      userId,
      verifier,
      purpose,
      challengeId: options.challengeId,
      receiver: options.receiver,
      codeHash: this.box().hash(PURPOSE, `${userId}:${verifier}:${code}`),
      expiresAt,
    });
    return { id: row.get('id'), code, expiresAt, resendAfter: new Date(now + otp.resendInterval * 1000) };
  }

  /** Forgets a code that could not be delivered, so the user may ask again at once. */
  async discard(id: number | string) {
    await this.model.destroy({ where: { id } });
  }

  /** Uses a code: one conditional update, so a code signs in once however many requests race. */
  async consume(options: {
    userId: number | string;
    verifier: string;
    purpose: OtpPurpose;
    challengeId: string | null;
    input: string;
    codeLength: number;
  }): Promise<OtpCheck> {
    const { userId, verifier, purpose } = options;
    const code = String(options.input).replace(/[\s-]/g, '');
    if (code.length !== options.codeLength || !/^\d+$/.test(code)) return { ok: false, reused: false };
    const same = { userId, verifier, purpose, codeHash: { [Op.in]: this.hashes(userId, verifier, code) } };
    const row: any = await this.model.findOne({
      where: { ...same, ...(options.challengeId ? { challengeId: options.challengeId } : {}), usedAt: null, expiresAt: { [Op.gt]: new Date() } },
    });
    if (row) {
      const [count] = await this.model.update({ usedAt: new Date() }, { where: { id: row.get('id'), usedAt: null } });
      if (count === 1) return { ok: true, receiver: row.get('receiver') };
    }
    // A code that was valid once and is spent now: say so, whatever challenge it came with.
    const used = await this.model.count({ where: { ...same, usedAt: { [Op.ne]: null } } });
    return { ok: false, reused: used > 0 };
  }

  async removeFor(userId: number | string, transaction?: unknown) {
    await this.model.destroy({ where: { userId }, transaction: transaction as any });
  }
}

/** `j***@example.com` */
export function maskEmail(email: string) {
  const [local, domain] = String(email).split('@');
  if (!domain) return '***';
  return `${local.slice(0, 1)}***@${domain}`;
}

/** `*******1234` */
export function maskPhone(phone: string) {
  const p = String(phone);
  return p.length <= 4 ? '****' : '*'.repeat(p.length - 4) + p.slice(-4);
}
