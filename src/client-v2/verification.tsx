/**
 * Our verification types in plugin-verification's v2 registry (which holds loaders): the verifier
 * options form under Settings → Verification, the code form its unbind dialog shows, and, in place
 * of a bind form on its Verification page, a pointer to our own setup (the one place to manage our
 * types), with a button that opens it — as the v1 registry does (src/client/factors/plugin-verification.tsx).
 */
import React, { useRef } from 'react';
import { Alert, Button, Form, Input } from 'antd';
import { useFlowContext } from '@nocobase/flow-engine';
import { OWN_FACTOR_UIS } from '../client/factors';
import type { HostApp } from '../client/shared/host';
import { useT } from '../client/shared/i18n';
import { openTwoFactorDrawer } from './drawer';

function CodeVerificationForm() {
  const t = useT();
  return (
    <Form.Item name="code" label={t('Verification code')} rules={[{ required: true }]}>
      <Input autoComplete="one-time-code" />
    </Form.Item>
  );
}

/**
 * Our types are managed in our personal-center item only (as in v1): plugin-verification's bind
 * dialog shows where, with a button that closes the dialog and opens our drawer; the dialog's own
 * Bind button is hidden (the server would refuse it: TWO_FACTOR_USE_TWO_FACTOR_PAGE).
 */
function UseOurPage() {
  const t = useT();
  const ctx = useFlowContext();
  const ref = useRef<HTMLDivElement>(null);
  return (
    <div ref={ref} data-open2fa-pointer="" data-testid="two-factor-pointer">
      <style>{'.ant-modal-content:has([data-open2fa-pointer]) .ant-modal-footer, .ant-modal-content:has([data-open2fa-pointer]) .ant-btn-primary[type=submit] { display: none; }'}</style>
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
              openTwoFactorDrawer(ctx.viewer, t);
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

const loader = (Component: React.ComponentType<any>) => async () => ({ default: Component });

export function registerVerificationTypesV2(app: HostApp) {
  const manager = app.pm.get('verification')?.verificationManager;
  if (!manager) return;
  for (const [type, ui] of Object.entries(OWN_FACTOR_UIS)) {
    // Types with no options form of ours (sms-otp) are plugin-verification's own.
    if (!ui.OptionsForm || manager.getVerification(type)) continue;
    manager.registerVerificationType(type, {
      components: {
        AdminSettingsFormLoader: loader(ui.OptionsForm),
        VerificationFormLoader: loader(ui.noCode ? ManageOnOurPage : CodeVerificationForm),
        BindFormLoader: loader(UseOurPage),
      },
    });
  }
}
