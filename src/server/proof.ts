/**
 * Fresh proof for sensitive self-service changes (design §6): the account password, or a current
 * code of a bound factor. Wrong proofs count on the `proof` scope, so a stolen session cannot lock
 * the owner out of signing in.
 */
import type { Model } from '@nocobase/database';
import { ERROR_CODES } from '../constants';
import { lockedError } from './attempts';
import { TwoFactorError } from './errors';
import type { Services } from './services';
import type { Settings } from './settings';

export interface ProofValues {
  password?: string;
  code?: string;
  proofVerifier?: string;
}

export const PROOF_SCHEMA = {
  password: { type: 'string', maxLength: 1024, optional: true },
  code: { type: 'string', maxLength: 64, optional: true },
  proofVerifier: { type: 'string', maxLength: 255, optional: true },
} as const;

async function passwordMatches(ctx: any, userId: number | string, password: string) {
  const users = ctx.db.getCollection('users');
  const user: any = await users.repository.findOne({ filterByTk: userId });
  const stored = user?.get('password');
  if (!stored) return false;
  return users.getField('password').verify(password, stored);
}

async function codeMatches(services: Services, ctx: any, user: Model, verifierName: string, code: string) {
  const userId = user.get('id') as string;
  const picked = services.factors.pick(await services.verifiers.eligibleVerifiers(), verifierName);
  if (!picked || !(await services.verifiers.findBinding(userId, verifierName))) return { ok: false as const };
  return picked.factor.verifyCheck({ services, ctx, user, verifier: picked.verifier }, code);
}

/**
 * Throws 403 TWO_FACTOR_REAUTH_REQUIRED unless `values` proves the user is present now, or 429
 * TWO_FACTOR_LOCKED after too many wrong proofs. `defaultVerifier` is the factor a `code` is for
 * when `proofVerifier` is not given.
 */
export async function requireFreshProof(
  services: Services,
  ctx: any,
  user: Model,
  values: ProofValues,
  settings: Settings,
  defaultVerifier?: string,
) {
  const userId = user.get('id') as string;
  await services.attempts.assertNotLocked(userId, 'proof');
  let ok = false;
  let reason = 'missing';
  if (typeof values.password === 'string') {
    ok = await passwordMatches(ctx, userId, values.password);
    reason = 'password';
  } else if (typeof values.code === 'string') {
    const verifierName = values.proofVerifier || defaultVerifier;
    reason = 'code';
    if (verifierName) {
      const result = await codeMatches(services, ctx, user, verifierName, values.code);
      if (result.ok) {
        ok = result.step === undefined || (await services.attempts.claimStep(userId, verifierName, result.step));
        if (ok) await result.afterSuccess?.();
        else reason = 'reused';
      }
    }
  }
  if (ok) {
    await services.attempts.recordSuccess(userId, 'proof');
    return;
  }
  if (reason === 'missing') throw new TwoFactorError(ERROR_CODES.REAUTH_REQUIRED);
  const outcome = await services.attempts.recordFailure({ userId, settings, scope: 'proof' });
  if (outcome.lockedUntil) {
    await services.notices.notify(userId, 'locked', { until: outcome.lockedUntil.toISOString() });
    throw lockedError(outcome.lockedUntil);
  }
  throw new TwoFactorError(ERROR_CODES.REAUTH_REQUIRED, { reason, attemptsLeft: outcome.attemptsLeft });
}
