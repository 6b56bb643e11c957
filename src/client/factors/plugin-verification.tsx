/**
 * Our verification types in plugin-verification's client registry: the verifier options form
 * under Settings → Verification (`AdminSettingsForm`), the code form its unbind dialog shows
 * (`VerificationForm`), and, in its bind dialog (`BindForm`), a pointer to our own setup.
 */
import React from 'react';
import { Application, SchemaComponent } from '@nocobase/client';
import { useT } from '../shared/i18n';
import { openPersonalCenter } from '../shared/personal-center';
import { OWN_FACTOR_UIS } from './index';
import { ManageOnOurPage, PersonalCenterPointer } from './pointer';
import { field } from './schema-field';

function CodeVerificationForm() {
  const t = useT();
  return <SchemaComponent schema={{ type: 'void', properties: { code: field(t('Verification code'), 'Input', { required: true, 'x-component-props': { autoComplete: 'one-time-code' } }) } }} />;
}

const UseOurPage = () => <PersonalCenterPointer onOpen={openPersonalCenter} />;

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
