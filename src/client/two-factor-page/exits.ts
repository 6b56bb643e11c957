/**
 * The two ways out of /2fa: signed in, to the page the sign-in page was asked for; or back to the
 * sign-in page with a message. Both keep only a path of this app (F4: no open redirect).
 */
import { useMemo } from 'react';
import { useApp } from '../shared/host';
import { publicPath } from '../shared/format';
import { clearPending, leaveFlash, Pending } from '../shared/pending';
import { AFTER_SIGN_IN, appPath, safeRedirect } from '../shared/redirect';
import type { Session } from './challenge';

export interface Exits {
  complete(pending: Pending, session: Session): void;
  /** With a reason, the sign-in page shows it once. */
  backToSignIn(reason?: string): void;
}

export function useExits(): Exits {
  const app = useApp();
  return useMemo(() => {
    const base = publicPath(app);
    const target = () => safeRedirect(new URLSearchParams(window.location.search).get('redirect'), window.location.origin, base, AFTER_SIGN_IN);
    return {
      complete(pending, session) {
        clearPending();
        app.apiClient.auth.setAuthenticator?.(pending.authenticator);
        app.apiClient.auth.setToken(session.token);
        window.location.replace(target());
      },
      backToSignIn(reason) {
        clearPending();
        if (reason) leaveFlash(reason);
        window.location.replace(`${base}signin?redirect=${encodeURIComponent(appPath(target(), base))}`);
      },
    };
  }, [app]);
}
