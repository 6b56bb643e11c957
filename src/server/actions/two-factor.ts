/**
 * `twoFactor:*` — the public actions of the sign-in step. Each one: parse the body, read the live
 * challenge (re-checking live state), check the lock, apply the stage rules, then check the code.
 */
import type { Model } from '@nocobase/database';
import { ERROR_CODES, EVENT_TYPES, Stage } from '../../constants';
import { lockedError } from '../attempts';
import { requestInfo } from '../audit';
import type { ChallengeRecord } from '../challenge';
import { TwoFactorError, withErrors } from '../errors';
import type { CodeCheck, FactorInput } from '../factors/types';
import { assertTrustedRequestOrigin } from '../origin';
import type { Decision } from '../policy';
import type { Services } from '../services';
import { issueSession, resolvePasswordAuth } from '../session';
import type { Settings } from '../settings';
import { parseValues } from '../validation';

const NAME = { type: 'string', maxLength: 255 } as const;
const CODE = { type: 'string', maxLength: 64 } as const;
const TRUST = { type: 'boolean', optional: true } as const;

const SCHEMAS = {
  getChallenge: {},
  bindStart: { verifier: NAME, uuid: { type: 'string', maxLength: 255, optional: true } },
  bind: { verifier: NAME, code: CODE, trustDevice: TRUST },
  verify: { verifier: NAME, code: CODE, trustDevice: TRUST },
} as const;

const invalidChallenge = () => new TwoFactorError(ERROR_CODES.CHALLENGE_INVALID);

interface Live {
  challenge: ChallengeRecord;
  user: Model;
  settings: Settings;
  decision: Decision;
}

export function createTwoFactorActions(services: Services) {
  const { challenges, attempts, policy, audit, factors, verifiers } = services;

  /** The live challenge and the state it must still match (design §4.4). */
  async function live(ctx: any, stage?: Stage): Promise<Live> {
    assertTrustedRequestOrigin(ctx);
    const challenge = await challenges.read(ctx, stage);
    const user: any = await ctx.db.getRepository('users').findOne({ filterByTk: challenge.userId });
    if (!user) throw invalidChallenge();
    if (Number(user.get('passwordChangeTz') || 0) !== Number(challenge.passwordChangeTz || 0)) throw invalidChallenge();
    await resolvePasswordAuth(ctx, challenge.authenticator);
    const settings = await services.settings.get();
    const decision = await policy.decide(user, settings);
    if (!decision.required || decision.stage !== challenge.stage) throw invalidChallenge();
    return { challenge, user, settings, decision };
  }

  function offeredVerifier(decision: Decision, name: string) {
    const verifier = decision.offered.find((v) => v.name === name);
    const factor = verifier && factors.get(verifier.verificationType);
    if (!verifier || !factor) throw new TwoFactorError(ERROR_CODES.VERIFIER_NOT_ALLOWED);
    return { verifier, factor };
  }

  /** Counts a miss (maybe locking the user out), or claims the one-time step of a hit. */
  async function settle(ctx: any, { user, settings, challenge }: Live, verifier: string, result: CodeCheck) {
    const userId = user.get('id') as string;
    const info = requestInfo(ctx);
    if (!result.ok) {
      const outcome = await attempts.recordFailure({
        userId,
        settings,
        challengeId: challenge.jti,
        onChallengeDead: () => challenges.kill(challenge.jti),
      });
      await audit.record({ userId, type: EVENT_TYPES.failed, verifier, detail: { stage: challenge.stage, attemptsLeft: outcome.attemptsLeft } }, info);
      if (outcome.lockedUntil) {
        await audit.record({ userId, type: EVENT_TYPES.locked, verifier, detail: { until: outcome.lockedUntil.toISOString() } }, info);
        throw lockedError(outcome.lockedUntil);
      }
      throw new TwoFactorError(ERROR_CODES.INVALID_CODE, { attemptsLeft: outcome.attemptsLeft });
    }
    if (result.step !== undefined && !(await attempts.claimStep(userId, verifier, result.step))) {
      await audit.record({ userId, type: EVENT_TYPES.failed, verifier, detail: { stage: challenge.stage, reason: 'reused' } }, info);
      throw new TwoFactorError(ERROR_CODES.CODE_REUSED);
    }
  }

  /**
   * The challenge dies here: only one request gets past `consume`. `commit` stores what the
   * success changes (a new binding, a re-sealed secret) before the session is issued.
   */
  async function finish(ctx: any, { user, challenge }: Live, commit?: () => Promise<void>) {
    if (!(await challenges.consume(challenge.jti))) throw invalidChallenge();
    await commit?.();
    const userId = user.get('id') as string;
    await attempts.recordSuccess(userId);
    await policy.updateState(userId, { lastVerifiedAt: new Date() });
    return issueSession(ctx, challenge.authenticator, user);
  }

  async function getChallenge(ctx: any, next: () => Promise<void>) {
    parseValues(ctx.action.params.values, SCHEMAS.getChallenge);
    const { challenge, user, settings, decision } = await live(ctx);
    const lockedUntil = await attempts.lockedUntil(user.get('id') as string);
    const skippableUntil = policy.skippableUntil(decision, settings);
    ctx.body = {
      stage: challenge.stage,
      expiresAt: challenge.expiresAt.toISOString(),
      skippableUntil: skippableUntil ? skippableUntil.toISOString() : null,
      requiredBecause: decision.requiredBecause,
      allowTrustedDevices: settings.allowTrustedDevices,
      lockedUntil: lockedUntil ? lockedUntil.toISOString() : null,
      verifiers: await verifiers.describe(ctx, decision.offered, decision.bound, user.get('id') as string),
      backupCodes: { remaining: 0 },
    };
    await next();
  }

  /** Live challenge of `stage`, user not locked, verifier offered: the common start of code actions. */
  async function begin(ctx: any, stage: Stage, verifierName: string) {
    const state = await live(ctx, stage);
    const userId = state.user.get('id') as string;
    await attempts.assertNotLocked(userId);
    const { verifier, factor } = offeredVerifier(state.decision, verifierName);
    const input: FactorInput = { services, ctx, user: state.user, verifier, challenge: state.challenge };
    return { state, userId, verifier, factor, input };
  }

  async function bindStart(ctx: any, next: () => Promise<void>) {
    const values = parseValues(ctx.action.params.values, SCHEMAS.bindStart);
    const { factor, input } = await begin(ctx, 'bind', values.verifier);
    ctx.body = await factor.bindStart(input, { uuid: values.uuid });
    await next();
  }

  async function bind(ctx: any, next: () => Promise<void>) {
    const values = parseValues(ctx.action.params.values, SCHEMAS.bind);
    const { state, userId, verifier, factor, input } = await begin(ctx, 'bind', values.verifier);
    const result = await factor.bindCheck(input, values.code);
    await settle(ctx, state, verifier.name, result);
    if (!result.ok || !result.binding) throw new TwoFactorError(ERROR_CODES.BIND_EXPIRED);

    const binding = result.binding;
    ctx.body = await finish(ctx, state, async () => {
      if (await verifiers.findBinding(userId, verifier.name)) throw new TwoFactorError(ERROR_CODES.ALREADY_BOUND);
      await ctx.db.getRepository('usersVerifiers').create({
        values: { userId, verifier: verifier.name, uuid: binding.uuid, meta: binding.meta },
      });
      await audit.record({ userId, type: EVENT_TYPES.bound, verifier: verifier.name, detail: { during: 'sign-in' } }, requestInfo(ctx));
    });
    await next();
  }

  async function verify(ctx: any, next: () => Promise<void>) {
    const values = parseValues(ctx.action.params.values, SCHEMAS.verify);
    const { state, userId, verifier, factor, input } = await begin(ctx, 'verify', values.verifier);
    if (!state.decision.bound.includes(verifier.name)) throw new TwoFactorError(ERROR_CODES.NOT_BOUND);
    const result = await factor.verifyCheck(input, values.code);
    await settle(ctx, state, verifier.name, result);
    const session = await finish(ctx, state, result.ok ? result.afterSuccess : undefined);
    await audit.record({ userId, type: EVENT_TYPES.verified, verifier: verifier.name }, requestInfo(ctx));
    ctx.body = session;
    await next();
  }

  return {
    getChallenge: withErrors(getChallenge),
    bindStart: withErrors(bindStart),
    bind: withErrors(bind),
    verify: withErrors(verify),
  };
}

export const TWO_FACTOR_ACTIONS = ['getChallenge', 'bindStart', 'bind', 'verify'];
