/**
 * Our verification types in plugin-verification's client registry: the verifier options form
 * under Settings → Verification (`AdminSettingsForm`), the code form its unbind dialog shows
 * (`VerificationForm`), and, in its bind dialog (`BindForm`), a pointer to our own setup.
 */
import React from 'react';
import { Alert } from 'antd';
import { Application, SchemaComponent } from '@nocobase/client';
import { useT } from '../shared/i18n';
import { OWN_FACTOR_UIS } from './index';
import { field } from './schema-field';

function CodeVerificationForm() {
  const t = useT();
  return <SchemaComponent schema={{ type: 'void', properties: { code: field(t('Verification code'), 'Input', { required: true, 'x-component-props': { autoComplete: 'one-time-code' } }) } }} />;
}

function UseOurPage() {
  const t = useT();
  return <Alert type="info" showIcon message={t('Set this up in the personal center: Two-factor authentication.')} />;
}

/** Types with nothing to type (security keys) are managed on our screens only. */
function ManageOnOurPage() {
  const t = useT();
  return <Alert type="info" showIcon message={t('Manage this in the personal center: Two-factor authentication.')} />;
}

export function registerVerificationTypes(app: Application) {
  const manager = app.pm.get('verification')?.verificationManager;
  if (!manager) return;
  for (const [type, ui] of Object.entries(OWN_FACTOR_UIS)) {
    // Types with no options form of ours (sms-otp) are plugin-verification's own.
    if (!ui.OptionsForm || manager.getVerification(type)) continue;
    manager.registerVerificationType(type, {
      components: { AdminSettingsForm: ui.OptionsForm, VerificationForm: ui.noCode ? ManageOnOurPage : CodeVerificationForm, BindForm: UseOurPage },
    });
  }
}
