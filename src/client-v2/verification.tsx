/**
 * Our verification types in plugin-verification's v2 registry (which holds loaders): the verifier
 * options form under Settings → Verification, the code form its unbind dialog shows, and, in place
 * of a bind form on its Verification page, a pointer to our own setup (the one place to manage our
 * types), with a button that opens it.
 */
import React from 'react';
import { Alert, Button, Form, Input, Space } from 'antd';
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

function UseOurPage() {
  const t = useT();
  const ctx = useFlowContext();
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="two-factor-pointer">
      <Alert type="info" showIcon message={t('Set this up in the personal center: Two-factor authentication.')} />
      <Button type="primary" onClick={() => openTwoFactorDrawer(ctx.viewer, t)}>
        {t('Two-factor authentication')}
      </Button>
    </Space>
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
