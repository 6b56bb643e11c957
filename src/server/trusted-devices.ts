/**
 * Trusted devices (design §5). The cookie `nb_2fa_device_<appName>` holds a random token; the
 * database keeps only its keyed hash, with user agent, IP and dates. A valid cookie lets its own
 * user skip the second factor; the token is rotated on every use. Expired rows are refused and
 * removed.
 */
import { Op } from '@nocobase/database';
import type { Application } from '@nocobase/server';
import { COLLECTIONS, DEVICE_COOKIE_PREFIX } from '../constants';
import { requestInfo } from './request';
import { randomToken, SecretBox } from './crypto';

const PURPOSE = 'trusted-device';
const DAY_MS = 24 * 60 * 60 * 1000;

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

  private readCookie(ctx: any): string | null {
    const value = ctx.cookies?.get?.(this.cookieName());
    return typeof value === 'string' && /^[\w-]{20,100}$/.test(value) ? value : null;
  }

  private setCookie(ctx: any, token: string, expires: Date) {
    ctx.cookies?.set?.(this.cookieName(), token, this.cookieOptions(ctx, expires));
  }

  clearCookie(ctx: any) {
    ctx.cookies?.set?.(this.cookieName(), null, this.cookieOptions(ctx));
  }

  /** Trusts the requesting device for `days`: new row, new cookie. */
  async trust(ctx: any, userId: number | string, days: number) {
    const token = randomToken();
    const expiresAt = new Date(Date.now() + days * DAY_MS);
    const info = requestInfo(ctx);
    await this.model.create({
      userId,
      tokenHash: this.box().hash(PURPOSE, token),
      userAgent: info.userAgent,
      ip: (info.ip || '').slice(0, 255),
      lastUsedAt: new Date(),
      expiresAt,
    });
    this.setCookie(ctx, token, expiresAt);
  }

  private async findByCookie(ctx: any, userId?: number | string) {
    const token = this.readCookie(ctx);
    if (!token) return null;
    const hashes = this.box().hashes(PURPOSE, token);
    const row: any = await this.model.findOne({ where: { tokenHash: { [Op.in]: hashes }, ...(userId !== undefined ? { userId } : {}) } });
    return row ? { row, token } : null;
  }

  /**
   * True when the request carries a valid trust for this user. The token is rotated (one
   * conditional update on the old hash, so a copied cookie dies once the owner uses it).
   */
  async useIfValid(ctx: any, userId: number | string): Promise<boolean> {
    const found = await this.findByCookie(ctx, userId);
    if (!found) return false;
    const { row } = found;
    const expiresAt = new Date(row.get('expiresAt'));
    if (expiresAt.getTime() <= Date.now()) {
      await this.model.destroy({ where: { id: row.get('id') } });
      this.clearCookie(ctx);
      return false;
    }
    const next = randomToken();
    const [count] = await this.model.update(
      { tokenHash: this.box().hash(PURPOSE, next), lastUsedAt: new Date() },
      { where: { id: row.get('id'), tokenHash: row.get('tokenHash') } },
    );
    if (count !== 1) return false;
    this.setCookie(ctx, next, expiresAt);
    return true;
  }

  /** Id of the trusted-device row this request's cookie names (for "current" in lists). */
  async currentId(ctx: any, userId: number | string) {
    return (await this.findByCookie(ctx, userId))?.row.get('id') ?? null;
  }

  async list(ctx: any, userId: number | string): Promise<DeviceView[]> {
    await this.purgeExpired(userId);
    const current = await this.currentId(ctx, userId);
    const rows: any[] = await this.model.findAll({ where: { userId }, order: [['createdAt', 'DESC']] });
    const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
    return rows.map((r) => ({
      id: r.get('id'),
      userAgent: r.get('userAgent') || '',
      ip: r.get('ip') || '',
      createdAt: iso(r.get('createdAt')) as string,
      lastUsedAt: iso(r.get('lastUsedAt')),
      expiresAt: iso(r.get('expiresAt')) as string,
      current: String(r.get('id')) === String(current),
    }));
  }

  async count(userId: number | string) {
    return this.model.count({ where: { userId, expiresAt: { [Op.gt]: new Date() } } });
  }

  async revoke(userId: number | string, id: number | string): Promise<number> {
    return this.model.destroy({ where: { userId, id } });
  }

  async revokeAll(userId: number | string, transaction?: any): Promise<number> {
    return this.model.destroy({ where: { userId }, transaction });
  }

  private async purgeExpired(userId: number | string) {
    await this.model.destroy({ where: { userId, expiresAt: { [Op.lte]: new Date() } } });
  }
}
