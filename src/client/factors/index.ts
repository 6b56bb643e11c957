/**
 * Factor type → the client's panels for it. Our own types each have a folder here; any other
 * type is drawn with the forms its plugin registered with plugin-verification (./third-party).
 */
import { FACTOR_TYPES } from '../../constants';
import { emailOtpUi, smsOtpUi } from './message-otp';
import { thirdPartyUi } from './third-party';
import { totpUi } from './totp';
import type { FactorUi } from './types';
import { webauthnUi } from './webauthn';

export const OWN_FACTOR_UIS: Record<string, FactorUi> = {
  [FACTOR_TYPES.totp]: totpUi,
  [FACTOR_TYPES.emailOtp]: emailOtpUi,
  [FACTOR_TYPES.smsOtp]: smsOtpUi,
  [FACTOR_TYPES.webauthn]: webauthnUi,
};

export function factorUi(type: string | undefined): FactorUi {
  return (type && OWN_FACTOR_UIS[type]) || thirdPartyUi;
}

export type { BindPanelProps, CodeValues, CredentialsProps, FactorUi, VerifyPanelProps } from './types';
