/** The trusted-origin rule core applies to `auth:signIn`, applied to our public actions too. */
import { getOrigin, isTrustedOrigin } from '@nocobase/utils';
import { ERROR_CODES } from '../constants';
import { TwoFactorError } from './errors';

export function isTrustedRequestOrigin(ctx: any): boolean {
  const originContext = { protocol: ctx.protocol, headers: ctx.headers, get: (name: string) => ctx.get(name) };
  const origin = ctx.get('origin');
  if (origin) return isTrustedOrigin(originContext, origin);
  const refererOrigin = getOrigin(ctx.get('referer'));
  return !refererOrigin || isTrustedOrigin(originContext, refererOrigin);
}

/** 403 TWO_FACTOR_UNTRUSTED_ORIGIN (core's message) for a foreign origin. */
export function assertTrustedRequestOrigin(ctx: any) {
  if (!isTrustedRequestOrigin(ctx)) throw new TwoFactorError(ERROR_CODES.UNTRUSTED_ORIGIN);
}
