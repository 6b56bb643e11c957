/**
 * The `totp` verification type as plugin-verification sees it, so it is listed under
 * Settings → Verification and is eligible for the `two-factor` scene. Binding happens only
 * through our flows (design §6); its own bind page gets TWO_FACTOR_USE_TWO_FACTOR_PAGE.
 */
import { Verification } from '@nocobase/plugin-verification';
import { ERROR_CODES } from '../../../constants';
import { TwoFactorError } from '../../errors';
import { assertCanTry, checkCode } from '../../flows/code-check';
import { requestInfo } from '../../request';
import { servicesOf } from '../../services';
import { totpFactor } from './factor';

export class TOTPVerification extends Verification {
  /** Used when another scene asks for a TOTP code of a signed-in user: the one code-check path, proof scope. */
  async verify({ userId, verifyParams }: { userId: number; verifyParams?: any }) {
    const services = servicesOf(this.ctx.app);
    await assertCanTry(services, 'proof', userId);
    const user: any = await services.app.db.getRepository('users').findOne({ filterByTk: userId });
    if (!user || !(await services.verifiers.findBinding(userId, this.verifier.name))) throw new TwoFactorError(ERROR_CODES.NOT_BOUND);
    const code = verifyParams?.code;
    const verifier = { name: this.verifier.name, title: this.verifier.title, verificationType: this.verifier.verificationType, options: this.options || {} };
    const result = await checkCode(
      services,
      { scope: 'proof', userId, settings: await services.settings.get(), verifier: verifier.name, detail: { during: 'verification scene' }, info: requestInfo(this.ctx) },
      async () => (typeof code === 'string' ? totpFactor.verifyCheck({ deps: services, ctx: this.ctx, user, verifier }, code) : { ok: false }),
    );
    await result.afterSuccess?.();
    return { step: result.step };
  }

  async bind(): Promise<{ uuid: string; meta?: any }> {
    throw new TwoFactorError(ERROR_CODES.USE_TWO_FACTOR_PAGE);
  }
}
