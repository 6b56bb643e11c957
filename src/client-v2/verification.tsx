/**
 * Our verification types in plugin-verification's v2 registry (which holds loaders): the verifier
 * options form under Settings → Verification, the code form its unbind dialog shows, and, in place
 * of a bind form on its Verification page, a pointer to our own setup (the one place to manage our
 * types), with a button that opens it — as the v1 registry does (src/client/factors/plugin-verification.tsx).
 */
import React from 'react';
import { Form, Input } from 'antd';
import { useFlowContext } from '@nocobase/flow-engine';
import { OWN_FACTOR_UIS } from '../client/factors';
import { ManageOnOurPage, PersonalCenterPointer } from '../client/factors/pointer';
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

/** The pointer to our own setup, opening our drawer in v2's viewer. */
function UseOurPage() {
  const t = useT();
  const ctx = useFlowContext();
  return <PersonalCenterPointer onOpen={() => openTwoFactorDrawer(ctx.viewer, t)} />;
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
