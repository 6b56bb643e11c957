/**
 * Trusted devices (design §5). The cookie `nb_2fa_device_<appName>` holds random tokens, one per
 * user who trusted this browser (at most five, the least recently used dropped); the database
 * keeps only their keyed hashes, with user agent, IP and dates. A valid token lets its own user
 * skip the second factor and is rotated on every use. A trust ends at its own expiry or at
 * `createdAt + trustedDeviceDays` of the current policy, whichever comes first: lowering the
 * setting shortens existing trusts at once, raising it extends none.
 */
import { Op } from '@nocobase/database';
import type { Application } from '@nocobase/server';
import { COLLECTIONS, DEVICE_COOKIE_PREFIX } from '../constants';
import { requestInfo } from './request';
import { randomToken, SecretBox } from './crypto';

const PURPOSE = 'trusted-device';
const DAY_MS = 24 * 60 * 60 * 1000;
/** Users of one browser who each keep a trust; a sixth trust drops the least recently used. */
export const MAX_DEVICE_TOKENS = 5;
const TOKEN = /^[\w-]{20,100}$/;
const SEPARATOR = '.';

export interface DeviceView {
  id: number | string;
  userAgent: string;
  ip: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string;
  current: boolean;
}

export class TrustedDevices {
  constructor(
    private readonly app: Application,
    private readonly box: () => SecretBox,
    /** `trustedDeviceDays` of the current policy. */
    private readonly days: () => Promise<number>,
  ) {}

  private get model() {
    return this.app.db.getCollection(COLLECTIONS.trustedDevices).model;
  }

  cookieName() {
    return `${DEVICE_COOKIE_PREFIX}${this.app.name || 'main'}`;
  }

  private cookieOptions(ctx: any, expires?: Date) {
    const secure = ctx.protocol === 'https' || ctx.secure === true;
    return { httpOnly: true, sameSite: 'lax' as const, path: '/', secure, overwrite: true, ...(expires ? { expires } : {}) };
  }

  /** The cookie's well-formed tokens, least recently used first. */
  private readTokens(ctx: any): string[] {
    const value = ctx.cookies?.get?.(this.cookieName());
    if (typeof value !== 'string' || value.length > MAX_DEVICE_TOKENS * 101) return [];
    return [...new Set(value.split(SEPARATOR).filter((t) => TOKEN.test(t)))].slice(-MAX_DEVICE_TOKENS);
  }

  clearCookie(ctx: any) {
    ctx.cookies?.set?.(this.cookieName(), null, this.cookieOptions(ctx));
  }

  /** Drops the cookie's tokens whose trust is gone (after a revocation); other users' stay. */
  async pruneCookie(ctx: any) {
    await this.writeTokens(ctx, this.readTokens(ctx));
  }

  /** Hash → token, under every configured key (rotation). */
  private byHash(tokens: string[]) {
    const box = this.box();
    return new Map(tokens.flatMap((token) => box.hashes(PURPOSE, token).map((hash) => [hash, token] as const)));
  }

  /** When a trust ends: its own expiry or `createdAt + days` of the current policy, the sooner. */
  private endOf(row: any, days: number) {
    const expiresAt = new Date(row.get('expiresAt')).getTime();
    if (!(days > 0)) return expiresAt;
    return Math.min(expiresAt, new Date(row.get('createdAt')).getTime() + days * DAY_MS);
  }

  /**
   * Writes `tokens` (least recently used first) back to the cookie: only those still naming a
   * live trust, at most MAX_DEVICE_TOKENS (the trusts of dropped tokens are removed, as no
   * browser holds them any more), expiring with the last of them.
   */
  private async writeTokens(ctx: any, tokens: string[]) {
    const days = await this.days();
    const byHash = this.byHash(tokens);
    const rows: any[] = byHash.size ? await this.model.findAll({ where: { tokenHash: { [Op.in]: [...byHash.keys()] } } }) : [];
    const live = new Map<string, { id: unknown; end: number }>();
    for (const row of rows) {
      const end = this.endOf(row, days);
      if (end > Date.now()) live.set(byHash.get(row.get('tokenHash'))!, { id: row.get('id'), end });
    }
    const kept = tokens.filter((t) => live.has(t));
    const dropped = kept.splice(0, Math.max(0, kept.length - MAX_DEVICE_TOKENS));
    if (dropped.length) await this.model.destroy({ where: { id: dropped.map((t) => live.get(t)!.id) } });
    if (!kept.length) return this.clearCookie(ctx);
    const expires = new Date(Math.max(...kept.map((t) => live.get(t)!.end)));
    ctx.cookies?.set?.(this.cookieName(), kept.join(SEPARATOR), this.cookieOptions(ctx, expires));
  }

  /** Trusts the requesting device for `days`: new row, its token added to the cookie. */
  async trust(ctx: any, userId: number | string, days: number) {
    // This browser's earlier trust of the same user is replaced, not kept beside the new one.
    const earlier = await this.findByCookie(ctx, userId);
    if (earlier) await this.model.destroy({ where: { id: earlier.row.get('id') } });
    const token = randomToken();
    const info = requestInfo(ctx);
    await this.model.create({
      userId,
      tokenHash: this.box().hash(PURPOSE, token),
      userAgent: info.userAgent,
      ip: (info.ip || '').slice(0, 255),
      lastUsedAt: new Date(),
      expiresAt: new Date(Date.now() + days * DAY_MS),
    });
    await this.writeTokens(ctx, [...this.readTokens(ctx).filter((t) => t !== earlier?.token), token]);
  }

  /** The trust of this user among the cookie's tokens: the token hash and the user id must match. */
  private async findByCookie(ctx: any, userId: number | string) {
    const tokens = this.readTokens(ctx);
    if (!tokens.length) return null;
    const byHash = this.byHash(tokens);
    const row: any = await this.model.findOne({ where: { tokenHash: { [Op.in]: [...byHash.keys()] }, userId } });
    return row ? { row, token: byHash.get(row.get('tokenHash'))!, tokens } : null;
  }

  /**
   * True when the request carries a valid trust for this user. Its token is rotated (one
   * conditional update on the old hash, so a copied cookie dies for this user once the owner
   * uses theirs); the other users' tokens in the cookie stay as they are.
   */
  async useIfValid(ctx: any, userId: number | string): Promise<boolean> {
    const found = await this.findByCookie(ctx, userId);
    if (!found) return false;
    const { row, token, tokens } = found;
    const others = tokens.filter((t) => t !== token);
    if (this.endOf(row, await this.days()) <= Date.now()) {
      await this.model.destroy({ where: { id: row.get('id') } });
      await this.writeTokens(ctx, others);
      return false;
    }
    const next = randomToken();
    const [count] = await this.model.update(
      { tokenHash: this.box().hash(PURPOSE, next), lastUsedAt: new Date() },
      { where: { id: row.get('id'), tokenHash: row.get('tokenHash') } },
    );
    if (count !== 1) return false;
    await this.writeTokens(ctx, [...others, next]);
    return true;
  }

  /** Id of the trusted-device row this request's cookie names for the user (for "current" in lists). */
  async currentId(ctx: any, userId: number | string) {
    return (await this.findByCookie(ctx, userId))?.row.get('id') ?? null;
  }

  async list(ctx: any, userId: number | string): Promise<DeviceView[]> {
    const days = await this.days();
    await this.purgeExpired(userId, days);
    const current = await this.currentId(ctx, userId);
    const rows: any[] = await this.model.findAll({ where: { userId }, order: [['createdAt', 'DESC']] });
    const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
    return rows.map((r) => ({
      id: r.get('id'),
      userAgent: r.get('userAgent') || '',
      ip: r.get('ip') || '',
      createdAt: iso(r.get('createdAt')) as string,
      lastUsedAt: iso(r.get('lastUsedAt')),
      expiresAt: new Date(this.endOf(r, days)).toISOString(),
      current: String(r.get('id')) === String(current),
    }));
  }

  async count(userId: number | string) {
    const now = Date.now();
    const days = await this.days();
    const young = days > 0 ? { createdAt: { [Op.gt]: new Date(now - days * DAY_MS) } } : {};
    return this.model.count({ where: { userId, expiresAt: { [Op.gt]: new Date(now) }, ...young } });
  }

  async revoke(userId: number | string, id: number | string): Promise<number> {
    return this.model.destroy({ where: { userId, id } });
  }

  async revokeAll(userId: number | string, transaction?: any): Promise<number> {
    return this.model.destroy({ where: { userId }, transaction });
  }

  private async purgeExpired(userId: number | string, days: number) {
    const now = Date.now();
    await this.model.destroy({
      where: {
        userId,
        [Op.or]: [{ expiresAt: { [Op.lte]: new Date(now) } }, ...(days > 0 ? [{ createdAt: { [Op.lte]: new Date(now - days * DAY_MS) } }] : [])],
      },
    });
  }
}
