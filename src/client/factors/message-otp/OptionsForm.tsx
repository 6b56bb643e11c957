/** An email-otp verifier's options under Settings → Verification; ranges from src/shared/limits.ts. */
import React from 'react';
import { SchemaComponent } from '@nocobase/client';
import { EMAIL_OTP_LIMITS } from '../../../shared/limits';
import { useT } from '../../shared/i18n';
import { field, note } from '../schema-field';

const range = (limit: { min: number; max: number; default: number }) => ({
  type: 'number',
  default: limit.default,
  'x-component-props': { min: limit.min, max: limit.max, precision: 0 },
});

export function EmailOptionsForm() {
  const t = useT();
  const L = EMAIL_OTP_LIMITS;
  const properties = {
    channel: field(t('Email channel'), 'RemoteSelect', {
      required: true,
      'x-component-props': {
        manual: false,
        fieldNames: { label: 'title', value: 'name' },
        service: { resource: 'notificationChannels', params: { filter: { notificationType: 'email' } } },
      },
      description: note(t('A notification channel of type Email (Settings → Notification manager).')),
    }),
    ownAddressOnly: field(t('Only the account’s email address at sign-in'), 'Checkbox', {
      type: 'boolean',
      description: note(t('While setting up at sign-in, codes go only to the email address of the account. Signed-in users who confirm their password may still add another address.')),
    }),
    codeLength: field(t('Code length'), 'InputNumber', range(L.codeLength)),
    lifetime: field(t('Code lifetime (seconds)'), 'InputNumber', range(L.lifetime)),
    resendInterval: field(t('Resend interval (seconds)'), 'InputNumber', range(L.resendInterval)),
    subject: field(t('Subject'), 'Input', {
      'x-component-props': { maxLength: L.subjectMaxLength },
      description: note(t('Leave empty for the default, translated to the user’s language.')),
    }),
    body: field(t('Message'), 'Input.TextArea', {
      'x-component-props': { maxLength: L.bodyMaxLength, autoSize: { minRows: 3 } },
      description: note(t('Placeholders: {{code}}, {{minutes}} and {{email}}. Leave empty for the default.', { code: '{{code}}', minutes: '{{minutes}}', email: '{{email}}' })),
    }),
  };
  return <SchemaComponent schema={{ type: 'void', properties }} />;
}
