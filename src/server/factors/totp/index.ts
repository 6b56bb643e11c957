/** The `totp` factor type (authenticator apps), as registered by `plugin.ts`. */
import { FACTOR_TYPES } from '../../../constants';
import type { FactorDescriptor } from '../types';
import { totpFactor } from './factor';
import { totpOptionProblems } from './totp';
import { TOTPVerification } from './verification';

export const totp: FactorDescriptor = {
  type: FACTOR_TYPES.totp,
  title: 'Authenticator app (TOTP)',
  description: 'Time-based one-time codes from an authenticator app such as Google Authenticator, Microsoft Authenticator or 1Password.',
  verification: TOTPVerification,
  factor: totpFactor,
  optionProblems: totpOptionProblems,
};
