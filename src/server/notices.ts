/**
 * Security notices to users (design §9): a factor added or removed, a backup code used, an admin
 * reset, a lockout, a sign-in from a new device, the first wrong second-factor code of a day. In-app through every in-app message channel, and
 * by email through the email channel of the first email-OTP verifier that names one (else the
 * first email channel). Notices never carry a code or a secret, and never fail the request.
 */
import { createHash } from 'node:crypto';
import { Op } from '@nocobase/database';
import { COLLECTIONS, EVENT_TYPES, NAMESPACE } from '../constants';
import type { Application } from '@nocobase/server';
import { describeBrowser } from '../shared/user-agent';
import type { Audit } from './audit';
import { Answer, UserRead } from './one-read';
import { RequestInfo, requestInfo } from './request';

export type NoticeKind =
  | 'factor_bound'
  | 'factor_removed'
  | 'security_key_added'
  | 'security_key_removed'
  | 'backup_code_used'
  | 'admin_reset'
  | 'locked'
  | 'new_device'
  | 'failed_attempt';

const TEXT: Record<NoticeKind, { title: string; content: string }> = {
  factor_bound: {
    title: 'A verification method was added to your account',
    content: '"{{verifier}}" was added to the two-factor authentication of your account. If this was not you, contact your administrator now.',
  },
  factor_removed: {
    title: 'A verification method was removed from your account',
    content: '"{{verifier}}" was removed from the two-factor authentication of your account. If this was not you, contact your administrator now.',
  },
  security_key_added: {
    title: 'A security key was added to your account',
    content: 'The security key "{{name}}" was added to the two-factor authentication of your account. If this was not you, contact your administrator now.',
  },
  security_key_removed: {
    title: 'A security key was removed from your account',
    content: 'The security key "{{name}}" was removed from the two-factor authentication of your account. If this was not you, contact your administrator now.',
  },
  backup_code_used: {
    title: 'A backup code was used to sign in',
    content: 'A backup code was used to sign in to your account. {{remaining}} backup codes are left.',
  },
  admin_reset: {
    title: 'Your two-factor authentication was reset',
    content: 'An administrator reset the two-factor authentication of your account. You will set up a verification method at your next sign-in.',
  },
  locked: {
    title: 'Too many failed verification attempts',
    content: 'After too many wrong codes, signing in to your account is blocked until {{until}}. If this was not you, change your password.',
  },
  failed_attempt: {
    title: 'Someone entered your password and a wrong verification code',
    content:
      'Your password was entered correctly, followed by a wrong verification code, from {{browser}} ({{network}}). If this was not you, change your password now: someone knows it.',
  },
  new_device: {
    title: 'New sign-in to your account',
    content: 'Your account was signed in to from {{browser}} ({{network}}). If this was not you, change your password and contact your administrator.',
  },
};

/** What `Notices.lookUp` learnt of the request's browser and network. */
export interface SeenDevices {
  fingerprint: string;
  /** This browser and network are known for the user. */
  known: boolean;
  /** How many the user has used. */
  count: number;
}

/** A browser and network of a user, as one opaque key. */
function deviceFingerprint(userId: number | string, info: RequestInfo) {
  const browser = describeBrowser(info.userAgent || '');
  const network = describeNetwork(info.ip || '');
  return createHash('sha256').update(`${userId}\0${browser}\0${network}`).digest('base64url');
}

/** The approximate network: IPv4 /24, IPv6 /48. */
export function describeNetwork(ip: string): string {
  const v4 = (ip || '').replace(/^::ffff:/, '');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(v4)) return `${v4.split('.').slice(0, 3).join('.')}.0/24`;
  if (ip.includes(':')) return `${ip.split(':').slice(0, 3).join(':')}::/48`;
  return 'an unknown network';
}

export class Notices {
  /** `namedEmailChannels`: the channels email-OTP verifiers name, in order (notices prefer them). */
  constructor(
    private readonly app: Application,
    private readonly audit: Audit,
    private readonly namedEmailChannels: () => Promise<(string | undefined)[]>,
  ) {}

  private async channels() {
    const repo = this.app.db.getRepository('notificationChannels');
    if (!repo) return { inApp: [] as string[], email: null as string | null };
    const rows: any[] = await repo.find({ filter: { notificationType: { $in: ['in-app-message', 'email'] } } });
    const inApp = rows.filter((r) => r.get('notificationType') === 'in-app-message').map((r) => r.get('name'));
    const emails = rows.filter((r) => r.get('notificationType') === 'email').map((r) => r.get('name'));
    const named = (await this.namedEmailChannels()).filter((c): c is string => !!c && emails.includes(c));
    return { inApp, email: named[0] ?? emails[0] ?? null };
  }

  async notify(userId: number | string, kind: NoticeKind, params: Record<string, string | number> = {}) {
    try {
      const notifications = this.app.pm.get('notification-manager') as any;
      if (!notifications?.manager) return;
      const user: any = await this.app.db.getRepository('users').findOne({ filterByTk: userId });
      if (!user) return;
      const lng = user.get('appLang') || undefined;
      const t = (text: string) => this.app.i18n.t(text, { ns: NAMESPACE, lng, ...params, interpolation: { escapeValue: false } });
      const title = t(TEXT[kind].title);
      const content = t(TEXT[kind].content);
      const { inApp, email } = await this.channels();
      for (const channelName of inApp) {
        await notifications.manager.sendNow({
          channelName,
          triggerFrom: 'two-factor-auth',
          message: { title, content },
          receivers: { type: 'userId', value: [Number(userId)] },
        });
      }
      const address = user.get('email');
      if (email && address) {
        await notifications.manager.sendNow({
          channelName: email,
          triggerFrom: 'two-factor-auth',
          message: { to: [address], subject: title, contentType: 'text', text: content },
        });
      }
    } catch (err) {
      this.app.log.error(`open2fa: could not notify user ${userId} (${kind}): ${(err as Error)?.message}`);
    }
  }

  /**
   * Asks `read` (the second step's one statement) whether this browser and network are known for
   * the user, and how many are; `recordSignIn` then needs no read of its own.
   */
  lookUp(read: UserRead, ctx: any): (answers: Record<string, Answer>) => SeenDevices {
    const fingerprint = deviceFingerprint(read.userId, requestInfo(ctx));
    read.value('device_known', COLLECTIONS.seenDevices, 'fingerprint', { fingerprint });
    const c = (a: string) => read.column(COLLECTIONS.seenDevices, a);
    read.subquery('device_count', `SELECT COUNT(*) FROM ${read.table(COLLECTIONS.seenDevices)} WHERE ${c('userId')} = ${read.escape(read.userId)}`);
    return (answers) => ({ fingerprint, known: answers.device_known === fingerprint, count: Number(answers.device_count) || 0 });
  }

  /**
   * Remembers the browser and network of a sign-in; the first sign-in from one the user has not
   * used before (while they have used others) is audited and notified. A known one is not written
   * again: each sign-in is in the audit trail with its IP and user agent. `seen` is what
   * `lookUp` read; without it, this reads it.
   */
  async recordSignIn(ctx: any, userId: number | string, info: RequestInfo = requestInfo(ctx), seen?: SeenDevices) {
    const browser = describeBrowser(info.userAgent || '');
    const network = describeNetwork(info.ip || '');
    const model = this.app.db.getCollection(COLLECTIONS.seenDevices).model;
    const fingerprint = deviceFingerprint(userId, info);
    const known = seen && seen.fingerprint === fingerprint ? seen : null;
    if (known ? known.known : await model.count({ where: { fingerprint } })) return;
    const others = known ? known.count : await model.count({ where: { userId, fingerprint: { [Op.ne]: fingerprint } } });
    try {
      await model.create({ userId, fingerprint, browser, network });
    } catch {
      return; // a concurrent sign-in from the same device recorded it
    }
    if (!others) return;
    await this.audit.record({ userId, type: EVENT_TYPES.newDeviceSignIn, detail: { browser, network } }, info);
    await this.notify(userId, 'new_device', { browser, network });
  }
}
