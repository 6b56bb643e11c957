/** The `webauthn` factor type (security keys, passkeys), as registered by `plugin.ts`. */
import { FACTOR_TYPES } from '../../../constants';
import type { FactorDescriptor } from '../types';
import { webauthnFactor } from './factor';
import { webauthnOptionProblems } from './options';
import { WebAuthnVerification } from './verification';

export const webauthn: FactorDescriptor = {
  type: FACTOR_TYPES.webauthn,
  title: 'Security key or passkey (WebAuthn)',
  description: 'A security key (USB, NFC) or a passkey on the device (Touch ID, Windows Hello, Android), which a fake sign-in page cannot relay.',
  verification: WebAuthnVerification,
  factor: webauthnFactor,
  optionProblems: webauthnOptionProblems,
};
