/**
 * The one code-check path. Every place that checks a second-factor code — the sign-in step, a
 * self-service bind, a fresh proof, another plugin's scene — refuses a locked user first
 * (`assertCanTry`, so the lock answers before stage rules) and checks the code through
 * `checkCode`, which charges the attempt before the check (attempts sent at the same moment
 * can't outrun the lockout) and settles it after, so a lock, a miss, a replay and a hit have the
 * same answer, audit rows and notices everywhere:
 *
 * - replay (a spent step or code): audit `failed` (reason `reused`) → 400 TWO_FACTOR_CODE_REUSED;
 * - miss: one failure counted (per user and scope, and per challenge at sign-in), audit `failed`;
 *   the first miss of a day at sign-in → notice `failed_attempt` (it proves someone has the
 *   password); the failure that locks (lockout window or daily cap) → audit `locked`, notice,
 *   429 TWO_FACTOR_LOCKED with `retryAfter`;
 *   otherwise 400 TWO_FACTOR_INVALID_CODE with `attemptsLeft` (or the caller's own refusal);
 * - hit: the one-time step is claimed (TOTP), then the scope's failure count is cleared.
 */
import { ERROR_CODES, EVENT_TYPES } from '../../constants';
import { AttemptScope, lockedError, Reservation } from '../attempts';
import type { ChallengeRecord } from '../challenge';
import { TwoFactorError } from '../errors';
import type { CodeCheck } from '../factors/types';
import { describeBrowser } from '../../shared/user-agent';
import { describeNetwork } from '../notices';
import type { RequestInfo } from '../request';
import type { Services } from '../services';
import type { Settings } from '../settings';

/** Stands for backup codes where a verifier name is expected (audit rows, failure counting). */
export const BACKUP_CODE = 'backup-code';

export interface CodeCheckRun {
  scope: AttemptScope;
  userId: number | string;
  settings: Settings;
  /** The verifier the code was for (or BACKUP_CODE). */
  verifier: string;
  /** Sign-in: failures also count on the challenge, which dies when its attempts are used up. */
  challenge?: ChallengeRecord;
  /** What the audit rows say of where the code was given (`{ stage }` at sign-in, `{ during }` elsewhere). */
  detail: Record<string, unknown>;
  info: RequestInfo;
  /** The refusal for a wrong code when it does not lock; default 400 TWO_FACTOR_INVALID_CODE. */
  missError?: (attemptsLeft: number, reused: boolean) => TwoFactorError;
  /** A spent code counts as a wrong one (proofs: a replayed code proves nothing); else 400 CODE_REUSED. */
  reuseIsMiss?: boolean;
}

/** 429 TWO_FACTOR_LOCKED (with `retryAfter`) while the user is locked out in this scope. */
export async function assertCanTry(services: Services, scope: AttemptScope, userId: number | string) {
  await services.attempts.assertNotLocked(userId, scope);
}

/**
 * Checks a code on the one path: the attempt is charged first (`attempts.reserve`), then `check`
 * runs, then the outcome is settled. Returns the check's result when the code is accepted;
 * throws the refusal otherwise.
 */
export async function checkCode(services: Services, run: CodeCheckRun, check: () => Promise<CodeCheck>): Promise<CodeCheck & { ok: true }> {
  const reservation = await services.attempts.reserve({
    userId: run.userId,
    settings: run.settings,
    scope: run.scope,
    challengeId: run.challenge?.jti,
  });
  let result: CodeCheck;
  try {
    result = await check();
  } catch (err) {
    // The check could not be made (binding gone, pending secret expired): no attempt was spent.
    await services.attempts.release(reservation, false);
    throw err;
  }
  await settle(services, run, reservation, result);
  return result as CodeCheck & { ok: true };
}

async function settle(services: Services, run: CodeCheckRun, reservation: Reservation, result: CodeCheck): Promise<void> {
  const { attempts, audit, notices, challenges } = services;
  const { userId, verifier, info } = run;
  const failed = (detail: Record<string, unknown>) =>
    audit.record({ userId, type: EVENT_TYPES.failed, verifier, detail: { ...run.detail, ...detail } }, info);

  let reused = !result.ok && !!result.reused;
  if (result.ok && result.step !== undefined && !(await attempts.claimStep(userId, verifier, result.step))) reused = true;
  if (result.ok && !reused) {
    await attempts.release(reservation, true);
    return;
  }
  if (reused && !run.reuseIsMiss) {
    await attempts.release(reservation, false);
    await failed({ reason: 'reused' });
    throw new TwoFactorError(ERROR_CODES.CODE_REUSED);
  }
  const challenge = run.challenge;
  const outcome = await attempts.recordFailure(reservation, challenge ? () => challenges.kill(challenge.jti) : undefined);
  const reason = reused ? 'reused' : !result.ok ? result.reason : undefined;
  await failed({ attemptsLeft: outcome.attemptsLeft, ...(reason ? { reason } : {}) });
  if (run.scope === 'signin' && outcome.firstInDay) {
    await notices.notify(userId, 'failed_attempt', { browser: describeBrowser(info.userAgent || ''), network: describeNetwork(info.ip || '') });
  }
  if (outcome.lockedUntil) {
    const detail = { until: outcome.lockedUntil.toISOString(), scope: run.scope, ...(outcome.dailyLock ? { daily: true } : {}) };
    await audit.record({ userId, type: EVENT_TYPES.locked, verifier, detail }, info);
    await notices.notify(userId, 'locked', { until: outcome.lockedUntil.toISOString() });
    throw lockedError(outcome.lockedUntil);
  }
  throw run.missError
    ? run.missError(outcome.attemptsLeft, reused)
    : new TwoFactorError(ERROR_CODES.INVALID_CODE, {
        attemptsLeft: outcome.attemptsLeft,
        ...(!result.ok && result.refusal ? { reason: result.refusal } : {}),
      });
}
