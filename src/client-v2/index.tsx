/**
 * Client side of open2fa in NocoBase's v2 client (served at /v/): only the shell differs from v1
 * (src/client/index.tsx). It registers the same screens — the /2fa step, the admin tab, the
 * personal-center drawer — through v2's router, settings manager and user-center models, puts our
 * verification types into plugin-verification's v2 registry, and installs the v1 sign-in
 * interceptor unchanged on the v2 app's API client (both clients use one SDK).
 */
import React, { lazy, Suspense } from 'react';
import { Card, message } from 'antd';
import { Plugin, UserCenterActionItemModel } from '@nocobase/client-v2';
import { ACL_SNIPPET, NAMESPACE } from '../constants';
import { translator } from '../client/shared/i18n';
import { takeFlash } from '../client/shared/pending';
import { interceptSignIn } from '../client/sign-in-interceptor';
import { TwoFactorPage } from '../client/two-factor-page';
import { openTwoFactorDrawer } from './drawer';
import { registerVerificationTypesV2 } from './verification';

const Settings = lazy(() => import('../client/settings'));

function SettingsTab() {
  return (
    <Suspense fallback={<Card bordered={false} loading />}>
      <Settings />
    </Suspense>
  );
}

/** Personal center → "Two-factor authentication": opens the same drawer as in v1. */
export class TwoFactorUserCenterItemModel extends UserCenterActionItemModel {
  static itemId = 'two-factor';
  section = 'profile' as const;
  // Right after core's "Verification" (150), as in v1.
  sort = 160;
  label = 'Two-factor authentication';

  private tr(key: string) {
    return this.context.t(key, { ns: [NAMESPACE, 'client'], nsMode: 'fallback' });
  }

  getLabelNode() {
    return this.tr('Two-factor authentication');
  }

  async onClick() {
    openTwoFactorDrawer(this.context.viewer, (key) => this.tr(key));
  }
}

export class PluginTwoFactorAuthClientV2 extends Plugin {
  async load() {
    const t = translator(this.app);
    this.router.add('auth.two-factor', { path: '/2fa', Component: TwoFactorPage, skipAuthCheck: true });
    // plugin-auth adds the "auth" menu; plugins load in the order the server lists them, so make
    // sure it exists before adding our tab (plugin-auth's own call merges over this one).
    if (!(this.pluginSettingsManager as { menus?: Record<string, unknown> }).menus?.auth) {
      const title = this.app.i18n.t('Authentication', { ns: ['@nocobase/plugin-auth', 'client'] });
      this.pluginSettingsManager.addMenuItem({ key: 'auth', title, icon: 'LoginOutlined', aclSnippet: 'pm.auth' });
    }
    this.pluginSettingsManager.addPageTabItem({
      menuKey: 'auth',
      key: 'two-factor',
      title: t('Two-factor authentication'),
      icon: 'SafetyCertificateOutlined',
      aclSnippet: ACL_SNIPPET,
      sort: 2,
      Component: SettingsTab,
    });
    this.app.flowEngine.registerModels({ TwoFactorUserCenterItemModel });
    registerVerificationTypesV2(this.app);
    interceptSignIn(this.app);

    // A message left by /2fa when it sent the user back (expired challenge, …).
    const flash = takeFlash();
    if (flash) setTimeout(() => message.warning(flash, 6), 800);
  }
}

export default PluginTwoFactorAuthClientV2;
export { NAMESPACE };
