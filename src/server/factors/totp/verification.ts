/**
 * The `totp` verification type as plugin-verification sees it, so it is listed under
 * Settings → Verification and is eligible for the `two-factor` scene. Binding happens only
 * through our flows (design §6); its own bind page gets TWO_FACTOR_USE_TWO_FACTOR_PAGE.
 */
import { Verification } from '@nocobase/plugin-verification';
import { ERROR_CODES } from '../../../constants';
import { TwoFactorError } from '../../errors';
import { servicesOf } from '../../registry';
import { readBoundSecret } from './index';
import { matchStep, totpOptions } from './totp';

export class TOTPVerification extends Verification {
  /** Used when another scene asks for a TOTP code of a signed-in user. */
  async verify({ userId, verifyParams }: { userId: number; verifyParams?: any }) {
    const services = servicesOf(this.ctx.app);
    const settings = await services.settings.get();
    await services.attempts.assertNotLocked(userId, 'proof');
    const code = verifyParams?.code;
    const found = await readBoundSecret(services, userId, this.verifier.name);
    if (!found) throw new TwoFactorError(ERROR_CODES.NOT_BOUND);
    const step = typeof code === 'string' ? matchStep(found.secret, code, totpOptions(this.options)) : null;
    if (step === null) {
      const outcome = await services.attempts.recordFailure({ userId, settings, scope: 'proof' });
      throw new TwoFactorError(ERROR_CODES.INVALID_CODE, { attemptsLeft: outcome.attemptsLeft });
    }
    if (!(await services.attempts.claimStep(userId, this.verifier.name, step))) {
      throw new TwoFactorError(ERROR_CODES.CODE_REUSED);
    }
    await services.attempts.recordSuccess(userId, 'proof');
    return { step };
  }

  async bind(): Promise<{ uuid: string; meta?: any }> {
    throw new TwoFactorError(ERROR_CODES.USE_TWO_FACTOR_PAGE);
  }
}
