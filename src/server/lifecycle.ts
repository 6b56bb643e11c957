/** What happens to a user's 2FA state when an admin resets it, or the password changes. */
import { COLLECTIONS } from '../constants';
import type { Services } from './services';

/** Removes bindings of eligible verifiers, backup codes, trusted devices, grace start and live challenges. */
export async function resetUserTwoFactor(services: Services, userId: number | string): Promise<string[]> {
  const { app } = services;
  const eligible = (await services.verifiers.eligibleVerifiers()).map((v) => v.name);
  const removed = await services.verifiers.boundNames(userId, eligible);
  await app.db.sequelize.transaction(async (transaction) => {
    if (removed.length) {
      await app.db.getCollection('usersVerifiers').model.destroy({ where: { userId, verifier: removed }, transaction });
    }
    await services.backupCodes.remove(userId, transaction);
    await services.devices.revokeAll(userId, transaction);
    await services.otps.removeFor(userId, transaction);
    await app.db.getCollection(COLLECTIONS.totpSteps).model.destroy({ where: { userId }, transaction });
    await app.db.getCollection(COLLECTIONS.userStates).model.update({ firstRequiredAt: null }, { where: { userId }, transaction });
  });
  await services.challenges.killAllFor(userId);
  await services.attempts.clear(userId);
  return removed;
}

/** A new password ends every device trust and every open challenge. */
export async function onPasswordChanged(services: Services, userId: number | string, transaction?: unknown) {
  await services.devices.revokeAll(userId, transaction);
  await services.challenges.killAllFor(userId, transaction);
}
