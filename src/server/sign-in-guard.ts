/**
 * The ONE place that decides whether a password sign-in needs a second factor.
 *
 * A pre-action handler on `auth:signIn`. For Email/Password authenticators it checks the password
 * once and hands the result to core (no second hash). Wrong password, foreign origin, a user who
 * is not required, or one presenting a valid trusted-device cookie: core answers exactly as
 * without the plugin. A required user gets a
 * challenge instead of a session: no token, no cookie, no `issuedTokens` row.
 */
import { ERROR_CODES, EVENT_TYPES, PASSWORD_AUTH_TYPE } from '../constants';
import { enforcementDisabledByEnv } from './env';
import { outageError, respondError, TwoFactorError } from './errors';
import { describeChallenge, markVerified } from './flows/sign-in';
import { isTrustedRequestOrigin } from './origin';
import { requestInfo } from './request';
import type { Services } from './services';

export function createSignInGuard(services: Services) {
  return async function twoFactorSignInGuard(ctx: any, next: () => Promise<void>) {
    const auth = ctx.auth;
    if (
      enforcementDisabledByEnv() ||
      !auth ||
      auth.authenticator?.authType !== PASSWORD_AUTH_TYPE ||
      typeof auth.validate !== 'function' ||
      // core refuses a foreign origin before looking at the password; let it.
      !isTrustedRequestOrigin(ctx)
    ) {
      return next();
    }

    let user: any;
    try {
      user = await auth.validate();
    } catch (err) {
      auth.validate = async () => {
        throw err;
      };
      return next();
    }
    auth.validate = async () => user;
    if (!user) return next();

    let decided: 'pass' | 'challenged';
    try {
      decided = await challengeIfRequired(ctx, user);
    } catch (err) {
      // The database or cache went away under our reads: refuse with a clear code, never a
      // session. Core's own failures after `next()` stay core's.
      const refusal = err instanceof TwoFactorError ? err : outageError(ctx, err);
      if (!refusal) throw err;
      respondError(ctx, refusal);
      return;
    }
    if (decided === 'pass') return next();
  };

  /** Answers a required user with a challenge ('challenged'), or says to let core sign them in ('pass'). */
  async function challengeIfRequired(ctx: any, user: any): Promise<'pass' | 'challenged'> {
    const auth = ctx.auth;
    const settings = await services.settings.get();
    let decision = await services.policy.decide(user, settings);
    if (!decision.required) return 'pass';

    // A device this user trusted skips the second factor (its token is rotated on the way).
    if (settings.allowTrustedDevices && decision.stage === 'verify' && (await services.devices.useIfValid(ctx, user.id))) {
      await markVerified(services, ctx, user.id, { detail: { trustedDevice: true } });
      return 'pass';
    }

    decision = await services.policy.markFirstRequired(user.id, decision);
    // Nothing to bind or verify with: a clear refusal instead of an empty bind page, unless a
    // grace period still lets the user postpone binding.
    if (!decision.offered.length) {
      const until = services.policy.skippableUntil(decision, settings);
      if (!until || until.getTime() <= Date.now()) throw new TwoFactorError(ERROR_CODES.NOTHING_OFFERED);
    }
    const challenge = await services.challenges.issue({
      userId: user.id,
      authenticator: auth.authenticator.name,
      stage: decision.stage,
      ttlSeconds: settings.challengeTTL,
      passwordChangeTz: user.get?.('passwordChangeTz') ?? user.passwordChangeTz ?? null,
    });
    await services.audit.record(
      { userId: user.id, type: EVENT_TYPES.challenge, detail: { stage: decision.stage, requiredBecause: decision.requiredBecause } },
      requestInfo(ctx),
    );
    ctx.body = {
      code: 302,
      redirect: '/2fa',
      twoFactor: { token: challenge.token, stage: decision.stage, ...describeChallenge(services, challenge.expiresAt, decision, settings) },
    };
    return 'challenged';
  }
}
