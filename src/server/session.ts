/**
 * Issues the real session after a second factor succeeded, through NocoBase's own sign-in code
 * for the authenticator named in the challenge: tokens, cookies, token policy and `issuedTokens`
 * behave exactly as for a plain password sign-in.
 */
import type { Model } from '@nocobase/database';
import { ERROR_CODES, PASSWORD_AUTH_TYPE } from '../constants';
import { TwoFactorError } from './errors';

export async function resolvePasswordAuth(ctx: any, authenticatorName: string) {
  let auth: any;
  try {
    auth = await ctx.app.authManager.get(authenticatorName, ctx);
  } catch {
    throw new TwoFactorError(ERROR_CODES.CHALLENGE_INVALID);
  }
  // The authenticator store falls back to the first enabled authenticator for unknown names:
  // insist on the exact one, still enabled, still a password authenticator.
  const authenticator = auth?.authenticator;
  if (
    !authenticator ||
    authenticator.name !== authenticatorName ||
    authenticator.authType !== PASSWORD_AUTH_TYPE ||
    authenticator.enabled === false ||
    typeof auth.signIn !== 'function'
  ) {
    throw new TwoFactorError(ERROR_CODES.CHALLENGE_INVALID);
  }
  return auth;
}

/**
 * Makes `auth` (what `resolvePasswordAuth` returned for the challenge's authenticator) the
 * request's, validating to `user`: the password was checked when the challenge was issued, and
 * neither core nor another plugin's sign-in check must ask for it again.
 */
export function actAs(ctx: any, auth: any, user: Model) {
  auth.validate = async () => user;
  ctx.auth = auth;
}

/** The session, through core's own sign-in code, for the request `actAs` prepared. */
export async function issueSession(ctx: any): Promise<{ user: Model; token: string }> {
  return ctx.auth.signIn();
}
