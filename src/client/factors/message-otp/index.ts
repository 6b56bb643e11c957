/** Codes sent by message: `email-otp` (ours, with its options form) and plugin-verification's `sms-otp`. */
import type { FactorUi } from '../types';
import { BindPanel } from './BindPanel';
import { EmailOptionsForm } from './OptionsForm';
import { ReceiverField } from './ReceiverField';
import { VerifyPanel } from './VerifyPanel';

export const smsOtpUi: FactorUi = { BindPanel, VerifyPanel, ReceiverField, sendsCodes: true };
export const emailOtpUi: FactorUi = { ...smsOtpUi, OptionsForm: EmailOptionsForm };
