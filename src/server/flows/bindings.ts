/**
 * The binding lifecycle, one path for every way in (the sign-in bind, the personal center,
 * plugin-verification's own Verification page, an admin reset, the CLI):
 *
 * - `commitBinding` stores a new binding (one per user and verifier, even when two binds race),
 *   writes the `bound` audit row and notice, and gives the first factor its backup codes;
 * - `adoptBinding` does the same around plugin-verification's own bind;
 * - `removeBinding` applies the last-factor rule and removes a binding with everything that only
 *   existed for it (replay marks; backup codes and device trusts when no factor is left), as
 *   `afterVerifierDeleted` does for the bindings a deleted verifier took with it;
 * - `resetByAdmin` removes every factor of a user, for the admin action and the CLI;
 * - `regenerateBackupCodes` makes a new set while a factor is bound.
 *
 * Changes of one user's factors are serialised by a lock on the user's state row, so the
 * last-factor rule and "one binding per verifier" hold across concurrent requests and instances.
 */
import { randomUUID } from 'node:crypto';
import { Op, Transaction } from '@nocobase/database';
import { COLLECTIONS, ERROR_CODES, EVENT_TYPES } from '../../constants';
import { TwoFactorError } from '../errors';
import type { BindingData } from '../factors/types';
import type { Decision } from '../policy';
import type { RequestInfo } from '../request';
import type { Services } from '../services';
import type { VerifierInfo } from '../verifiers';

const PENDING_CODES_AAD = (userId: number | string) => `backup-codes:pending:${userId}`;

/** How long one factor change may hold the user's lock, and how long another waits for it. */
const LOCK_HOLD_MS = 60_000;
const LOCK_WAIT_MS = 10_000;

/**
 * Runs `work` while holding the user's factor-change lock: one factor change per user at a time,
 * on every database (SQLite included, where concurrent transactions can't be used) and across
 * instances. Taken by a conditional UPDATE; a holder that died frees it when `changeLockUntil` passes.
 */
export async function serialisedForUser<T>(services: Services, userId: number | string, work: () => Promise<T>): Promise<T> {
  await services.policy.ensureState(userId);
  const states = services.app.db.getCollection(COLLECTIONS.userStates).model;
  const token = randomUUID();
  const giveUp = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const [taken] = await states.update(
      { changeLock: token, changeLockUntil: new Date(Date.now() + LOCK_HOLD_MS) },
      // `silent`: the lock is bookkeeping, not a change of the user's state (updatedAt stays).
      { where: { userId, [Op.or]: [{ changeLock: null }, { changeLockUntil: { [Op.lt]: new Date() } }] }, silent: true },
    );
    if (taken === 1) break;
    if (Date.now() > giveUp) throw new TwoFactorError(ERROR_CODES.THROTTLED, { retryAfter: 1, reason: 'busy' });
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.floor(Math.random() * 30)));
  }
  try {
    return await work();
  } finally {
    await states.update({ changeLock: null, changeLockUntil: null }, { where: { userId, changeLock: token }, silent: true });
  }
}

/** Names of eligible verifiers the user has bound, read inside `transaction`. */
async function boundEligible(services: Services, userId: number | string, transaction?: Transaction) {
  const eligible = (await services.verifiers.eligibleVerifiers()).map((v) => v.name);
  if (!eligible.length) return [];
  const rows: any[] = await services.app.db
    .getCollection('usersVerifiers')
    .model.findAll({ where: { userId, verifier: eligible }, attributes: ['verifier'], transaction });
  return rows.map((r) => r.get('verifier') as string);
}

/** After a binding exists: audit, notice, and the first factor's backup codes (returned in clear, to show once). */
async function afterBound(
  services: Services,
  args: { userId: number | string; verifier: VerifierInfo; during: string; firstFactor: boolean; info: RequestInfo; label?: string },
): Promise<string[]> {
  const { userId, verifier, during, info, label } = args;
  await services.audit.record({ userId, type: EVENT_TYPES.bound, verifier: verifier.name, detail: { during, ...(label ? { key: label } : {}) } }, info);
  if (label) await services.notices.notify(userId, 'security_key_added', { name: label, verifier: verifier.title || verifier.name });
  else await services.notices.notify(userId, 'factor_bound', { verifier: verifier.title || verifier.name });
  const codes = args.firstFactor ? await services.backupCodes.firstSet(userId) : [];
  if (codes.length) {
    await services.audit.record({ userId, type: EVENT_TYPES.backupCodesRegenerated, detail: { count: codes.length, during } }, info);
  }
  return codes;
}

/**
 * Stores `binding` for (user, verifier) and returns the backup codes to show once (first factor
 * only). 409 TWO_FACTOR_ALREADY_BOUND when the user has it already, also when two binds race.
 */
export async function commitBinding(
  services: Services,
  args: {
    userId: number | string;
    verifier: VerifierInfo;
    binding: BindingData;
    during: string;
    info: RequestInfo;
    /** Sign-in bind stage: the offered verifiers, none of which may be bound by now (another tab, or someone else with the password). */
    stageBind?: string[];
  },
): Promise<string[]> {
  const { userId, verifier, binding } = args;
  const bindings = services.app.db.getCollection('usersVerifiers').model;
  const firstFactor = await serialisedForUser(services, userId, async () => {
    const bound = await boundEligible(services, userId);
    // A factor with several credentials (WebAuthn) adds one to its binding in the personal center.
    const adding = bound.includes(verifier.name) && !!binding.store && !args.stageBind;
    if (bound.includes(verifier.name) && !adding) throw new TwoFactorError(ERROR_CODES.ALREADY_BOUND);
    if (args.stageBind?.some((name) => bound.includes(name))) throw new TwoFactorError(ERROR_CODES.CHALLENGE_INVALID);
    const create = (transaction?: Transaction) =>
      bindings.create({ userId, verifier: verifier.name, uuid: binding.uuid, meta: binding.meta }, { transaction });
    if (!binding.store) await create();
    else {
      const store = binding.store;
      // The binding and its first credential are stored together, or neither.
      await services.app.db.sequelize.transaction(async (transaction) => {
        if (!adding) await create(transaction);
        await store({ fresh: !adding, transaction });
      });
    }
    return bound.length === 0;
  });
  return afterBound(services, { ...args, firstFactor, label: binding.label });
}

/**
 * A binding made by plugin-verification's own `verifiers:bind` (another plugin's type): `bind`
 * runs its action under the user's factor-change lock; then the same audit row and notice as
 * ours, and a first factor's backup codes kept sealed until the personal center shows them once.
 */
export async function adoptBinding(
  services: Services,
  args: { userId: number | string; verifier: VerifierInfo; info: RequestInfo },
  bind: () => Promise<void>,
) {
  const { userId, verifier } = args;
  const outcome = await serialisedForUser(services, userId, async () => {
    const before = await boundEligible(services, userId);
    await bind();
    const after = await boundEligible(services, userId);
    return { added: !before.includes(verifier.name) && after.includes(verifier.name), firstFactor: before.length === 0 };
  });
  if (!outcome.added) return;
  const codes = await afterBound(services, { ...args, during: 'verification page', firstFactor: outcome.firstFactor });
  if (codes.length) {
    const sealed = services.box.encrypt(JSON.stringify(codes), PENDING_CODES_AAD(userId));
    await services.policy.updateState(userId, { pendingBackupCodes: sealed });
  }
}

/** Backup codes waiting to be shown (see `adoptBinding`), handed out once; empty when none wait. */
export async function takePendingBackupCodes(services: Services, userId: number | string): Promise<string[]> {
  const states = services.app.db.getCollection(COLLECTIONS.userStates).model;
  const row: any = await states.findOne({ where: { userId }, attributes: ['pendingBackupCodes'] });
  const sealed = row?.get('pendingBackupCodes');
  if (!sealed) return [];
  // Only the request that clears the column shows them.
  const [count] = await states.update({ pendingBackupCodes: null }, { where: { userId, pendingBackupCodes: sealed } });
  if (count !== 1) return [];
  try {
    const codes = JSON.parse(services.box.decrypt(sealed, PENDING_CODES_AAD(userId)));
    // Codes used or replaced since then are not shown.
    return (await services.backupCodes.remaining(userId)) === codes.length ? codes : [];
  } catch {
    return [];
  }
}

/**
 * Removes the user's binding of `name` (design §6): 409 TWO_FACTOR_LAST_FACTOR when it is the last
 * offered factor of a user required for another reason than opting in. Replay marks of the
 * binding go; backup codes and device trusts go with the last eligible factor.
 */
export async function removeBinding(
  services: Services,
  args: { userId: number | string; verifier: VerifierInfo; decision: Decision; via?: string; info: RequestInfo },
) {
  const { userId, verifier, decision, info } = args;
  const offered = new Set(decision.offered.map((v) => v.name));
  const left = await serialisedForUser(services, userId, async () => {
    const bound = await boundEligible(services, userId);
    if (!bound.includes(verifier.name)) throw new TwoFactorError(ERROR_CODES.NOT_BOUND);
    const remaining = bound.filter((n) => n !== verifier.name);
    if (!services.policy.canRemove(decision, verifier.name, remaining.filter((n) => offered.has(n)))) {
      throw new TwoFactorError(ERROR_CODES.LAST_FACTOR);
    }
    await services.app.db.getCollection('usersVerifiers').model.destroy({ where: { userId, verifier: verifier.name } });
    return remaining.length;
  });
  await afterRemoved(services, { userId, verifier, factorsLeft: left, via: args.via, info });
}

/**
 * After a binding is gone (removed, or its verifier deleted): its replay marks go; with the last
 * eligible factor, backup codes and device trusts go too (they have nothing to stand for); the
 * `unbound` audit row and the notice.
 */
async function afterRemoved(
  services: Services,
  args: { userId: number | string; verifier: VerifierInfo; factorsLeft: number; via?: string; info?: RequestInfo },
) {
  const { userId, verifier } = args;
  await services.attempts.forgetSteps(userId, verifier.name);
  // What the factor kept beside the binding (WebAuthn: the keys).
  await services.factors.get(verifier.verificationType)?.unbound?.(services, userId, verifier.name);
  if (!args.factorsLeft) {
    await services.backupCodes.remove(userId);
    await services.devices.revokeAll(userId);
  }
  await services.audit.record({ userId, type: EVENT_TYPES.unbound, verifier: verifier.name, detail: args.via ? { via: args.via } : undefined }, args.info);
  await services.notices.notify(userId, 'factor_removed', { verifier: verifier.title || verifier.name });
}

/** Removes bindings of eligible verifiers, backup codes, trusted devices, grace start and live challenges. */
async function resetUserTwoFactor(services: Services, userId: number | string): Promise<string[]> {
  const { app } = services;
  const removed = await serialisedForUser(services, userId, () =>
    app.db.sequelize.transaction(async (transaction) => {
      const bound = await boundEligible(services, userId, transaction);
      if (bound.length) {
        await app.db.getCollection('usersVerifiers').model.destroy({ where: { userId, verifier: bound }, transaction });
      }
      await services.backupCodes.remove(userId, transaction);
      await services.devices.revokeAll(userId, transaction);
      await services.otps.removeFor(userId, transaction);
      await app.db.getCollection(COLLECTIONS.totpSteps).model.destroy({ where: { userId }, transaction });
      for (const factor of services.factors.own()) await factor.unbound?.(services, userId, null, transaction);
      await app.db
        .getCollection(COLLECTIONS.userStates)
        .model.update({ firstRequiredAt: null, pendingBackupCodes: null }, { where: { userId }, transaction });
      return bound;
    }),
  );
  await services.challenges.killAllFor(userId);
  await services.attempts.clear(userId);
  return removed;
}

/**
 * An admin (or the break-glass CLI, `by: 'cli'`) resets a user's 2FA: every factor, backup code,
 * trust and challenge goes; the user binds again at the next sign-in and is told.
 */
export async function resetByAdmin(services: Services, args: { userId: number | string; by: number | string | null; info?: RequestInfo }) {
  const { userId, by } = args;
  const verifiers = await resetUserTwoFactor(services, userId);
  await services.audit.record({ userId, type: EVENT_TYPES.adminReset, detail: { by, verifiers } }, args.info);
  await services.notices.notify(userId, 'admin_reset');
  return verifiers;
}

/** A new password ends every device trust and every open challenge. */
export async function onPasswordChanged(services: Services, userId: number | string, transaction?: unknown) {
  await services.devices.revokeAll(userId, transaction);
  await services.challenges.killAllFor(userId, transaction);
}

/**
 * An admin deleted a verifier that users had bound (plugin-verification's `verifiers:destroy`,
 * confirmed), and the database removed those bindings with it. For each of those users, what
 * `removeBinding` does after its delete: replay marks go, backup codes and device trusts go with
 * the last eligible factor, an `unbound` audit row (`via: 'verifier deleted'`) and a notice.
 */
export async function afterVerifierDeleted(
  services: Services,
  args: { verifier: VerifierInfo; userIds: Array<number | string>; info?: RequestInfo },
) {
  const { verifier, info } = args;
  for (const userId of args.userIds) {
    const left = (await boundEligible(services, userId)).filter((n) => n !== verifier.name);
    await afterRemoved(services, { userId, verifier, factorsLeft: left.length, via: 'verifier deleted', info });
  }
}

/**
 * A new set of backup codes for a user who still has a factor (decided under the user's lock, so
 * a removal of the last factor at the same moment cannot leave codes behind).
 */
export async function regenerateBackupCodes(services: Services, userId: number | string): Promise<string[]> {
  return serialisedForUser(services, userId, async () => {
    if (!(await boundEligible(services, userId)).length) throw new TwoFactorError(ERROR_CODES.NOT_BOUND);
    return services.backupCodes.regenerate(userId);
  });
}
