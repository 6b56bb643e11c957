/**
 * Codes that travel by message: `email-otp` (ours) and plugin-verification's `sms-otp`. One OTP
 * engine makes, stores (hashed) and checks the codes; each type only delivers them.
 */
import { FACTOR_TYPES } from '../../../constants';
import type { FactorDescriptor } from '../types';
import { emailOtpFactor, emailOtpOptionProblems } from './email';
import { EmailOTPVerification } from './email-verification';
import { smsOtpFactor } from './sms';

export const emailOtp: FactorDescriptor = {
  type: FACTOR_TYPES.emailOtp,
  title: 'Email OTP',
  description: 'One-time codes sent to your email address.',
  verification: EmailOTPVerification,
  factor: emailOtpFactor,
  optionProblems: emailOtpOptionProblems,
};

/** plugin-verification registers the `sms-otp` type itself; we take part with our engine. */
export const smsOtp: FactorDescriptor = {
  type: FACTOR_TYPES.smsOtp,
  factor: smsOtpFactor,
};
