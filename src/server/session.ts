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

/** `auth` is what `resolvePasswordAuth` returned for the challenge's authenticator. */
export async function issueSession(ctx: any, auth: any, user: Model): Promise<{ user: Model; token: string }> {
  // The password was checked when the challenge was issued; core must not ask for it again.
  auth.validate = async () => user;
  ctx.auth = auth;
  return auth.signIn();
}
