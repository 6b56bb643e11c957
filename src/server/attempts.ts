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

/** One attempt charged by `reserve`: where it stands in each count. */
export interface Reservation {
  userId: number | string;
  settings: Settings;
  scope: AttemptScope;
  challengeId?: string;
  userFailures: number;
  dailyFailures: number;
  challengeFailures?: number;
}

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
   * Charges one attempt BEFORE the code is checked, so attempts sent at the same moment cannot
   * all pass the lock check and be counted only afterwards: each gets its own place in the
   * counts. An attempt past the budget (per user, per day, per challenge) is refused without
   * its code being looked at: 429 TWO_FACTOR_LOCKED once the attempt that reached the budget
   * locked the user, 429 TWO_FACTOR_THROTTLED (`reason: 'busy'`) while it is still being checked,
   * 401 for a challenge that used up its attempts.
   */
  async reserve(options: { userId: number | string; settings: Settings; scope: AttemptScope; challengeId?: string }): Promise<Reservation> {
    const { userId, settings, scope, challengeId } = options;
    const { counter } = await this.open();
    const windowMs = settings.lockoutMinutes * 60_000;
    const reservation: Reservation = {
      ...options,
      userFailures: await counter.incr(`user:${scope}:${userId}`, windowMs),
      dailyFailures: await counter.incr(`daily:${scope}:${userId}`, DAY_MS),
      challengeFailures: challengeId ? await counter.incr(`challenge:${challengeId}`, settings.challengeTTL * 1000) : undefined,
    };
    if (reservation.dailyFailures > settings.dailyFailureLimit || reservation.userFailures > settings.lockoutThreshold) {
      const until = await this.lockedUntil(userId, scope);
      throw until ? lockedError(until) : new TwoFactorError(ERROR_CODES.THROTTLED, { retryAfter: 1, reason: 'busy' });
    }
    if (reservation.challengeFailures !== undefined && reservation.challengeFailures > settings.maxAttemptsPerChallenge) {
      throw new TwoFactorError(ERROR_CODES.CHALLENGE_INVALID);
    }
    return reservation;
  }

  /** The code was right (or a replay that does not count): the attempt charged for it is given back. */
  async release(reservation: Reservation, success: boolean) {
    const { counter } = await this.open();
    const { userId, scope, challengeId } = reservation;
    const giveBack = async (key: string) => {
      // A count reset meanwhile (a success, a lock) is not taken below zero.
      if ((await counter.incrby(key, -1)) < 0) await counter.reset(key);
    };
    if (success) await counter.reset(`user:${scope}:${userId}`);
    else await giveBack(`user:${scope}:${userId}`);
    await giveBack(`daily:${scope}:${userId}`);
    if (challengeId) await giveBack(`challenge:${challengeId}`);
  }

  /** Locks the user out: for the day at the daily limit, else for the window, doubled per lockout within 24 h. */
  private async lock(reservation: Reservation, daily: boolean): Promise<Date> {
    const { userId, scope, settings } = reservation;
    const { counter, cache } = await this.open();
    const windowMs = settings.lockoutMinutes * 60_000;
    let duration = DAY_MS;
    if (daily) await counter.reset(`daily:${scope}:${userId}`);
    else duration = Math.min(windowMs * 2 ** ((await counter.incr(`lockouts:${scope}:${userId}`, DAY_MS)) - 1), DAY_MS);
    const until = new Date(Date.now() + duration);
    await cache.set(this.lockKey(scope, userId), until.getTime(), duration);
    await counter.reset(`user:${scope}:${userId}`);
    return until;
  }

  /**
   * The attempt charged by `reserve` was a wrong code. Returns what is left, with the lock when
   * this failure reached the budget. `onChallengeDead` runs when the challenge used up its attempts.
   */
  async recordFailure(reservation: Reservation, onChallengeDead?: () => Promise<void>): Promise<FailureOutcome> {
    const { userId, settings, scope, userFailures, dailyFailures, challengeFailures } = reservation;
    const { counter } = await this.open();
    // Its own key: the daily count restarts after a daily lock, this mark does not.
    const firstInDay = (await counter.incr(`first:${scope}:${userId}`, DAY_MS)) === 1;

    let lockedUntil: Date | null = null;
    const dailyLock = dailyFailures >= settings.dailyFailureLimit;
    if (dailyLock || userFailures >= settings.lockoutThreshold) lockedUntil = await this.lock(reservation, dailyLock);

    let attemptsLeft = Math.max(Math.min(settings.lockoutThreshold - userFailures, settings.dailyFailureLimit - dailyFailures), 0);
    let challengeDead = false;
    if (challengeFailures !== undefined) {
      attemptsLeft = Math.max(settings.maxAttemptsPerChallenge - challengeFailures, 0);
      if (attemptsLeft === 0) {
        challengeDead = true;
        await onChallengeDead?.();
      }
    }
    return { attemptsLeft, challengeDead, lockedUntil, dailyLock, firstInDay };
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
