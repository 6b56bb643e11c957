/**
 * Message-code abuse limits (design §5): a code is sent only while the receiver, the requesting IP
 * and the whole app are under their hourly budgets, and a user binding a message factor tries at
 * most `messageReceiversPerUserPerDay` distinct receivers a day. Without them, one self-registered
 * account per `resendInterval` relays mail or (premium) SMS to any receiver.
 *
 * Counts live in NocoBase's cache counters (atomic increments on Redis in a cluster), in fixed
 * windows named by their start, so a refusal knows when the window ends (`retryAfter`). Receivers
 * are kept as hashes, never in clear.
 */
import { createHash } from 'node:crypto';
import type { Counter } from '@nocobase/cache';
import type { Application } from '@nocobase/server';
import { ERROR_CODES } from '../../../constants';
import { TwoFactorError } from '../../errors';
import { SettingsStore } from '../../settings';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

export type SendLimit = 'ip' | 'receiver' | 'global' | 'receivers';

function throttled(reason: SendLimit, windowEnd: number) {
  return new TwoFactorError(ERROR_CODES.THROTTLED, { reason, retryAfter: Math.max(1, Math.ceil((windowEnd - Date.now()) / 1000)) });
}

/** The same address however it is typed: case and spacing of email, separators of phone numbers. */
export function receiverKey(receiver: string) {
  const r = String(receiver).trim().toLowerCase();
  const normal = r.includes('@') ? r : r.replace(/[\s()-]/g, '');
  return createHash('sha256').update(normal).digest('base64url').slice(0, 22);
}

export class SendLimits {
  private manager: unknown;
  private counter: Promise<Counter> | null = null;
  /** The policy row, read through its shared cache. */
  private readonly settings: SettingsStore;

  constructor(private readonly app: Application) {
    this.settings = new SettingsStore(app);
  }

  /** The counter of the app's current cache manager (app.load() replaces it; see attempts.ts). */
  private open(): Promise<Counter> {
    const manager = this.app.cacheManager;
    if (this.counter && this.manager === manager) return this.counter;
    this.manager = manager;
    const counter = manager.createCounter({ name: 'open2fa-sends', prefix: 'open2fa:sends' }, this.app.lockManager);
    counter.catch(() => {
      if (this.counter === counter) this.counter = null;
    });
    this.counter = counter;
    return counter;
  }

  /** Counts one use of a window; false once it is over `limit`. */
  private async within(counter: Counter, key: string, windowMs: number, limit: number) {
    const start = Math.floor(Date.now() / windowMs) * windowMs;
    const count = await counter.incr(`${key}:${start}`, start + windowMs - Date.now() + 60_000);
    return { ok: count <= limit, end: start + windowMs };
  }

  /**
   * Throws 429 TWO_FACTOR_THROTTLED (`reason`, `retryAfter`) unless a code may go to `receiver`
   * now; counts the send otherwise. The IP is checked first and the whole app last, so a refused
   * caller spends as little of the budgets others share as possible. `binding`: the user chose
   * the receiver (bindStart), so it counts towards the user's receivers of the day.
   */
  async admit(args: { userId: number | string; receiver: string; ip: string; binding: boolean }) {
    const { userId } = args;
    const settings = await this.settings.get();
    const counter = await this.open();
    const receiver = receiverKey(args.receiver);
    if (args.binding) {
      const day = Math.floor(Date.now() / DAY_MS) * DAY_MS;
      const ttl = day + DAY_MS - Date.now() + 60_000;
      // The first try of a receiver today adds one to the user's distinct receivers.
      if ((await counter.incr(`tried:${userId}:${receiver}:${day}`, ttl)) === 1) {
        const distinct = await counter.incr(`receivers:${userId}:${day}`, ttl);
        if (distinct > settings.messageReceiversPerUserPerDay) {
          await counter.reset(`tried:${userId}:${receiver}:${day}`);
          throw throttled('receivers', day + DAY_MS);
        }
      }
    }
    const checks: [SendLimit, string, number][] = [
      ['ip', `ip:${args.ip || 'unknown'}`, settings.messageSendsPerIpPerHour],
      ['receiver', `to:${receiver}`, settings.messageSendsPerReceiverPerHour],
      ['global', 'all', settings.messageSendsPerHour],
    ];
    for (const [reason, key, limit] of checks) {
      const { ok, end } = await this.within(counter, key, HOUR_MS, limit);
      if (!ok) throw throttled(reason, end);
    }
  }
}
