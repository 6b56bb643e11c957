/**
 * `email-otp` as plugin-verification sees it: listed under Settings → Verification, eligible for
 * 2FA. Binding and codes go through our flows only.
 */
import { Verification } from '@nocobase/plugin-verification';
import { ERROR_CODES } from '../../../constants';
import { TwoFactorError } from '../../errors';
import { maskEmail } from './engine';

export class EmailOTPVerification extends Verification {
  async verify(): Promise<any> {
    throw new TwoFactorError(ERROR_CODES.USE_TWO_FACTOR_PAGE);
  }

  async bind(): Promise<{ uuid: string; meta?: any }> {
    throw new TwoFactorError(ERROR_CODES.USE_TWO_FACTOR_PAGE);
  }

  async getPublicBoundInfo(userId: number) {
    const binding: any = await this.getBoundInfo(userId);
    return binding ? { bound: true, publicInfo: maskEmail(binding.uuid ?? binding.get?.('uuid')) } : { bound: false };
  }
}
