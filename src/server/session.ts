/**
 * Issues the real session after a second factor succeeded, through NocoBase's own sign-in code
 * for the authenticator named in the challenge: tokens, cookies, token policy and `issuedTokens`
 * behave exactly as for a plain password sign-in.
 */
import type { Model } from '@nocobase/database';
import { ERROR_CODES, PASSWORD_AUTH_TYPE } from '../constants';
import { TwoFactorError } from './errors';
import type { Answer, UserRead } from './one-read';

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

/**
 * The role core's session cookie will name: the request's X-Role, else the user's default role,
 * else their first role by name (core's `setSessionCookies`, which looks these up itself with up
 * to 4 statements). The second step asks for both roles in its one read and hands core the
 * answer (`presetSessionRole`), which is what core would have found.
 */
export function lookUpSessionRole(read: UserRead) {
  read.value('role_default', 'rolesUsers', 'roleName', { userId: read.userId, default: true }, 'roleName');
  const ru = (a: string) => `ru.${read.column('rolesUsers', a)}`;
  const name = `r.${read.column('roles', 'name')}`;
  read.subquery(
    'role_first',
    `SELECT ${name} FROM ${read.table('roles')} r JOIN ${read.table('rolesUsers')} ru ON ${ru('roleName')} = ${name} ` +
      `WHERE ${ru('userId')} = ${read.escape(read.userId)} ORDER BY ${name} LIMIT 1`,
  );
  return (answers: Record<string, Answer>) => {
    const role = answers.role_default ?? answers.role_first;
    return typeof role === 'string' && role ? role : null;
  };
}

export function presetSessionRole(ctx: any, role: string | null) {
  if (!role || typeof ctx.state?.currentRole === 'string' || ctx.get('X-Role')) return;
  ctx.state.currentRole = role;
}

/** The session, through core's own sign-in code, for the request `actAs` prepared. */
export async function issueSession(ctx: any): Promise<{ user: Model; token: string }> {
  return ctx.auth.signIn();
}
