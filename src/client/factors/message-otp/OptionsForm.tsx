/** An email-otp verifier's options under Settings → Verification; ranges from src/shared/limits.ts. */
import React from 'react';
import { EMAIL_OTP_LIMITS } from '../../../shared/limits';
import { OptionFields } from '../../shared/host';
import { useT } from '../../shared/i18n';
import type { OptionField } from '../../shared/option-fields';

const range = (limit: { min: number; max: number; default: number }) => ({ default: limit.default, min: limit.min, max: limit.max });

export function EmailOptionsForm() {
  const t = useT();
  const L = EMAIL_OTP_LIMITS;
  const fields: OptionField[] = [
    {
      name: 'channel',
      label: t('Email channel'),
      kind: 'remote-select',
      required: true,
      remote: { resource: 'notificationChannels', filter: { notificationType: 'email' }, label: 'title', value: 'name' },
      help: t('A notification channel of type Email (Settings → Notification manager).'),
    },
    {
      name: 'ownAddressOnly',
      label: t('Only the account’s email address at sign-in'),
      kind: 'checkbox',
      help: t('While setting up at sign-in, codes go only to the email address of the account. Signed-in users who confirm their password may still add another address.'),
    },
    { name: 'codeLength', label: t('Code length'), kind: 'number', ...range(L.codeLength) },
    { name: 'lifetime', label: t('Code lifetime (seconds)'), kind: 'number', ...range(L.lifetime) },
    { name: 'resendInterval', label: t('Resend interval (seconds)'), kind: 'number', ...range(L.resendInterval) },
    { name: 'subject', label: t('Subject'), kind: 'text', maxLength: L.subjectMaxLength, help: t('Leave empty for the default, translated to the user’s language.') },
    {
      name: 'body',
      label: t('Message'),
      kind: 'textarea',
      maxLength: L.bodyMaxLength,
      help: t('Placeholders: {{code}}, {{minutes}} and {{email}}. Leave empty for the default.', { code: '{{code}}', minutes: '{{minutes}}', email: '{{email}}' }),
    },
  ];
  return <OptionFields fields={fields} />;
}
