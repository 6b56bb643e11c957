/** Talks to `twoFactor:*` with the challenge header; errors come back as values, not toasts. */
export const PENDING_KEY = 'open2fa:pending';
export const CHALLENGE_HEADER = 'X-Two-Factor-Token';

export interface Pending {
  token: string;
  stage: 'verify' | 'bind';
  expiresAt: string;
  skippableUntil: string | null;
  authenticator: string;
}

export interface ApiError {
  code?: string;
  message?: string;
  attemptsLeft?: number;
  retryAfter?: number;
  reason?: string;
}

export type Result<T> = { ok: true; data: T } | { ok: false; status: number; error: ApiError };

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

export function twoFactorCall(apiClient: any, token: string) {
  return async function call<T = any>(action: string, values?: Record<string, unknown>): Promise<Result<T>> {
    try {
      const res = await apiClient.request({
        url: `twoFactor:${action}`,
        method: values === undefined ? 'get' : 'post',
        data: values,
        headers: { [CHALLENGE_HEADER]: token },
        skipNotify: true,
        skipAuth: true,
      });
      return { ok: true, data: res?.data?.data as T };
    } catch (err: any) {
      return { ok: false, status: err?.response?.status ?? 0, error: err?.response?.data?.errors?.[0] ?? { message: err?.message } };
    }
  };
}
