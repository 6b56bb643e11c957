/**
 * plugin-verification's `sms-otp` verifiers as a 2FA factor: its providers deliver, our OTP engine
 * makes, stores (hashed) and checks the codes.
 */
import { FACTOR_TYPES } from '../../../constants';
import { SMS_OTP_LIMITS } from '../../../shared/limits';
import type { VerifierInfo } from '../../verifiers';
import { maskPhone } from './engine';
import { Delivery, intOption, messageFactor } from './factor';

const PHONE = /^\+?[0-9][0-9 ()-]{5,30}$/;

export const smsDelivery: Delivery = {
  type: FACTOR_TYPES.smsOtp,
  defaultReceiver: (user) => user.get('phone') || null,
  isValidReceiver: (r) => PHONE.test(r),
  mask: maskPhone,
  otpOptions: (verifier: VerifierInfo) => {
    const L = SMS_OTP_LIMITS;
    return {
      // An old verifier with fewer digits than the minimum gets the default (design §5).
      codeLength: intOption(verifier.options?.codeLength, L.codeLength.default, L.codeLength.min, L.codeLength.max),
      lifetime: intOption(verifier.options?.lifetime, L.lifetime.default, L.lifetime.min, L.lifetime.max),
      resendInterval: intOption(verifier.options?.resendInterval, L.resendInterval.default, L.resendInterval.min, L.resendInterval.max),
    };
  },

  async send({ deps, ctx, verifier, receiver, code }) {
    const manager = (deps.app.pm.get('verification') as any).verificationManager;
    const SMSVerification = manager.getVerification(FACTOR_TYPES.smsOtp);
    const provider = await new SMSVerification({ ctx, verifier, options: verifier.options }).getProvider();
    if (!provider) throw new Error('no SMS provider is configured for this verifier');
    await provider.send(receiver, { code });
  },
};

export const smsOtpFactor = messageFactor(smsDelivery);
