/**
 * A password sign-in answered with a challenge (`code: 302`, design §4.2) goes to /2fa: the
 * challenge is kept in sessionStorage and the browser sent on, keeping the sign-in page's
 * `?redirect=` as long as it is a path of this app (F4). Both clients install it on their app's
 * API client (one SDK): the base path is "/" in v1 and "/v/" in v2, so v2 lands on /v/2fa.
 */
import type { HostApp as Application } from './shared/host';
import { publicPath } from './shared/format';
import { writePending } from './shared/pending';
import { AFTER_SIGN_IN, appPath, safeRedirect } from './shared/redirect';

const SIGN_IN = /(^|\/)auth:signIn(\?|$)/;

export function interceptSignIn(app: Application) {
  app.apiClient.axios.interceptors.response.use((res: any) => {
    const body = res?.data?.data;
    if (!SIGN_IN.test(res?.config?.url || '') || body?.code !== 302 || !body?.twoFactor?.token) return res;
    const headers = res.config?.headers || {};
    const authenticator = headers['X-Authenticator'] || headers['x-authenticator'] || 'basic';
    writePending({ ...body.twoFactor, authenticator });
    const base = publicPath(app);
    // v2's sign-in page names its redirect with the basename ("/v/admin"), v1's without ("/admin").
    const asked = new URLSearchParams(window.location.search).get('redirect');
    const redirect = safeRedirect(asked && appPath(asked, base), window.location.origin, base, AFTER_SIGN_IN);
    window.location.href = `${base}2fa?redirect=${encodeURIComponent(appPath(redirect, base))}`;
    // The sign-in form neither stores a token nor navigates: the page is leaving.
    return new Promise(() => {});
  });
}
