/** The pending challenge between the sign-in page and /2fa, and the calls that carry it. */
import { apiCaller } from './shared';

export const PENDING_KEY = 'open2fa:pending';
export const CHALLENGE_HEADER = 'X-Two-Factor-Token';

export interface Pending {
  token: string;
  stage: 'verify' | 'bind';
  expiresAt: string;
  skippableUntil: string | null;
  authenticator: string;
}

export function readPending(): Pending | null {
  try {
    const raw = sessionStorage.getItem(PENDING_KEY);
    return raw ? (JSON.parse(raw) as Pending) : null;
  } catch {
    return null;
  }
}

export function clearPending() {
  sessionStorage.removeItem(PENDING_KEY);
}

/** `twoFactor:<action>` with the challenge header and no session. */
export function twoFactorCall(app: any, token: string) {
  const call = apiCaller(app, { [CHALLENGE_HEADER]: token }, true);
  return <T = any>(action: string, values?: Record<string, unknown>) => call<T>(`twoFactor:${action}`, values);
}
