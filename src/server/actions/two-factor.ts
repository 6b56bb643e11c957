/**
 * `twoFactor:*` — the public actions of the sign-in step (design §4). Each one parses the body and
 * calls the sign-in flow (`flows/sign-in.ts`), the one code-check path and the binding lifecycle.
 */
import { ERROR_CODES, EVENT_TYPES } from '../../constants';
import { badRequest, TwoFactorError, withErrors } from '../errors';
import { commitBinding } from '../flows/bindings';
import type { BindingData, CodeCheck } from '../factors/types';
import { BACKUP_CODE, checkCode, CodeCheckRun } from '../flows/code-check';
import { answerOf, isThirdPartyVerifier, parseCodeBody } from '../factors/third-party';
import { parseAuthenticationCredential, parseKeyName, parseRegistrationCredential } from '../factors/webauthn/credential-body';
import { describeChallenge, finish, Live, live, liveUnlocked, offeredVerifier } from '../flows/sign-in';
import { requestInfo } from '../request';
import type { Services } from '../services';
import { parseValues } from '../validation';

const NAME = { type: 'string', maxLength: 255 } as const;
const CODE = { type: 'string', maxLength: 64 } as const;
const TRUST = { type: 'boolean', optional: true } as const;

const SCHEMAS = {
  none: {},
  bindStart: { verifier: NAME, uuid: { type: 'string', maxLength: 255, optional: true } },
  // `uuid` and any other field of a third-party type's own form are for its `bind` (e.g. a device id);
  // `code` is required for our types only.
  // `credential` (and the new key's `name`) answer a WebAuthn verifier instead of `code`.
  bind: {
    verifier: NAME,
    code: { ...CODE, optional: true },
    credential: { type: 'custom', parse: parseRegistrationCredential, optional: true },
    name: { type: 'custom', parse: parseKeyName, optional: true },
    uuid: { type: 'string', maxLength: 255, optional: true },
    trustDevice: TRUST,
  },
  sendCode: { verifier: NAME },
  verifyStart: { verifier: NAME },
  verify: {
    verifier: { ...NAME, optional: true },
    code: { ...CODE, optional: true },
    credential: { type: 'custom', parse: parseAuthenticationCredential, optional: true },
    backupCode: { ...CODE, optional: true },
    trustDevice: TRUST,
  },
} as const;

export function createTwoFactorActions(services: Services) {
  const { attempts, verifiers, factors, backupCodes, audit, notices } = services;

  /** Checks a code of the sign-in step on the one path: counted on the user and on the challenge. */
  const checkSignIn = (ctx: any, state: Live, verifier: string, check: () => Promise<CodeCheck>, options: Pick<CodeCheckRun, 'missError' | 'reuseIsMiss'> = {}) =>
    checkCode(
      services,
      { scope: 'signin', userId: state.userId, settings: state.settings, verifier, challenge: state.challenge, detail: { stage: state.challenge.stage }, info: requestInfo(ctx), ...options },
      check,
    );

  async function getChallenge(ctx: any, next: () => Promise<void>) {
    parseValues(ctx.action.params.values, SCHEMAS.none);
    const { challenge, userId, settings, decision } = await live(services, ctx, undefined, { reasons: true });
    const lockedUntil = await attempts.lockedUntil(userId);
    ctx.body = {
      stage: challenge.stage,
      ...describeChallenge(services, challenge.expiresAt, decision, settings),
      requiredBecause: decision.requiredBecause,
      allowTrustedDevices: settings.allowTrustedDevices,
      trustedDeviceDays: settings.trustedDeviceDays,
      lockedUntil: lockedUntil ? lockedUntil.toISOString() : null,
      verifiers: await verifiers.describe(ctx, decision.offered, decision.bound, userId, (v) => factors.codeLength(v)),
      backupCodes: { remaining: await backupCodes.remaining(userId) },
    };
    await next();
  }

  async function bindStart(ctx: any, next: () => Promise<void>) {
    const values = parseValues(ctx.action.params.values, SCHEMAS.bindStart);
    const state = await liveUnlocked(services, ctx, 'bind');
    const { factor, input } = offeredVerifier(services, ctx, state, values.verifier);
    ctx.body = await factor.bindStart(input, { uuid: values.uuid });
    await next();
  }

  const isThirdParty = isThirdPartyVerifier(verifiers, factors);

  async function bind(ctx: any, next: () => Promise<void>) {
    const values = await parseCodeBody(ctx.action.params.values, SCHEMAS.bind, isThirdParty);
    const state = await liveUnlocked(services, ctx, 'bind');
    const { verifier, factor, input } = offeredVerifier(services, ctx, state, values.verifier);
    const { code, credential } = answerOf(factor, values);
    if (values.name !== undefined && !credential) throw badRequest('name', 'is not a known field');
    const result = await checkSignIn(ctx, state, verifier.name, () => factor.bindCheck({ ...input, credential, label: values.name }, code));
    const binding = (result as { binding?: BindingData }).binding;
    if (!binding) throw new TwoFactorError(ERROR_CODES.BIND_EXPIRED);
    let codes: string[] = [];
    const session = await finish(services, ctx, state, {
      trustDevice: values.trustDevice,
      commit: async () => {
        codes = await commitBinding(services, {
          userId: state.userId,
          verifier,
          binding,
          during: 'sign-in',
          info: requestInfo(ctx),
          stageBind: state.decision.offered.map((v) => v.name),
        });
      },
    });
    ctx.body = codes.length ? { ...session, backupCodes: codes } : session;
    await next();
  }

  async function verify(ctx: any, next: () => Promise<void>) {
    const values = await parseCodeBody(ctx.action.params.values, SCHEMAS.verify, isThirdParty);
    if (values.backupCode !== undefined) {
      if (values.verifier !== undefined || values.code !== undefined || values.credential !== undefined)
        throw badRequest('backupCode', 'cannot be combined with verifier, code or credential');
      return verifyBackupCode(ctx, next, values.backupCode, values.trustDevice);
    }
    if (values.verifier === undefined) throw badRequest('verifier', 'is required');

    const state = await liveUnlocked(services, ctx, 'verify');
    const { verifier, factor, input } = offeredVerifier(services, ctx, state, values.verifier);
    if (!state.decision.bound.includes(verifier.name)) throw new TwoFactorError(ERROR_CODES.NOT_BOUND);
    const { code, credential } = answerOf(factor, values);
    const result = await checkSignIn(ctx, state, verifier.name, () => factor.verifyCheck({ ...input, credential }, code));
    ctx.body = await finish(services, ctx, state, {
      trustDevice: values.trustDevice,
      commit: result.afterSuccess,
      audit: { verifier: verifier.name },
    });
    await next();
  }

  async function verifyBackupCode(ctx: any, next: () => Promise<void>, code: string, trustDevice?: boolean) {
    const state = await liveUnlocked(services, ctx, 'verify');
    // A spent backup code counts as a wrong one (whoever holds an old list gets no free tries) but
    // says what it is: `TWO_FACTOR_CODE_REUSED` with `reason: 'backup_code_used'` and `attemptsLeft`.
    await checkSignIn(
      ctx,
      state,
      BACKUP_CODE,
      async () => ((await backupCodes.consume(state.userId, code)) ? { ok: true } : { ok: false, reused: await backupCodes.wasUsed(state.userId, code) }),
      {
        reuseIsMiss: true,
        missError: (attemptsLeft, reused) =>
          reused
            ? new TwoFactorError(ERROR_CODES.CODE_REUSED, { reason: 'backup_code_used', attemptsLeft })
            : new TwoFactorError(ERROR_CODES.INVALID_CODE, { attemptsLeft }),
      },
    );
    const session = await finish(services, ctx, state, { trustDevice });
    const remaining = await backupCodes.remaining(state.userId);
    await audit.record({ userId: state.userId, type: EVENT_TYPES.backupCodeUsed, detail: { remaining } }, requestInfo(ctx));
    await notices.notify(state.userId, 'backup_code_used', { remaining });
    ctx.body = session;
    await next();
  }

  /** Message-based factors: a code to the bound receiver, throttled by the verifier's resend interval. */
  async function sendCode(ctx: any, next: () => Promise<void>) {
    const values = parseValues(ctx.action.params.values, SCHEMAS.sendCode);
    const state = await liveUnlocked(services, ctx, 'verify');
    const { verifier, factor, input } = offeredVerifier(services, ctx, state, values.verifier);
    if (!state.decision.bound.includes(verifier.name)) throw new TwoFactorError(ERROR_CODES.NOT_BOUND);
    if (!factor.sendCode) throw new TwoFactorError(ERROR_CODES.VERIFIER_NOT_ALLOWED, { reason: 'no_code_to_send' });
    ctx.body = await factor.sendCode(input);
    await next();
  }

  /** Factors the browser answers (WebAuthn): the options of a new ceremony for the bound verifier. */
  async function verifyStart(ctx: any, next: () => Promise<void>) {
    const values = parseValues(ctx.action.params.values, SCHEMAS.verifyStart);
    const state = await liveUnlocked(services, ctx, 'verify');
    const { verifier, factor, input } = offeredVerifier(services, ctx, state, values.verifier);
    if (!state.decision.bound.includes(verifier.name)) throw new TwoFactorError(ERROR_CODES.NOT_BOUND);
    if (!factor.verifyStart) throw new TwoFactorError(ERROR_CODES.VERIFIER_NOT_ALLOWED, { reason: 'nothing_to_start' });
    ctx.body = await factor.verifyStart(input);
    await next();
  }

  async function skip(ctx: any, next: () => Promise<void>) {
    parseValues(ctx.action.params.values, SCHEMAS.none);
    const state = await live(services, ctx, 'bind');
    const until = services.policy.skippableUntil(state.decision, state.settings);
    if (!until || until.getTime() <= Date.now()) throw new TwoFactorError(ERROR_CODES.SKIP_NOT_ALLOWED);
    const session = await finish(services, ctx, state, { verified: false });
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
    verifyStart: withErrors(verifyStart),
    skip: withErrors(skip),
  };
}

export const TWO_FACTOR_ACTIONS = ['getChallenge', 'bindStart', 'bind', 'verify', 'sendCode', 'verifyStart', 'skip'];
