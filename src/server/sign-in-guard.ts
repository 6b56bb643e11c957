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
import { TwoFactorError } from './errors';
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

    const settings = await services.settings.get();
    let decision = await services.policy.decide(user, settings);
    if (!decision.required) return next();

    // A device this user trusted skips the second factor (its token is rotated on the way).
    if (settings.allowTrustedDevices && decision.stage === 'verify' && (await services.devices.useIfValid(ctx, user.id))) {
      await markVerified(services, ctx, user.id, { detail: { trustedDevice: true } });
      return next();
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
  };
}
