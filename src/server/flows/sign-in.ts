/**
 * The sign-in step after the password (design §4): the live challenge and the state it must still
 * match, how a challenge is described to the client, and how a verified second factor ends in
 * NocoBase's own session. `actions/two-factor.ts` parses requests and calls these.
 */
import type { Model } from '@nocobase/database';
import { ERROR_CODES, EVENT_TYPES, Stage } from '../../constants';
import type { ChallengeRecord } from '../challenge';
import { TwoFactorError } from '../errors';
import type { FactorInput } from '../factors/types';
import { assertTrustedRequestOrigin } from '../origin';
import type { Decision } from '../policy';
import { requestInfo } from '../request';
import type { Services } from '../services';
import { issueSession, resolvePasswordAuth } from '../session';
import type { Settings } from '../settings';
import { assertCanTry } from './code-check';

export interface Live {
  challenge: ChallengeRecord;
  user: Model;
  userId: string;
  settings: Settings;
  decision: Decision;
  /** The authenticator named in the challenge, resolved and checked. */
  auth: any;
}

const invalidChallenge = () => new TwoFactorError(ERROR_CODES.CHALLENGE_INVALID);

/** The live challenge and the state it must still match (design §4.4). */
export async function live(services: Services, ctx: any, stage?: Stage): Promise<Live> {
  assertTrustedRequestOrigin(ctx);
  const challenge = await services.challenges.read(ctx, stage);
  const user: any = await ctx.db.getRepository('users').findOne({ filterByTk: challenge.userId });
  if (!user) throw invalidChallenge();
  if (Number(user.get('passwordChangeTz') || 0) !== Number(challenge.passwordChangeTz || 0)) throw invalidChallenge();
  const auth = await resolvePasswordAuth(ctx, challenge.authenticator);
  const settings = await services.settings.get();
  const decision = await services.policy.decide(user, settings);
  if (!decision.required || decision.stage !== challenge.stage) throw invalidChallenge();
  return { challenge, user, userId: user.get('id') as string, settings, decision, auth };
}

/** Live challenge of `stage` whose user is not locked out: the start of every code action. */
export async function liveUnlocked(services: Services, ctx: any, stage: Stage): Promise<Live> {
  const state = await live(services, ctx, stage);
  await assertCanTry(services, 'signin', state.userId);
  return state;
}

/** An offered verifier of the challenge's user, with its factor and the factor's input. */
export function offeredVerifier(services: Services, ctx: any, state: Live, name: string) {
  const picked = services.factors.pick(state.decision.offered, name);
  if (!picked) throw new TwoFactorError(ERROR_CODES.VERIFIER_NOT_ALLOWED);
  const input: FactorInput = {
    deps: services,
    ctx,
    user: state.user,
    verifier: picked.verifier,
    challenge: state.challenge,
    bindingMeta: state.decision.bindingMeta[picked.verifier.name],
  };
  return { ...picked, input };
}

/** What the client learns of a challenge: when it ends and until when binding may be postponed. */
export function describeChallenge(services: Services, expiresAt: Date, decision: Decision, settings: Settings) {
  const skippableUntil = services.policy.skippableUntil(decision, settings);
  return { expiresAt: expiresAt.toISOString(), skippableUntil: skippableUntil ? skippableUntil.toISOString() : null };
}

/**
 * The user passed the second factor (a code, a backup code, or a trusted device): remember when,
 * write the `verified` audit row when asked, and notice a new device. Used by `finish` and by the
 * sign-in guard's trusted-device path.
 */
export async function markVerified(services: Services, ctx: any, userId: number | string, audit?: VerifiedAudit) {
  await services.policy.updateState(userId, { lastVerifiedAt: new Date() });
  if (audit) {
    await services.audit.record({ userId, type: EVENT_TYPES.verified, verifier: audit.verifier ?? null, detail: audit.detail }, requestInfo(ctx));
  }
  await services.notices.recordSignIn(ctx, userId);
}

export interface VerifiedAudit {
  verifier?: string;
  detail?: Record<string, unknown>;
}

/**
 * The challenge dies here: only one request gets past `consume`. `commit` stores what the
 * success changes (a new binding, a re-sealed secret) before the session is issued; with
 * `trustDevice` (and the policy allowing it) the device gets its cookie. `verified: false` is for
 * `skip`, which proves nothing; `audit` asks for the `verified` row.
 */
export async function finish(
  services: Services,
  ctx: any,
  state: Live,
  options: { commit?: () => Promise<void>; trustDevice?: boolean; verified?: boolean; audit?: VerifiedAudit } = {},
) {
  const { challenge, userId, settings } = state;
  if (!(await services.challenges.consume(challenge.jti))) throw invalidChallenge();
  await options.commit?.();
  const session = await issueSession(ctx, state.auth, state.user);
  if (options.verified === false) await services.notices.recordSignIn(ctx, userId);
  else await markVerified(services, ctx, userId, options.audit);
  if (options.trustDevice && settings.allowTrustedDevices) {
    await services.devices.trust(ctx, userId, settings.trustedDeviceDays);
    await services.audit.record({ userId, type: EVENT_TYPES.deviceTrusted, detail: { days: settings.trustedDeviceDays } }, requestInfo(ctx));
  }
  return session;
}
