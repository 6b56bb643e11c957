/**
 * Model hooks: verifier options are checked when saved (and enrolled TOTP bindings keep their
 * parameters when they change), the verifier cache follows every change, a password change ends
 * device trusts and challenges, and a deleted user leaves nothing behind.
 */
import { ERROR_CODES, FACTOR_TYPES } from '../constants';
import { PER_USER_COLLECTIONS } from './collections';
import { badRequest, TwoFactorError } from './errors';
import { FACTORS } from './factors';
import { enrolledParams, totpOptions } from './factors/totp/totp';
import { afterVerifierDeleted, onPasswordChanged } from './flows/bindings';
import { requestInfo } from './request';
import type { Services } from './services';

const OPTION_CHECKS = new Map(FACTORS.filter((f) => f.optionProblems).map((f) => [f.type, f.optionProblems!]));

/**
 * Bindings enrolled before their parameters were stored on them get the verifier's parameters of
 * enrolment (its options before this change), so editing the verifier never breaks an app.
 */
async function pinTotpParams(services: Services, model: any, options: any) {
  if (model.get('verificationType') !== FACTOR_TYPES.totp || model.isNewRecord || !model.changed?.('options')) return;
  const before = enrolledParams(totpOptions(model.previous('options') || {}));
  const after = enrolledParams(totpOptions(model.get('options') || {}));
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  const bindings = services.app.db.getCollection('usersVerifiers').model;
  const rows: any[] = await bindings.findAll({ where: { verifier: model.get('name') }, transaction: options?.transaction });
  for (const row of rows) {
    const meta = row.get('meta') || {};
    if (meta.totp) continue;
    await bindings.update(
      { meta: { ...meta, totp: before } },
      { where: { userId: row.get('userId'), verifier: model.get('name') }, transaction: options?.transaction },
    );
  }
}

/** `confirm=true` in the query, or `confirm: true` in the body, of the request deleting a verifier. */
function confirmed(ctx: any) {
  const params = ctx?.action?.params || {};
  return params.confirm === 'true' || params.confirm === true || params.values?.confirm === true;
}

/**
 * Deleting a verifier over HTTP (plugin-verification's `verifiers:destroy`) while users have it
 * bound: 409 TWO_FACTOR_VERIFIER_IN_USE (`users`: how many) unless the request confirms; once
 * confirmed and committed, each of them goes through the binding lifecycle (audit, notice, cleanup).
 * The database removes the bindings themselves with the verifier.
 */
function guardVerifierDeletion(services: Services) {
  const { db } = services.app;
  const pending = new WeakMap<object, { userIds: Array<number | string>; ctx: any }>();
  db.on('verifiers.beforeDestroy', async (model: any, options: any) => {
    const ctx = options?.context;
    if (!ctx || !services.verifiers.isEligibleType(model.get('verificationType'))) return;
    const rows: any[] = await db.getCollection('usersVerifiers').model.findAll({
      where: { verifier: model.get('name') },
      attributes: ['userId'],
      transaction: options.transaction,
      raw: true,
    });
    const userIds = [...new Set(rows.map((r) => r.userId))];
    if (!userIds.length) return;
    if (!confirmed(ctx)) throw new TwoFactorError(ERROR_CODES.VERIFIER_IN_USE, { users: userIds.length });
    pending.set(model, { userIds, ctx });
  });
  db.on('verifiers.afterDestroy', async (model: any, options: any) => {
    const job = pending.get(model);
    if (!job) return;
    pending.delete(model);
    const verifier = { name: model.get('name'), title: model.get('title'), verificationType: model.get('verificationType'), options: {} };
    const run = async () => {
      try {
        await afterVerifierDeleted(services, { verifier, userIds: job.userIds, info: requestInfo(job.ctx) });
      } catch (err) {
        services.app.log.error(`two-factor: cleanup after deleting verifier ${verifier.name} failed`, { err });
      }
    };
    if (options?.transaction?.afterCommit) options.transaction.afterCommit(run);
    else await run();
  });
}

export function registerHooks(services: Services) {
  const { db } = services.app;
  db.on('verifiers.beforeSave', async (model: any, options: any) => {
    const check = OPTION_CHECKS.get(model.get('verificationType'));
    const [problem] = check ? check(model.get('options') || {}) : [];
    if (problem) throw badRequest(`options.${problem[0]}`, problem[1]);
    await pinTotpParams(services, model, options);
  });
  for (const event of ['verifiers.afterSave', 'verifiers.afterDestroy']) {
    db.on(event, async (_model: unknown, options: any) => {
      await services.verifiers.invalidate();
      // Saves run in a transaction: a read on another request (or instance) between this hook
      // and the commit would put the old list back into the shared cache; clear it again.
      options?.transaction?.afterCommit?.(() => services.verifiers.invalidate());
    });
  }
  guardVerifierDeletion(services);
  db.on('users.afterUpdate', async (user: any, options: any) => {
    if (user.changed?.('password')) await onPasswordChanged(services, user.get('id'), options?.transaction);
  });
  db.on('users.afterDestroy', async (user: any, options: any) => {
    const userId = user.get('id');
    for (const name of PER_USER_COLLECTIONS) {
      await db.getCollection(name).model.destroy({ where: { userId }, transaction: options?.transaction });
    }
  });
}
