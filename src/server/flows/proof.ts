/**
 * Fresh proof for sensitive self-service changes (design §6): the account password, or a current
 * code of a bound factor that does not travel by message (a mailed or texted code may belong to a
 * sign-in in progress). Wrong proofs count on the `proof` scope through the one code-check path,
 * so a stolen session cannot lock the owner out of signing in.
 */
import type { Model } from '@nocobase/database';
import { ERROR_CODES } from '../../constants';
import { TwoFactorError } from '../errors';
import type { CodeCheck } from '../factors/types';
import { requestInfo } from '../request';
import type { Services } from '../services';
import type { Settings } from '../settings';
import { assertCanTry, checkCode } from './code-check';

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

async function codeMatches(services: Services, ctx: any, user: Model, verifierName: string, code: string): Promise<CodeCheck> {
  const userId = user.get('id') as string;
  const picked = services.factors.pick(await services.verifiers.eligibleVerifiers(), verifierName);
  if (!picked || picked.factor.byMessage || !(await services.verifiers.findBinding(userId, verifierName))) return { ok: false };
  return picked.factor.verifyCheck({ deps: services, ctx, user, verifier: picked.verifier }, code);
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
  await assertCanTry(services, 'proof', userId);
  let reason: string;
  let verifier: string;
  let check: () => Promise<CodeCheck>;
  if (typeof values.password === 'string') {
    const password = values.password;
    reason = 'password';
    verifier = 'password';
    check = async () => ({ ok: await passwordMatches(ctx, userId, password) });
  } else if (typeof values.code === 'string' && (values.proofVerifier || defaultVerifier)) {
    const code = values.code;
    reason = 'code';
    verifier = (values.proofVerifier || defaultVerifier) as string;
    check = () => codeMatches(services, ctx, user, verifier, code);
  } else {
    throw new TwoFactorError(ERROR_CODES.REAUTH_REQUIRED);
  }
  const result = await checkCode(
    services,
    {
      scope: 'proof',
      userId,
      settings,
      verifier,
      detail: { during: 'proof' },
      info: requestInfo(ctx),
      reuseIsMiss: true,
      missError: (attemptsLeft, reused) => new TwoFactorError(ERROR_CODES.REAUTH_REQUIRED, { reason: reused ? 'reused' : reason, attemptsLeft }),
    },
    check,
  );
  await result.afterSuccess?.();
}
