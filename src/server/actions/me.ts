/**
 * `twoFactorMe:*` — a signed-in user's own 2FA (design §6). Changing factors or backup codes needs
 * fresh proof in the same body; revoking devices does not (it only removes access).
 */
import { ERROR_CODES, EVENT_TYPES } from '../../constants';
import { badRequest, TwoFactorError, withErrors } from '../errors';
import { commitBinding, regenerateBackupCodes as regenerateCodes, removeBinding, takePendingBackupCodes } from '../flows/bindings';
import type { BindingData } from '../factors/types';
import { assertCanTry, checkCode } from '../flows/code-check';
import { answerOf, isThirdPartyVerifier, parseCodeBody } from '../factors/third-party';
import { parseKeyName, parseRegistrationCredential } from '../factors/webauthn/credential-body';
import { removeKey, renameKey } from '../factors/webauthn/keys';
import { PROOF_SCHEMA, requireFreshProof } from '../flows/proof';
import type { Decision } from '../policy';
import { requestInfo } from '../request';
import type { Services } from '../services';
import { parseValues } from '../validation';

const NAME = { type: 'string', maxLength: 255 } as const;
/** How long a signed-in user's pending binding waits for its confirming code. */
const ENROL_TTL_SECONDS = 600;

const SCHEMAS = {
  none: {},
  bindStart: { verifier: NAME, uuid: { type: 'string', maxLength: 255, optional: true }, ...PROOF_SCHEMA },
  // `uuid` and the other fields of a third-party type's own form are for its `bind`.
  bind: {
    verifier: NAME,
    code: { type: 'string', maxLength: 64, optional: true },
    // A WebAuthn verifier takes the browser's `credential` (and the new key's `name`) instead of `code`.
    credential: { type: 'custom', parse: parseRegistrationCredential, optional: true },
    name: { type: 'custom', parse: parseKeyName, optional: true },
    uuid: { type: 'string', maxLength: 255, optional: true },
  },
  unbind: { verifier: NAME, ...PROOF_SCHEMA },
  regenerateBackupCodes: PROOF_SCHEMA,
  revokeDevice: { id: { type: 'integer', min: 1, max: Number.MAX_SAFE_INTEGER } },
  renameCredential: { id: { type: 'integer', min: 1, max: Number.MAX_SAFE_INTEGER }, name: { type: 'custom', parse: parseKeyName } },
  removeCredential: { id: { type: 'integer', min: 1, max: Number.MAX_SAFE_INTEGER }, ...PROOF_SCHEMA },
} as const;

export function createMeActions(services: Services) {
  const { policy, verifiers, factors, challenges, audit, backupCodes, devices } = services;

  async function me(ctx: any) {
    const user = ctx.auth?.user;
    if (!user) ctx.throw(401);
    const model: any = await ctx.db.getRepository('users').findOne({ filterByTk: user.id });
    if (!model) ctx.throw(401);
    const settings = await services.settings.get();
    const decision = await policy.decide(model, settings);
    return { user: model, userId: model.get('id') as string, settings, decision };
  }

  function offered(decision: Decision, name: string) {
    const picked = factors.pick(decision.offered, name);
    if (!picked) throw new TwoFactorError(ERROR_CODES.VERIFIER_NOT_ALLOWED);
    return picked;
  }

  async function get(ctx: any, next: () => Promise<void>) {
    parseValues(ctx.action.params.values, SCHEMAS.none);
    const { userId, decision } = await me(ctx);
    // Codes made for a first factor bound on plugin-verification's page are shown here, once.
    const codes = await takePendingBackupCodes(services, userId);
    const described = await verifiers.describe(ctx, decision.offered, decision.bound, userId, (v) => factors.codeLength(v));
    ctx.body = {
      required: decision.required,
      requiredBecause: decision.requiredBecause,
      // A bound verifier with credentials of its own (WebAuthn keys) lists them for their owner.
      verifiers: await Promise.all(
        described.map(async (entry, i) => {
          const details = entry.bound ? factors.get(entry.verificationType)?.ownerDetails : undefined;
          return details ? { ...entry, ...(await details(services, userId, decision.offered[i])) } : entry;
        }),
      ),
      backupCodes: { remaining: await backupCodes.remaining(userId), ...(codes.length ? { codes } : {}) },
      trustedDevices: await devices.list(ctx, userId),
    };
    await next();
  }

  async function bindStart(ctx: any, next: () => Promise<void>) {
    const { verifier: name, uuid, ...proof } = parseValues(ctx.action.params.values, SCHEMAS.bindStart);
    const { user, userId, settings, decision } = await me(ctx);
    const { verifier, factor } = offered(decision, name);
    // A factor with several credentials (WebAuthn) may add one to its binding.
    if (decision.bound.includes(verifier.name) && !factor.multiple) throw new TwoFactorError(ERROR_CODES.ALREADY_BOUND);
    await requireFreshProof(services, ctx, user, proof, settings, decision.bound[0]);
    const enrolment = await challenges.startEnrolment(userId, verifier.name, ENROL_TTL_SECONDS);
    ctx.body = await factor.bindStart({ deps: services, ctx, user, verifier, challenge: enrolment }, { uuid });
    await next();
  }

  async function bind(ctx: any, next: () => Promise<void>) {
    // Body shape first (400), like every action: our types take a code and nothing else.
    const values = await parseCodeBody(ctx.action.params.values, SCHEMAS.bind, isThirdPartyVerifier(verifiers, factors), ['uuid']);
    const { user, userId, settings, decision } = await me(ctx);
    await assertCanTry(services, 'proof', userId);
    const { verifier, factor } = offered(decision, values.verifier);
    if (decision.bound.includes(verifier.name) && !factor.multiple) throw new TwoFactorError(ERROR_CODES.ALREADY_BOUND);
    const { code, credential } = answerOf(factor, values);
    if (values.name !== undefined && !credential) throw badRequest('name', 'is not a known field');
    const enrolment = await challenges.findEnrolment(userId, verifier.name);
    if (!enrolment) throw new TwoFactorError(ERROR_CODES.BIND_EXPIRED);
    const info = requestInfo(ctx);
    const result = await checkCode(services, { scope: 'proof', userId, settings, verifier: verifier.name, detail: { during: 'self-service bind' }, info }, () =>
      factor.bindCheck({ deps: services, ctx, user, verifier, challenge: enrolment, credential, label: values.name }, code),
    );
    const binding = (result as { binding?: BindingData }).binding;
    if (!binding || !(await challenges.consume(enrolment.jti))) throw new TwoFactorError(ERROR_CODES.BIND_EXPIRED);
    const codes = await commitBinding(services, { userId, verifier, binding, during: 'self-service', info });
    ctx.body = { verifier: verifier.name, bound: true, ...(codes.length ? { backupCodes: codes } : {}) };
    await next();
  }

  async function unbind(ctx: any, next: () => Promise<void>) {
    const { verifier: name, ...proof } = parseValues(ctx.action.params.values, SCHEMAS.unbind);
    const { user, userId, settings, decision } = await me(ctx);
    const eligible = (await verifiers.eligibleVerifiers()).find((v) => v.name === name);
    if (!eligible || !(await verifiers.findBinding(userId, name))) throw new TwoFactorError(ERROR_CODES.NOT_BOUND);
    await requireFreshProof(services, ctx, user, proof, settings, name);
    await removeBinding(services, { userId, verifier: eligible, decision, info: requestInfo(ctx) });
    ctx.body = { verifier: name, bound: false };
    await next();
  }

  async function regenerateBackupCodes(ctx: any, next: () => Promise<void>) {
    const proof = parseValues(ctx.action.params.values, SCHEMAS.regenerateBackupCodes);
    const { user, userId, settings, decision } = await me(ctx);
    if (!decision.bound.length) throw new TwoFactorError(ERROR_CODES.NOT_BOUND);
    await requireFreshProof(services, ctx, user, proof, settings, decision.bound[0]);
    const codes = await regenerateCodes(services, userId);
    await audit.record({ userId, type: EVENT_TYPES.backupCodesRegenerated, detail: { count: codes.length } }, requestInfo(ctx));
    ctx.body = { backupCodes: codes };
    await next();
  }

  async function revokeDevice(ctx: any, next: () => Promise<void>) {
    const { id } = parseValues(ctx.action.params.values, SCHEMAS.revokeDevice);
    const { userId } = await me(ctx);
    const revoked = await devices.revoke(userId, id);
    if (!revoked) throw badRequest('id', 'is not one of your trusted devices');
    await audit.record({ userId, type: EVENT_TYPES.deviceRevoked, detail: { id } }, requestInfo(ctx));
    ctx.body = { revoked };
    await next();
  }

  /** Renaming a security key needs no proof: it changes nothing about access. */
  async function renameCredential(ctx: any, next: () => Promise<void>) {
    const { id, name } = parseValues(ctx.action.params.values, SCHEMAS.renameCredential);
    const { userId } = await me(ctx);
    ctx.body = await renameKey(services, userId, id, name);
    await next();
  }

  async function removeCredential(ctx: any, next: () => Promise<void>) {
    const { id, ...proof } = parseValues(ctx.action.params.values, SCHEMAS.removeCredential);
    const { user, userId, settings, decision } = await me(ctx);
    await requireFreshProof(services, ctx, user, proof, settings, decision.bound[0]);
    ctx.body = await removeKey(services, { userId, id, decision, info: requestInfo(ctx) });
    await next();
  }

  async function revokeAllDevices(ctx: any, next: () => Promise<void>) {
    parseValues(ctx.action.params.values, SCHEMAS.none);
    const { userId } = await me(ctx);
    const revoked = await devices.revokeAll(userId);
    // This user's token leaves the browser's cookie; other users' trusts in it stay.
    await devices.pruneCookie(ctx);
    await audit.record({ userId, type: EVENT_TYPES.deviceRevoked, detail: { all: true, count: revoked } }, requestInfo(ctx));
    ctx.body = { revoked };
    await next();
  }

  return {
    get: withErrors(get),
    bindStart: withErrors(bindStart),
    bind: withErrors(bind),
    unbind: withErrors(unbind),
    regenerateBackupCodes: withErrors(regenerateBackupCodes),
    revokeDevice: withErrors(revokeDevice),
    revokeAllDevices: withErrors(revokeAllDevices),
    renameCredential: withErrors(renameCredential),
    removeCredential: withErrors(removeCredential),
  };
}

export const ME_ACTIONS = [
  'get',
  'bindStart',
  'bind',
  'unbind',
  'regenerateBackupCodes',
  'revokeDevice',
  'revokeAllDevices',
  'renameCredential',
  'removeCredential',
] as const;
