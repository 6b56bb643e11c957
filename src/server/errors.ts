/**
 * The one error contract (design §8): every refusal is a TwoFactorError, rendered by `respondError`
 * as `{ errors: [{ code, message, ...extra }] }` with its HTTP status.
 */
import { ERROR_CODES, ErrorCode, NAMESPACE } from '../constants';
import { isOutage } from './outage';

const STATUS: Record<ErrorCode, number> = {
  TWO_FACTOR_BAD_REQUEST: 400,
  TWO_FACTOR_CHALLENGE_REQUIRED: 401,
  TWO_FACTOR_CHALLENGE_INVALID: 401,
  TWO_FACTOR_INVALID_CODE: 400,
  TWO_FACTOR_CODE_REUSED: 400,
  TWO_FACTOR_LOCKED: 429,
  TWO_FACTOR_THROTTLED: 429,
  TWO_FACTOR_VERIFIER_NOT_ALLOWED: 400,
  TWO_FACTOR_NOT_BOUND: 400,
  TWO_FACTOR_ALREADY_BOUND: 409,
  TWO_FACTOR_BIND_EXPIRED: 400,
  TWO_FACTOR_REAUTH_REQUIRED: 403,
  TWO_FACTOR_LAST_FACTOR: 409,
  TWO_FACTOR_SKIP_NOT_ALLOWED: 403,
  TWO_FACTOR_ORPHANS_USERS: 409,
  TWO_FACTOR_USE_TWO_FACTOR_PAGE: 409,
  TWO_FACTOR_UNTRUSTED_ORIGIN: 403,
  TWO_FACTOR_NO_PERMISSION: 403,
  TWO_FACTOR_VERIFIER_IN_USE: 409,
  TWO_FACTOR_NOTHING_OFFERED: 409,
  TWO_FACTOR_UNAVAILABLE: 503,
};

/** English message per code; the key for translation too (src/locale). */
export const MESSAGES: Record<ErrorCode, string> = {
  TWO_FACTOR_BAD_REQUEST: 'The request is invalid.',
  TWO_FACTOR_CHALLENGE_REQUIRED: 'Two-factor authentication is required. Please sign in again.',
  TWO_FACTOR_CHALLENGE_INVALID: 'Two-factor authentication has expired. Please sign in again.',
  TWO_FACTOR_INVALID_CODE: 'The verification code is incorrect.',
  TWO_FACTOR_CODE_REUSED: 'This code has already been used. Please wait for a new code.',
  TWO_FACTOR_LOCKED: 'Too many failed attempts. Please try again later.',
  TWO_FACTOR_THROTTLED: 'Please wait before requesting another code.',
  TWO_FACTOR_VERIFIER_NOT_ALLOWED: 'This verification method is not available for two-factor authentication.',
  TWO_FACTOR_NOT_BOUND: 'This verification method is not set up for your account.',
  TWO_FACTOR_ALREADY_BOUND: 'This verification method is already set up for your account.',
  TWO_FACTOR_BIND_EXPIRED: 'The setup has expired. Please start again.',
  TWO_FACTOR_REAUTH_REQUIRED: 'Please confirm your identity with your password or a current code.',
  TWO_FACTOR_LAST_FACTOR: 'You cannot remove your last verification method while two-factor authentication is required.',
  TWO_FACTOR_SKIP_NOT_ALLOWED: 'Setting up two-factor authentication can no longer be postponed.',
  TWO_FACTOR_ORPHANS_USERS: 'Some users would be left without an offered verification method. Confirm to continue.',
  TWO_FACTOR_USE_TWO_FACTOR_PAGE: 'Set up this verification method from the two-factor authentication page.',
  // Core's own words for these two refusals, so the UI reads the same as elsewhere in NocoBase.
  TWO_FACTOR_UNTRUSTED_ORIGIN: 'Invalid sign-in origin',
  TWO_FACTOR_NO_PERMISSION: 'No permissions',
  TWO_FACTOR_VERIFIER_IN_USE: 'Users have set up this verifier for two-factor authentication. Confirm to delete it and remove it from their accounts.',
  TWO_FACTOR_NOTHING_OFFERED: 'Two-factor authentication is required, but no verification method is available. Please contact your administrator.',
  TWO_FACTOR_UNAVAILABLE: 'Two-factor authentication is temporarily unavailable. Please try again in a moment.',
};

export type ErrorExtra = Record<string, string | number | boolean | null | string[]>;

export class TwoFactorError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly extra: ErrorExtra = {},
  ) {
    super(MESSAGES[code]);
    this.name = 'TwoFactorError';
    this.status = STATUS[code];
  }
}

export const badRequest = (field: string, reason: string) =>
  new TwoFactorError(ERROR_CODES.BAD_REQUEST, { field, reason });

interface ErrorContext {
  status: number;
  body: unknown;
  withoutDataWrapping?: boolean;
  set(name: string, value: string): void;
  t?(key: string, options?: Record<string, unknown>): string;
}

export function respondError(ctx: ErrorContext, err: TwoFactorError) {
  // Core's namespace after ours: the messages we share with core's sign-in keep its translations.
  const message = ctx.t ? ctx.t(err.message, { ns: [NAMESPACE, 'auth'] }) : err.message;
  ctx.status = err.status;
  ctx.withoutDataWrapping = true;
  if (typeof err.extra.retryAfter === 'number') {
    ctx.set('Retry-After', String(err.extra.retryAfter));
  }
  ctx.body = { errors: [{ code: err.code, message, ...err.extra }] };
}

/** Seconds a client is told to wait after TWO_FACTOR_UNAVAILABLE. */
const UNAVAILABLE_RETRY_AFTER = 5;

/**
 * The database or the cache cannot be reached (`isOutage`): 503 TWO_FACTOR_UNAVAILABLE with
 * `retryAfter`, and the cause in the server log; undefined for any other error.
 */
export function outageError(ctx: unknown, err: unknown): TwoFactorError | undefined {
  if (!isOutage(err)) return undefined;
  const logger = (ctx as any)?.logger ?? (ctx as any)?.app?.logger;
  logger?.warn?.(`two-factor: the database or cache is unavailable: ${(err as Error)?.message}`);
  return new TwoFactorError(ERROR_CODES.UNAVAILABLE, { retryAfter: UNAVAILABLE_RETRY_AFTER });
}

/**
 * Wraps an action so that TwoFactorErrors become the design's error bodies, and an outage of the
 * database or cache becomes 503 TWO_FACTOR_UNAVAILABLE.
 */
export function withErrors<C extends ErrorContext>(handler: (ctx: C, next: () => Promise<void>) => Promise<void>) {
  return async (ctx: C, next: () => Promise<void>) => {
    try {
      await handler(ctx, next);
    } catch (err) {
      const refusal = err instanceof TwoFactorError ? err : outageError(ctx, err);
      if (refusal) {
        respondError(ctx, refusal);
        return;
      }
      throw err;
    }
  };
}
