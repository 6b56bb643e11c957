/**
 * Client side of open2fa (v1 client): the `/2fa` sign-in step and the interceptor that sends a
 * challenged password sign-in there; the admin tab under Settings → Authentication; the
 * personal-center item; and our verification types' forms in plugin-verification's registry.
 */
import React, { lazy, Suspense } from 'react';
import { Card, message } from 'antd';
import { Plugin } from '@nocobase/client';
import { ACL_SNIPPET, NAMESPACE } from '../constants';
import { registerVerificationTypes } from './factors/plugin-verification';
import { translator } from './shared/i18n';
import { takeFlash } from './shared/pending';
import { interceptSignIn } from './sign-in-interceptor';
import { TwoFactorPage } from './two-factor-page';
import { TwoFactorMenuItem } from './user-center';

const Settings = lazy(() => import('./settings'));

function SettingsTab() {
  return (
    <Suspense fallback={<Card bordered={false} loading />}>
      <Settings />
    </Suspense>
  );
}

export class PluginTwoFactorAuthClient extends Plugin {
  async load() {
    const t = translator(this.app);
    this.app.router.add('auth.two-factor', { path: '/2fa', Component: TwoFactorPage, skipAuthCheck: true });
    this.app.pluginSettingsManager.add('auth.two-factor', {
      title: t('Two-factor authentication'),
      icon: 'SafetyCertificateOutlined',
      Component: SettingsTab,
      aclSnippet: ACL_SNIPPET,
      sort: 2,
    });
    this.app.addUserCenterSettingsItem({ name: 'two-factor', Component: TwoFactorMenuItem, sort: 160 });
    registerVerificationTypes(this.app);
    interceptSignIn(this.app);

    // A message left by /2fa when it sent the user back (expired challenge, …).
    const flash = takeFlash();
    if (flash) setTimeout(() => message.warning(flash, 6), 800);
  }
}

export default PluginTwoFactorAuthClient;
export { NAMESPACE };
