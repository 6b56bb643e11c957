/**
 * Model hooks: verifier options are checked when saved (and enrolled TOTP bindings keep their
 * parameters when they change), the verifier cache follows every change, a password change ends
 * device trusts and challenges, and a deleted user leaves nothing behind.
 */
import { FACTOR_TYPES } from '../constants';
import { PER_USER_COLLECTIONS } from './collections';
import { badRequest } from './errors';
import { FACTORS } from './factors';
import { enrolledParams, totpOptions } from './factors/totp/totp';
import { onPasswordChanged } from './flows/bindings';
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
