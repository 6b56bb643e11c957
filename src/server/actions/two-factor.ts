/**
 * `twoFactor:*` — the public actions of the sign-in step. Each one: parse the body, read the live
 * challenge (re-checking live state), check the lock, apply the stage rules, then check the code.
 */
import type { Model } from '@nocobase/database';
import { ERROR_CODES, EVENT_TYPES, Stage } from '../../constants';
import { lockedError } from '../attempts';
import { requestInfo } from '../audit';
import type { ChallengeRecord } from '../challenge';
import { badRequest, TwoFactorError, withErrors } from '../errors';
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
  none: {},
  bindStart: { verifier: NAME, uuid: { type: 'string', maxLength: 255, optional: true } },
  // `uuid` is for other plugins' types whose `bind` reads it (e.g. a device id).
  bind: { verifier: NAME, code: CODE, uuid: { type: 'string', maxLength: 255, optional: true }, trustDevice: TRUST },
  sendCode: { verifier: NAME },
  verify: {
    verifier: { ...NAME, optional: true },
    code: { ...CODE, optional: true },
    backupCode: { ...CODE, optional: true },
    trustDevice: TRUST,
  },
} as const;

/** Stands for backup codes where a verifier name is expected (audit rows, failure counting). */
const BACKUP_CODE = 'backup-code';

const invalidChallenge = () => new TwoFactorError(ERROR_CODES.CHALLENGE_INVALID);

interface Live {
  challenge: ChallengeRecord;
  user: Model;
  userId: string;
  settings: Settings;
  decision: Decision;
}

export function createTwoFactorActions(services: Services) {
  const { challenges, attempts, policy, audit, factors, verifiers, backupCodes, devices, notices } = services;

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
    return { challenge, user, userId: user.get('id') as string, settings, decision };
  }

  /** Live challenge of `stage` whose user is not locked out: the start of every code action. */
  async function liveUnlocked(ctx: any, stage: Stage) {
    const state = await live(ctx, stage);
    await attempts.assertNotLocked(state.userId);
    return state;
  }

  function offeredVerifier(state: Live, name: string) {
    const picked = factors.pick(state.decision.offered, name);
    if (!picked) throw new TwoFactorError(ERROR_CODES.VERIFIER_NOT_ALLOWED);
    const input: FactorInput = {
      services,
      ctx: null,
      user: state.user,
      verifier: picked.verifier,
      challenge: state.challenge,
      bindingMeta: state.decision.bindingMeta[picked.verifier.name],
    };
    return { ...picked, input };
  }

  /** Counts a miss (maybe locking the user out), or claims the one-time step of a hit. */
  async function settle(ctx: any, { userId, settings, challenge }: Live, verifier: string, result: CodeCheck) {
    const info = requestInfo(ctx);
    if (!result.ok && result.reused) {
      await audit.record({ userId, type: EVENT_TYPES.failed, verifier, detail: { stage: challenge.stage, reason: 'reused' } }, info);
      throw new TwoFactorError(ERROR_CODES.CODE_REUSED);
    }
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
        await notices.notify(userId, 'locked', { until: outcome.lockedUntil.toISOString() });
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
   * success changes (a new binding, a re-sealed secret) before the session is issued; with
   * `trustDevice` (and the policy allowing it) the device gets its cookie.
   */
  async function finish(
    ctx: any,
    state: Live,
    options: { commit?: () => Promise<void>; trustDevice?: boolean; verified?: boolean } = {},
  ) {
    const { challenge, userId, settings } = state;
    if (!(await challenges.consume(challenge.jti))) throw invalidChallenge();
    await options.commit?.();
    if (options.verified !== false) {
      await attempts.recordSuccess(userId);
      await policy.updateState(userId, { lastVerifiedAt: new Date() });
    }
    const session = await issueSession(ctx, challenge.authenticator, state.user);
    await notices.recordSignIn(ctx, userId);
    if (options.trustDevice && settings.allowTrustedDevices) {
      await devices.trust(ctx, userId, settings.trustedDeviceDays);
      await audit.record({ userId, type: EVENT_TYPES.deviceTrusted, detail: { days: settings.trustedDeviceDays } }, requestInfo(ctx));
    }
    return session;
  }

  async function getChallenge(ctx: any, next: () => Promise<void>) {
    parseValues(ctx.action.params.values, SCHEMAS.none);
    const { challenge, user, userId, settings, decision } = await live(ctx);
    const lockedUntil = await attempts.lockedUntil(userId);
    const skippableUntil = policy.skippableUntil(decision, settings);
    ctx.body = {
      stage: challenge.stage,
      expiresAt: challenge.expiresAt.toISOString(),
      skippableUntil: skippableUntil ? skippableUntil.toISOString() : null,
      requiredBecause: decision.requiredBecause,
      allowTrustedDevices: settings.allowTrustedDevices,
      trustedDeviceDays: settings.trustedDeviceDays,
      lockedUntil: lockedUntil ? lockedUntil.toISOString() : null,
      verifiers: await verifiers.describe(ctx, decision.offered, decision.bound, user.get('id') as string, (v) => factors.codeLength(v)),
      backupCodes: { remaining: await backupCodes.remaining(userId) },
    };
    await next();
  }

  async function bindStart(ctx: any, next: () => Promise<void>) {
    const values = parseValues(ctx.action.params.values, SCHEMAS.bindStart);
    const state = await liveUnlocked(ctx, 'bind');
    const { factor, input } = offeredVerifier(state, values.verifier);
    ctx.body = await factor.bindStart({ ...input, ctx }, { uuid: values.uuid });
    await next();
  }

  async function bind(ctx: any, next: () => Promise<void>) {
    const values = parseValues(ctx.action.params.values, SCHEMAS.bind);
    const state = await liveUnlocked(ctx, 'bind');
    const { userId } = state;
    const { verifier, factor, input } = offeredVerifier(state, values.verifier);
    const result = await factor.bindCheck({ ...input, ctx }, values.code);
    await settle(ctx, state, verifier.name, result);
    if (!result.ok || !result.binding) throw new TwoFactorError(ERROR_CODES.BIND_EXPIRED);

    const binding = result.binding;
    let codes: string[] = [];
    const session = await finish(ctx, state, {
      trustDevice: values.trustDevice,
      commit: async () => {
        if (await verifiers.findBinding(userId, verifier.name)) throw new TwoFactorError(ERROR_CODES.ALREADY_BOUND);
        await ctx.db.getRepository('usersVerifiers').create({
          values: { userId, verifier: verifier.name, uuid: binding.uuid, meta: binding.meta },
        });
        await audit.record({ userId, type: EVENT_TYPES.bound, verifier: verifier.name, detail: { during: 'sign-in' } }, requestInfo(ctx));
        await notices.notify(userId, 'factor_bound', { verifier: verifier.title || verifier.name });
        // The first factor comes with backup codes, shown once, in this response.
        codes = await backupCodes.firstSet(userId);
        if (codes.length) {
          await audit.record({ userId, type: EVENT_TYPES.backupCodesRegenerated, detail: { count: codes.length, during: 'sign-in' } }, requestInfo(ctx));
        }
      },
    });
    ctx.body = codes.length ? { ...session, backupCodes: codes } : session;
    await next();
  }

  async function verify(ctx: any, next: () => Promise<void>) {
    const values = parseValues(ctx.action.params.values, SCHEMAS.verify);
    if (values.backupCode !== undefined) {
      if (values.verifier !== undefined || values.code !== undefined) throw badRequest('backupCode', 'cannot be combined with verifier or code');
      return verifyBackupCode(ctx, next, values.backupCode, values.trustDevice);
    }
    if (values.verifier === undefined) throw badRequest('verifier', 'is required');
    if (values.code === undefined) throw badRequest('code', 'is required');

    const state = await liveUnlocked(ctx, 'verify');
    const { verifier, factor, input } = offeredVerifier(state, values.verifier);
    if (!state.decision.bound.includes(verifier.name)) throw new TwoFactorError(ERROR_CODES.NOT_BOUND);
    const result = await factor.verifyCheck({ ...input, ctx }, values.code);
    await settle(ctx, state, verifier.name, result);
    const session = await finish(ctx, state, { trustDevice: values.trustDevice, commit: result.ok ? result.afterSuccess : undefined });
    await audit.record({ userId: state.userId, type: EVENT_TYPES.verified, verifier: verifier.name }, requestInfo(ctx));
    ctx.body = session;
    await next();
  }

  async function verifyBackupCode(ctx: any, next: () => Promise<void>, code: string, trustDevice?: boolean) {
    const state = await liveUnlocked(ctx, 'verify');
    const used = await backupCodes.consume(state.userId, code);
    await settle(ctx, state, BACKUP_CODE, { ok: used });
    const session = await finish(ctx, state, { trustDevice });
    const remaining = await backupCodes.remaining(state.userId);
    await audit.record({ userId: state.userId, type: EVENT_TYPES.backupCodeUsed, detail: { remaining } }, requestInfo(ctx));
    await notices.notify(state.userId, 'backup_code_used', { remaining });
    ctx.body = session;
    await next();
  }

  /** Message-based factors: a code to the bound receiver, throttled by the verifier's resend interval. */
  async function sendCode(ctx: any, next: () => Promise<void>) {
    const values = parseValues(ctx.action.params.values, SCHEMAS.sendCode);
    const state = await liveUnlocked(ctx, 'verify');
    const { verifier, factor, input } = offeredVerifier(state, values.verifier);
    if (!state.decision.bound.includes(verifier.name)) throw new TwoFactorError(ERROR_CODES.NOT_BOUND);
    if (!factor.sendCode) throw new TwoFactorError(ERROR_CODES.VERIFIER_NOT_ALLOWED, { reason: 'no_code_to_send' });
    ctx.body = await factor.sendCode({ ...input, ctx });
    await next();
  }

  async function skip(ctx: any, next: () => Promise<void>) {
    parseValues(ctx.action.params.values, SCHEMAS.none);
    const state = await live(ctx, 'bind');
    const until = policy.skippableUntil(state.decision, state.settings);
    if (!until || until.getTime() <= Date.now()) throw new TwoFactorError(ERROR_CODES.SKIP_NOT_ALLOWED);
    const session = await finish(ctx, state, { verified: false });
    await audit.record({ userId: state.userId, type: EVENT_TYPES.skipped, detail: { skippableUntil: until.toISOString() } }, requestInfo(ctx));
    ctx.body = session;
    await next();
  }

  return {
    getChallenge: withErrors(getChallenge),
    bindStart: withErrors(bindStart),
    bind: withErrors(bind),
    verify: withErrors(verify),
    sendCode: withErrors(sendCode),
    skip: withErrors(skip),
  };
}

export const TWO_FACTOR_ACTIONS = ['getChallenge', 'bindStart', 'bind', 'verify', 'sendCode', 'skip'];
