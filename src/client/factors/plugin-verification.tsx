/**
 * Our verification types in plugin-verification's client registry: the verifier options form
 * under Settings → Verification (`AdminSettingsForm`), the code form its unbind dialog shows
 * (`VerificationForm`), and, in its bind dialog (`BindForm`), a pointer to our own setup.
 */
import React, { useRef } from 'react';
import { Alert, Button } from 'antd';
import { Application, SchemaComponent } from '@nocobase/client';
import { useT } from '../shared/i18n';
import { openPersonalCenter } from '../shared/personal-center';
import { OWN_FACTOR_UIS } from './index';
import { field } from './schema-field';

function CodeVerificationForm() {
  const t = useT();
  return <SchemaComponent schema={{ type: 'void', properties: { code: field(t('Verification code'), 'Input', { required: true, 'x-component-props': { autoComplete: 'one-time-code' } }) } }} />;
}

/**
 * Our types are managed in our personal-center item only: in plugin-verification's bind dialog
 * they show where, with a button that closes the dialog and opens that item. The dialog's own
 * Bind button is hidden (the server would refuse it: TWO_FACTOR_USE_TWO_FACTOR_PAGE).
 */
function UseOurPage() {
  const t = useT();
  const ref = useRef<HTMLDivElement>(null);
  return (
    <div ref={ref} data-open2fa-pointer="" data-testid="two-factor-pointer">
      <style>{'.ant-modal-content:has([data-open2fa-pointer]) .ant-modal-footer { display: none; }'}</style>
      <Alert
        type="info"
        showIcon
        message={t('Set this up under Two-factor authentication')}
        description={t('Authenticator apps, email codes and security keys for signing in are managed there, with your backup codes and trusted devices.')}
        action={
          <Button
            type="primary"
            data-testid="two-factor-pointer-open"
            onClick={() => {
              (ref.current?.closest('.ant-modal-content')?.querySelector('.ant-modal-close') as HTMLElement | null)?.click();
              openPersonalCenter();
            }}
          >
            {t('Open')}
          </Button>
        }
      />
    </div>
  );
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
