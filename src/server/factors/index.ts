/** Every factor type this plugin ships; `plugin.ts` registers each in one loop. */
import type { VerificationManager } from '@nocobase/plugin-verification';
import { emailOtp, smsOtp } from './message-otp';
import { FactorRegistry } from './registry';
import { thirdPartyFactor } from './third-party';
import { totp } from './totp';
import type { FactorDescriptor } from './types';
import { webauthn } from './webauthn';

export const FACTORS: FactorDescriptor[] = [totp, emailOtp, smsOtp, webauthn];

/** Our factor types, and other plugins' verification types through their own bind and verify. */
export function createFactorRegistry(manager: VerificationManager) {
  const registry = new FactorRegistry((type) => (manager.verificationTypes.get(type) ? thirdPartyFactor(manager, type) : undefined));
  for (const descriptor of FACTORS) registry.register(descriptor.factor);
  return registry;
}
