/**
 * plugin-verification's `sms-otp` verifiers as a 2FA factor: its providers deliver, our OTP engine
 * makes, stores (hashed) and checks the codes.
 */
import { FACTOR_TYPES } from '../../../constants';
import type { VerifierInfo } from '../../verifiers';
import { maskPhone } from './engine';
import { Delivery, intOption, messageFactor } from './factor';

const PHONE = /^\+?[0-9][0-9 ()-]{5,30}$/;

export const smsDelivery: Delivery = {
  type: FACTOR_TYPES.smsOtp,
  defaultReceiver: (user) => user.get('phone') || null,
  isValidReceiver: (r) => PHONE.test(r),
  mask: maskPhone,
  otpOptions: (verifier: VerifierInfo) => ({
    codeLength: intOption(verifier.options?.codeLength, 6, 6, 10),
    lifetime: intOption(verifier.options?.lifetime, 300, 60, 3600),
    resendInterval: intOption(verifier.options?.resendInterval, 60, 10, 600),
  }),

  async send({ deps, ctx, verifier, receiver, code }) {
    const manager = (deps.app.pm.get('verification') as any).verificationManager;
    const SMSVerification = manager.getVerification(FACTOR_TYPES.smsOtp);
    const provider = await new SMSVerification({ ctx, verifier, options: verifier.options }).getProvider();
    if (!provider) throw new Error('no SMS provider is configured for this verifier');
    await provider.send(receiver, { code });
  },
};

export const smsOtpFactor = messageFactor(smsDelivery);
