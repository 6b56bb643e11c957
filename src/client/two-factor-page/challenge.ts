/** What the /2fa page works with: the challenge described by the server, and its API client. */
import { useMemo } from 'react';
import { APIClient, useApp } from '../shared/host';
import { RESOURCES, Stage } from '../../constants';
import { apiCaller, Result, VerifierView } from '../shared/api';
import { challengeClient } from '../shared/challenge-client';
import { readPending } from '../shared/pending';

export interface ChallengeInfo {
  stage: Stage;
  expiresAt: string;
  skippableUntil: string | null;
  allowTrustedDevices: boolean;
  trustedDeviceDays: number;
  lockedUntil: string | null;
  verifiers: VerifierView[];
  backupCodes: { remaining: number };
}

/** The normal sign-in body, plus the first backup codes after a first binding. */
export interface Session {
  token: string;
  backupCodes?: string[];
}

export type TwoFactorCall = <R = any>(action: string, values?: Record<string, unknown>) => Promise<Result<R>>;

const onThisPage = () => /\/2fa\/?$/.test(window.location.pathname);

/**
 * The app's API client with the challenge header, for this page's subtree only: the token is
 * read from sessionStorage at each request, and only while the browser is on /2fa.
 */
export function useChallengeClient(): APIClient {
  const app = useApp();
  return useMemo(
    () =>
      challengeClient(app.apiClient, {
        token: () => (onThisPage() ? readPending()?.token || null : null),
        pageHref: () => window.location.href,
      }),
    [app],
  );
}

/** `twoFactor:<action>` over that client, without a session. */
export function useTwoFactorCall(api: APIClient): TwoFactorCall {
  return useMemo(() => {
    const call = apiCaller(api, undefined, true);
    return (action, values) => call(`${RESOURCES.twoFactor}:${action}`, values);
  }, [api]);
}
