import { Plugin } from '@nocobase/client';
import { message } from 'antd';
import { ACL_SNIPPET, NAMESPACE } from '../constants';
import { createTwoFactorSettingsPage } from './admin/TwoFactorSettingsPage';
import { PENDING_KEY } from './api';
import { translator } from './shared';
import { createTwoFactorPage, FLASH_KEY } from './two-factor-page/TwoFactorPage';
import { createTwoFactorMe } from './user-center/TwoFactorMe';
import { registerVerificationTypes } from './verification-types';

const SIGN_IN = /(^|\/)auth:signIn(\?|$)/;

/**
 * Client side of open2fa (v1 client): the `/2fa` sign-in step and the response interceptor that
 * sends a password sign-in answered with a challenge (`code: 302`) there, keeping `?redirect=`;
 * the admin tab under Settings → Authentication; the personal-center item; and our verification
 * types' forms in plugin-verification's registry.
 */
export class PluginTwoFactorAuthClient extends Plugin {
  async load() {
    const t = translator(this.app);
    this.app.router.add('auth.two-factor', { path: '/2fa', Component: createTwoFactorPage(this.app), skipAuthCheck: true });
    this.app.pluginSettingsManager.add('auth.two-factor', {
      title: t('Two-factor authentication'),
      icon: 'SafetyCertificateOutlined',
      Component: createTwoFactorSettingsPage(this.app),
      aclSnippet: ACL_SNIPPET,
      sort: 2,
    });
    this.app.addUserCenterSettingsItem({ name: 'two-factor', Component: createTwoFactorMe(this.app), sort: 160 });
    registerVerificationTypes(this.app, t);

    this.app.apiClient.axios.interceptors.response.use((res: any) => {
      const body = res?.data?.data;
      if (SIGN_IN.test(res?.config?.url || '') && body?.code === 302 && body?.twoFactor?.token) {
        const headers = res.config?.headers || {};
        const authenticator = headers['X-Authenticator'] || headers['x-authenticator'] || 'basic';
        sessionStorage.setItem(PENDING_KEY, JSON.stringify({ ...body.twoFactor, authenticator }));
        const redirect = new URLSearchParams(window.location.search).get('redirect') || '/admin';
        const base = String(this.app.getPublicPath?.() || '/').replace(/\/?$/, '/');
        window.location.href = `${base}2fa?redirect=${encodeURIComponent(redirect)}`;
        // The sign-in form neither stores a token nor navigates: the page is leaving.
        return new Promise(() => {});
      }
      return res;
    });

    // A message left by /2fa when it sent the user back (expired challenge, …).
    const flash = sessionStorage.getItem(FLASH_KEY);
    if (flash) {
      sessionStorage.removeItem(FLASH_KEY);
      setTimeout(() => message.warning(flash, 6), 800);
    }
  }
}

export default PluginTwoFactorAuthClient;
export { NAMESPACE };
