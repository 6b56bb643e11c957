/**
 * The sign-in step after the password (design §4): the live challenge and the state it must still
 * match, how a challenge is described to the client, and how a verified second factor ends in
 * NocoBase's own session. `actions/two-factor.ts` parses requests and calls these.
 */
import type { Model } from '@nocobase/database';
import type { Application } from '@nocobase/server';
import { ERROR_CODES, EVENT_TYPES, RESOURCES, Stage } from '../../constants';
import type { ChallengeRecord } from '../challenge';
import { TwoFactorError } from '../errors';
import type { FactorInput } from '../factors/types';
import { assertTrustedRequestOrigin } from '../origin';
import type { Decision } from '../policy';
import { requestInfo } from '../request';
import type { Services } from '../services';
import type { SeenDevices } from '../notices';
import { UserRead } from '../one-read';
import { actAs, issueSession, lookUpSessionRole, presetSessionRole, resolvePasswordAuth } from '../session';
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
  /** The role core's session cookie will name (read with the rest). */
  sessionRole: string | null;
  /** Whether this browser and network are known for the user (read with the rest). */
  seen: SeenDevices;
}

const invalidChallenge = () => new TwoFactorError(ERROR_CODES.CHALLENGE_INVALID);

/**
 * The live challenge and the state it must still match (design §4.4), in ONE statement: the
 * user's row with the challenge row, the 2FA state and bindings, the session's role and whether
 * this device is known (one-read.ts). `reasons` asks for the full `requiredBecause`.
 */
export async function live(services: Services, ctx: any, stage?: Stage, options: { reasons?: boolean } = {}): Promise<Live> {
  assertTrustedRequestOrigin(ctx);
  const claims = await services.challenges.claims(ctx);
  const settings = await services.settings.get();
  const read = new UserRead(services.app.db, claims.userId);
  services.challenges.lookUp(read, claims);
  const decide = await services.policy.lookUp(read, settings, options);
  const sessionRole = lookUpSessionRole(read);
  const seen = services.notices.lookUp(read, ctx);
  const { user, answers } = await read.run();
  if (!user) throw invalidChallenge();
  const challenge = services.challenges.recordFrom(answers, claims, stage);
  if (Number(user.get('passwordChangeTz') || 0) !== Number(challenge.passwordChangeTz || 0)) throw invalidChallenge();
  const auth = await resolvePasswordAuth(ctx, challenge.authenticator);
  const decision = await decide(answers);
  if (!decision.required || decision.stage !== challenge.stage) throw invalidChallenge();
  return { challenge, user, userId: user.get('id') as string, settings, decision, auth, sessionRole: sessionRole(answers), seen: seen(answers) };
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
 * sign-in guard's trusted-device path; `known` is what the second step's one read found (the
 * state row, the device), so nothing is read again.
 */
export async function markVerified(
  services: Services,
  ctx: any,
  userId: number | string,
  audit?: VerifiedAudit,
  known?: { stateStored?: boolean; seen?: SeenDevices },
) {
  await services.policy.updateState(userId, { lastVerifiedAt: new Date() }, known?.stateStored);
  if (audit) {
    await services.audit.record({ userId, type: EVENT_TYPES.verified, verifier: audit.verifier ?? null, detail: audit.detail }, requestInfo(ctx));
  }
  await services.notices.recordSignIn(ctx, userId, requestInfo(ctx), known?.seen);
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
  // What the success changes is stored only once every other sign-in check let it through.
  presetSessionRole(ctx, state.sessionRole);
  const session = await signInBehindOtherChecks(ctx, state.auth, state.user, options.commit);
  // Another plugin's check answered instead of letting the sign-in through (or took the token
  // out of the answer): its answer stands, and nothing was stored.
  if (!session) return ctx.body;
  if (options.verified === false) await services.notices.recordSignIn(ctx, userId, requestInfo(ctx), state.seen);
  else await markVerified(services, ctx, userId, options.audit, { stateStored: state.decision.state.stored, seen: state.seen });
  if (options.trustDevice && settings.allowTrustedDevices) {
    await services.devices.trust(ctx, userId, settings.trustedDeviceDays);
    await services.audit.record({ userId, type: EVENT_TYPES.deviceTrusted, detail: { days: settings.trustedDeviceDays } }, requestInfo(ctx));
  }
  return session;
}

type Handler = (ctx: any, next: () => Promise<void>) => unknown;

/** Our own `auth:signIn` pre-action handlers: not run again when the session is issued here. */
const ownSignInHandlers = new WeakSet<Handler>();

export function markOwnSignInHandler<H extends Handler>(handler: H): H {
  ownSignInHandlers.add(handler);
  return handler;
}

/**
 * The session, issued behind the `auth:signIn` pre-action handlers registered after our guard, in
 * their order. The guard answers a 2FA user's password step without calling `next`, so those
 * handlers (another plugin's "password expired" refusal, an IP rule) never saw that request; they
 * see this one, with `ctx.auth` validating to the user, and may refuse it. `commit` runs just
 * before the session is issued, so a refusal stores nothing. Undefined unless the answer that
 * stands after every handler is the session we issued.
 */
async function signInBehindOtherChecks(ctx: any, auth: any, user: Model, commit?: () => Promise<void>) {
  const all = ctx.app.resourceManager.getRegisteredPreActionHandlers('auth', 'signIn') as Handler[];
  const ours = all.findIndex((h) => ownSignInHandlers.has(h));
  // Those before ours already ran for this user's password step.
  const handlers = all.slice(ours + 1).filter((h) => !ownSignInHandlers.has(h));
  actAs(ctx, auth, user);
  let session: Awaited<ReturnType<typeof issueSession>> | undefined;
  const run = async (i: number): Promise<void> => {
    if (i < handlers.length) {
      await handlers[i](ctx, () => run(i + 1));
      return;
    }
    await commit?.();
    session = await issueSession(ctx);
    ctx.body = session;
  };
  await run(0);
  return session && ctx.body === session && session.token ? session : undefined;
}

/** Request fields an audit entry may show: never a code, a backup code or another form field. */
const AUDITED_FIELDS = ['verifier', 'trustDevice'];

/**
 * NocoBase's audit log records `auth:signIn` (plugin-auth registers it); for a 2FA user the
 * request that issues the session is ours, so ours are registered the same way: the user who
 * signed in, the request without its code, the answer without its token and backup codes.
 */
export function registerSessionAudit(app: Application) {
  const auditManager = (app as any).auditManager;
  if (!auditManager?.registerActions) return;
  const getMetaData = async (ctx: any) => {
    const sent = ctx.request?.body && typeof ctx.request.body === 'object' ? ctx.request.body : {};
    const body = Object.fromEntries(AUDITED_FIELDS.filter((k) => k in sent).map((k) => [k, sent[k]]));
    const data = ctx.body?.data;
    const answer = ctx.status === 200 && data && typeof data === 'object' ? { data: { ...data, token: undefined, backupCodes: undefined } } : ctx.body;
    return { request: { body }, response: { body: answer } };
  };
  const getUserInfo = async (ctx: any) => {
    const userId = ctx.body?.data?.user?.id;
    if (!userId) return null;
    const user: any = await ctx.db.getRepository('users').findOne({ filterByTk: userId });
    const roles = await user?.getRoles?.();
    return roles?.length === 1 ? { userId, roleName: roles[0].name } : { userId };
  };
  auditManager.registerActions(
    ['verify', 'bind', 'skip'].map((action) => ({ name: `${RESOURCES.twoFactor}:${action}`, getMetaData, getUserInfo })),
  );
}
