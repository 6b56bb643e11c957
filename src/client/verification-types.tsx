/**
 * Our verification types in plugin-verification's client registry: the verifier options form
 * under Settings → Verification (`AdminSettingsForm`), the code form its unbind dialog shows
 * (`VerificationForm`), and a pointer to our own setup for its bind dialog (`BindForm`).
 */
import React from 'react';
import { Alert } from 'antd';
import { SchemaComponent } from '@nocobase/client';
import { FACTOR_TYPES } from '../constants';
import type { T } from './shared';

/** Texts are translated when the form renders; descriptions are elements, so `{{…}}` in them stays text. */
const field = (title: string, component: string, extra: Record<string, unknown> = {}) => ({
  type: 'string',
  title,
  'x-decorator': 'FormItem',
  'x-component': component,
  ...extra,
});
const note = (text: string) => <span>{text}</span>;

const totpOptions = (tt: T) => ({
  algorithm: field(tt('Algorithm'), 'Select', {
    default: 'SHA1',
    enum: ['SHA1', 'SHA256', 'SHA512'].map((v) => ({ value: v, label: v })),
    description: note(tt('SHA1 works with every authenticator app; some apps ignore other algorithms.')),
  }),
  digits: field(tt('Digits'), 'Radio.Group', { type: 'number', default: 6, enum: [{ value: 6, label: '6' }, { value: 8, label: '8' }] }),
  period: field(tt('Period (seconds)'), 'InputNumber', { type: 'number', default: 30, 'x-component-props': { min: 15, max: 120, precision: 0 } }),
  window: field(tt('Accepted clock drift (steps)'), 'InputNumber', {
    type: 'number',
    default: 1,
    'x-component-props': { min: 0, max: 5, precision: 0 },
    description: note(tt('How many periods before and after the current one are accepted.')),
  }),
  issuer: field(tt('Issuer shown in the app'), 'Input', { 'x-component-props': { maxLength: 100 }, description: note(tt('Defaults to the system title.')) }),
});

const emailOptions = (tt: T) => ({
  channel: field(tt('Email channel'), 'RemoteSelect', {
    required: true,
    'x-component-props': {
      manual: false,
      fieldNames: { label: 'title', value: 'name' },
      service: { resource: 'notificationChannels', params: { filter: { notificationType: 'email' } } },
    },
    description: note(tt('A notification channel of type Email (Settings → Notification manager).')),
  }),
  codeLength: field(tt('Code length'), 'InputNumber', { type: 'number', default: 6, 'x-component-props': { min: 4, max: 10, precision: 0 } }),
  lifetime: field(tt('Code lifetime (seconds)'), 'InputNumber', { type: 'number', default: 600, 'x-component-props': { min: 60, max: 3600, precision: 0 } }),
  resendInterval: field(tt('Resend interval (seconds)'), 'InputNumber', { type: 'number', default: 60, 'x-component-props': { min: 10, max: 600, precision: 0 } }),
  subject: field(tt('Subject'), 'Input', { 'x-component-props': { maxLength: 200 }, description: note(tt('Leave empty for the default, translated to the user’s language.')) }),
  body: field(tt('Message'), 'Input.TextArea', {
    'x-component-props': { maxLength: 5000, autoSize: { minRows: 3 } },
    description: note(tt('Placeholders: {{code}}, {{minutes}} and {{email}}. Leave empty for the default.', { code: '{{code}}', minutes: '{{minutes}}', email: '{{email}}' })),
  }),
});

export function registerVerificationTypes(app: any, t: T) {
  function optionsForm(properties: (tt: T) => Record<string, unknown>) {
    return function AdminSettingsForm() {
      return <SchemaComponent schema={{ type: 'void', properties: properties(t) }} />;
    };
  }
  function CodeVerificationForm() {
    return <SchemaComponent schema={{ type: 'void', properties: { code: field(t('Verification code'), 'Input', { required: true, 'x-component-props': { autoComplete: 'one-time-code' } }) } }} />;
  }

  const manager = app.pm.get('verification')?.verificationManager;
  if (!manager) return;
  const UseOurPage = () => <Alert type="info" showIcon message={t('Set this up in the personal center: Two-factor authentication.')} />;
  for (const [type, properties] of [
    [FACTOR_TYPES.totp, totpOptions],
    [FACTOR_TYPES.emailOtp, emailOptions],
  ] as const) {
    if (manager.getVerification(type)) continue;
    manager.registerVerificationType(type, {
      components: { AdminSettingsForm: optionsForm(properties), VerificationForm: CodeVerificationForm, BindForm: UseOurPage },
    });
  }
}
