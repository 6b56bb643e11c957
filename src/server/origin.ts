/** The trusted-origin rule core applies to `auth:signIn`, applied to our public actions too. */
import { getOrigin, isTrustedOrigin } from '@nocobase/utils';

export function isTrustedRequestOrigin(ctx: any): boolean {
  const originContext = { protocol: ctx.protocol, headers: ctx.headers, get: (name: string) => ctx.get(name) };
  const origin = ctx.get('origin');
  if (origin) return isTrustedOrigin(originContext, origin);
  const refererOrigin = getOrigin(ctx.get('referer'));
  return !refererOrigin || isTrustedOrigin(originContext, refererOrigin);
}

export function assertTrustedRequestOrigin(ctx: any) {
  if (!isTrustedRequestOrigin(ctx)) {
    ctx.throw(403, ctx.t('Invalid sign-in origin', { ns: 'auth' }));
  }
}
