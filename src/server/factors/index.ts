/** Every factor type this plugin ships; `plugin.ts` registers each in one loop. */
import { emailOtp, smsOtp } from './message-otp';
import { totp } from './totp';
import type { FactorDescriptor } from './types';

export const FACTORS: FactorDescriptor[] = [totp, emailOtp, smsOtp];
