/**
 * The one place that counts failures, locks users out and refuses replays. Every factor uses it.
 *
 * - Failures per challenge and per user live in NocoBase's cache counters (atomic increments on
 *   Redis in a cluster). A challenge that reaches `maxAttemptsPerChallenge` is killed in the DB.
 * - A user who reaches `lockoutThreshold` failures within `lockoutMinutes` is locked for
 *   `lockoutMinutes`, doubled for each further lockout within 24 h (at most 24 h).
 * - Failures spread below that threshold still add up: `dailyFailureLimit` failures within 24 h
 *   lock the user for 24 h. A success does not clear this count (the real user signing in must
 *   not give a password holder a fresh budget).
 * - `scope` separates sign-in failures from wrong proofs given by a signed-in user, so a stolen
 *   session cannot lock the owner out of signing in (design §6).
 * - A TOTP step is accepted once per user and verifier, and never one at or before the last
 *   accepted step: one conditional UPDATE decides (design §5).
 */
import type { Cache, Counter } from '@nocobase/cache';
import type { Application } from '@nocobase/server';
import { Op, UniqueConstraintError } from '@nocobase/database';
import { COLLECTIONS, ERROR_CODES } from '../constants';
import { TwoFactorError } from './errors';
import type { Settings } from './settings';

export type AttemptScope = 'signin' | 'proof';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface FailureOutcome {
  /** Wrong codes the challenge still accepts (sign-in scope), or before lockout (proof scope). */
  attemptsLeft: number;
  challengeDead: boolean;
  lockedUntil: Date | null;
  /** The lock comes from `dailyFailureLimit` (24 h), not from the lockout window. */
  dailyLock: boolean;
  /** This is the user's first failure in this scope for 24 h (the moment to tell them). */
  firstInDay: boolean;
}

interface Stores {
  counter: Counter;
  cache: Cache;
}

export class Attempts {
  private manager: unknown;
  private stores: Promise<Stores> | null = null;

  private constructor(private readonly app: Application) {}

  static async create(app: Application) {
    const attempts = new Attempts(app);
    await attempts.open();
    return attempts;
  }

  /**
   * The counter and lock cache of the app's *current* cache manager. Every app.load() closes the
   * previous manager (and its Redis clients) and makes a new one, also after this plugin loaded
   * (install, then start): holding on to the first ones would talk to a closed client.
   */
  private open(): Promise<Stores> {
    const manager = this.app.cacheManager;
    if (this.stores && this.manager === manager) return this.stores;
    this.manager = manager;
    const stores = (async () => ({
      counter: await manager.createCounter({ name: 'open2fa-attempts', prefix: 'open2fa:attempts' }, this.app.lockManager),
      cache: await manager.createCache({ name: 'open2fa-locks', prefix: 'open2fa:locks' }),
    }))();
    stores.catch(() => {
      if (this.stores === stores) this.stores = null;
    });
    this.stores = stores;
    return stores;
  }

  private lockKey = (scope: AttemptScope, userId: number | string) => `lock:${scope}:${userId}`;

  async lockedUntil(userId: number | string, scope: AttemptScope = 'signin'): Promise<Date | null> {
    const { cache } = await this.open();
    const until = await cache.get<number>(this.lockKey(scope, userId));
    return until && until > Date.now() ? new Date(until) : null;
  }

  /** Throws TWO_FACTOR_LOCKED (429, retryAfter) while the user is locked out. */
  async assertNotLocked(userId: number | string, scope: AttemptScope = 'signin') {
    const until = await this.lockedUntil(userId, scope);
    if (until) throw lockedError(until);
  }

  /**
   * Counts one wrong code. Returns what is left, or throws TWO_FACTOR_LOCKED when this failure
   * locks the user out. `onChallengeDead` runs when the challenge used up its attempts.
   */
  async recordFailure(options: {
    userId: number | string;
    settings: Settings;
    scope?: AttemptScope;
    challengeId?: string;
    onChallengeDead?: () => Promise<void>;
  }): Promise<FailureOutcome> {
    const { userId, settings, scope = 'signin', challengeId } = options;
    const { counter, cache } = await this.open();
    const windowMs = settings.lockoutMinutes * 60_000;
    const userFailures = await counter.incr(`user:${scope}:${userId}`, windowMs);
    const dailyFailures = await counter.incr(`daily:${scope}:${userId}`, DAY_MS);
    // Its own key: the daily count restarts after a daily lock, this mark does not.
    const firstInDay = (await counter.incr(`first:${scope}:${userId}`, DAY_MS)) === 1;

    let lockedUntil: Date | null = null;
    let dailyLock = false;
    const lock = async (duration: number) => {
      const until = new Date(Date.now() + duration);
      await cache.set(this.lockKey(scope, userId), until.getTime(), duration);
      await counter.reset(`user:${scope}:${userId}`);
      return until;
    };
    if (dailyFailures >= settings.dailyFailureLimit) {
      dailyLock = true;
      lockedUntil = await lock(DAY_MS);
      await counter.reset(`daily:${scope}:${userId}`);
    } else if (userFailures >= settings.lockoutThreshold) {
      const lockouts = await counter.incr(`lockouts:${scope}:${userId}`, DAY_MS);
      lockedUntil = await lock(Math.min(windowMs * 2 ** (lockouts - 1), DAY_MS));
    }

    let attemptsLeft = Math.max(Math.min(settings.lockoutThreshold - userFailures, settings.dailyFailureLimit - dailyFailures), 0);
    let challengeDead = false;
    if (challengeId) {
      const challengeFailures = await counter.incr(`challenge:${challengeId}`, settings.challengeTTL * 1000);
      attemptsLeft = Math.max(settings.maxAttemptsPerChallenge - challengeFailures, 0);
      if (attemptsLeft === 0) {
        challengeDead = true;
        await options.onChallengeDead?.();
      }
    }
    return { attemptsLeft, challengeDead, lockedUntil, dailyLock, firstInDay };
  }

  /** A verified code clears the user's failure count for that scope. */
  async recordSuccess(userId: number | string, scope: AttemptScope = 'signin') {
    const { counter } = await this.open();
    await counter.reset(`user:${scope}:${userId}`);
  }

  /** Admin reset: forget failures and lockouts. */
  async clear(userId: number | string) {
    const { counter, cache } = await this.open();
    for (const scope of ['signin', 'proof'] as AttemptScope[]) {
      await counter.reset(`user:${scope}:${userId}`);
      await counter.reset(`lockouts:${scope}:${userId}`);
      await counter.reset(`daily:${scope}:${userId}`);
      await cache.del(this.lockKey(scope, userId));
    }
  }

  /**
   * Accepts TOTP time step `step` for (user, verifier) iff it is later than the last accepted one.
   * Atomic: one conditional UPDATE, or the INSERT of the first mark (a unique key decides races).
   */
  async claimStep(userId: number | string, verifier: string, step: number): Promise<boolean> {
    const model = this.app.db.getCollection(COLLECTIONS.totpSteps).model;
    const key = `${userId}:${verifier}`;
    const advance = async () => {
      const [count] = await model.update({ lastStep: step }, { where: { key, lastStep: { [Op.lt]: step } } });
      return count === 1;
    };
    if (await advance()) return true;
    try {
      await model.create({ key, userId, verifier, lastStep: step });
      return true;
    } catch (err) {
      if (err instanceof UniqueConstraintError || (err as Error)?.name === 'SequelizeUniqueConstraintError') {
        return advance();
      }
      throw err;
    }
  }

  async forgetSteps(userId: number | string, verifier?: string) {
    const model = this.app.db.getCollection(COLLECTIONS.totpSteps).model;
    await model.destroy({ where: verifier ? { userId, verifier } : { userId } });
  }
}

export function lockedError(until: Date) {
  const retryAfter = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000));
  return new TwoFactorError(ERROR_CODES.LOCKED, { retryAfter, lockedUntil: until.toISOString() });
}
