/**
 * Calls to the plugin's resources over the app's API client, with errors turned into values, and
 * one translated sentence per error code of src/constants.ts.
 */
import { useMemo } from 'react';
import { APIClient, useAPIClient } from './host';
import { ERROR_CODES } from '../../constants';
import type { T } from './i18n';
import { joinSentences } from './format';

export interface ApiError {
  code?: string;
  message?: string;
  attemptsLeft?: number;
  retryAfter?: number;
  reason?: string;
  field?: string;
  users?: number;
}

export type Result<R> = { ok: true; data: R; meta?: any } | { ok: false; status: number; error: ApiError };

/** A verifier as getChallenge and twoFactorMe:get describe it. */
export interface VerifierView {
  name: string;
  title: string;
  verificationType: string;
  bound: boolean;
  boundInfo: string | null;
  codeLength?: number | null;
  /** The user's credentials, for types that keep several (security keys); twoFactorMe:get only. */
  credentials?: CredentialView[];
}

/** One security key of the user, as twoFactorMe:get lists it. */
export interface CredentialView {
  id: number;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  deviceType?: string | null;
  backedUp?: boolean;
  transports?: string[];
}

/**
 * `resource:action` over an API client. GET without values, POST with them; NocoBase's error
 * toast is skipped: each screen says what went wrong where it happened.
 */
export function apiCaller(api: APIClient, headers?: Record<string, string>, skipAuth = false) {
  return async function call<R = any>(url: string, values?: Record<string, unknown>, params?: Record<string, unknown>): Promise<Result<R>> {
    try {
      const res = await api.request({
        url,
        method: values === undefined ? 'get' : 'post',
        data: values,
        params,
        headers,
        skipNotify: true,
        ...(skipAuth ? { skipAuth: true } : {}),
      });
      return { ok: true, data: res?.data?.data as R, meta: res?.data?.meta };
    } catch (err: any) {
      return { ok: false, status: err?.response?.status ?? 0, error: err?.response?.data?.errors?.[0] ?? { message: err?.message } };
    }
  };
}

export type Caller = ReturnType<typeof apiCaller>;

/** `apiCaller` over the API client in context (the app's, or the /2fa page's). */
export function useCall(): Caller {
  const api = useAPIClient();
  return useMemo(() => apiCaller(api), [api]);
}

/** "1 attempt left." / "3 attempts left." / "No attempts left."; nothing when the server gave no count. */
export function attemptsLeftText(t: T, count: number | undefined): string {
  if (count === undefined || count === null) return '';
  if (count <= 0) return t('No attempts left.');
  return count === 1 ? t('1 attempt left.') : t('{{count}} attempts left.', { count });
}

/** "Try again in 1 minute." / "Try again in 12 minutes." (whole minutes, rounded up). */
export function waitText(t: T, seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return minutes === 1 ? t('Try again in 1 minute.') : t('Try again in {{count}} minutes.', { count: minutes });
}

/** Whether a refusal used up the challenge's last attempt: the page must start again from the password. */
export function attemptsUsedUp(error: ApiError): boolean {
  return (error.code === ERROR_CODES.INVALID_CODE || error.code === ERROR_CODES.CODE_REUSED) && error.attemptsLeft === 0;
}

/** One clear, translated sentence per error code; the server's own message for anything else. */
export function describeError(t: T, error: ApiError): string {
  switch (error.code) {
    case ERROR_CODES.INVALID_CODE:
      if (error.reason === 'key_not_accepted') return joinSentences(t, t('Your security key was not accepted.'), attemptsLeftText(t, error.attemptsLeft));
      return joinSentences(t, t('The code is incorrect.'), attemptsLeftText(t, error.attemptsLeft));
    case ERROR_CODES.LOCKED:
      return joinSentences(t, t('Too many failed attempts.'), waitText(t, error.retryAfter ?? 60));
    case ERROR_CODES.THROTTLED:
      if (error.reason === 'busy') return t('Too many attempts at the same moment. Please try again.');
      return t('Please wait {{seconds}} seconds before asking for another code.', { seconds: error.retryAfter ?? 60 });
    case ERROR_CODES.CODE_REUSED:
      if (error.reason === 'backup_code_used') return joinSentences(t, t('This backup code has already been used.'), attemptsLeftText(t, error.attemptsLeft));
      return t('This code has already been used. Please wait for a new code.');
    case ERROR_CODES.CHALLENGE_REQUIRED:
    case ERROR_CODES.CHALLENGE_INVALID:
      return t('Two-factor authentication has expired. Please sign in again.');
    case ERROR_CODES.VERIFIER_NOT_ALLOWED:
      return error.reason === 'delivery_failed'
        ? t('The code could not be sent. Try another method or contact your administrator.')
        : t('This verification method is not available for two-factor authentication.');
    case ERROR_CODES.NOT_BOUND:
      return t('This verification method is not set up for your account.');
    case ERROR_CODES.ALREADY_BOUND:
      if (error.reason === 'credential_registered') return t('This security key is already registered.');
      return t('This verification method is already set up for your account.');
    case ERROR_CODES.BIND_EXPIRED:
      return t('The setup has expired. Please start again.');
    case ERROR_CODES.REAUTH_REQUIRED:
      return t('Your password or code was not accepted. Please confirm your identity again.');
    case ERROR_CODES.LAST_FACTOR:
      return t('You cannot remove your last verification method while two-factor authentication is required.');
    case ERROR_CODES.SKIP_NOT_ALLOWED:
      return t('Setting up two-factor authentication can no longer be postponed.');
    case ERROR_CODES.ORPHANS_USERS:
      return error.users === 1
        ? t('1 user would be left without an offered verification method.')
        : t('{{count}} users would be left without an offered verification method.', { count: error.users ?? 0 });
    case ERROR_CODES.USE_TWO_FACTOR_PAGE:
      return t('Set up this verification method from the two-factor authentication page.');
    case ERROR_CODES.UNAVAILABLE:
      return t('Two-factor authentication is temporarily unavailable. Please try again in a moment.');
    case ERROR_CODES.BAD_REQUEST:
      // Security keys: the app was opened by an IP address, which WebAuthn cannot use.
      if (error.reason === 'rp_id_ip') {
        return t('Security keys cannot be used at this address ({{host}}). Open the site by its domain name over HTTPS, or ask your administrator.', {
          host: typeof window === 'undefined' ? '' : window.location.host,
        });
      }
      return t('The request is invalid.') + (error.reason ? ` (${error.field ? `${error.field}: ` : ''}${error.reason})` : '');
    default:
      return error.message || t('Something went wrong. Please try again.');
  }
}
