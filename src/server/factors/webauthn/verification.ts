/**
 * The `webauthn` verification type as plugin-verification sees it, so it is listed under
 * Settings → Verification and is eligible for the `two-factor` scene. Keys are registered and
 * used only through our flows (a ceremony needs its options first); plugin-verification's own
 * bind page gets TWO_FACTOR_USE_TWO_FACTOR_PAGE, and other scenes can't verify with it.
 */
import { Verification } from '@nocobase/plugin-verification';
import { ERROR_CODES } from '../../../constants';
import { TwoFactorError } from '../../errors';

export class WebAuthnVerification extends Verification {
  async verify(): Promise<never> {
    throw new TwoFactorError(ERROR_CODES.VERIFIER_NOT_ALLOWED, { reason: 'webauthn_needs_ceremony' });
  }

  async bind(): Promise<{ uuid: string; meta?: any }> {
    throw new TwoFactorError(ERROR_CODES.USE_TWO_FACTOR_PAGE);
  }
}
