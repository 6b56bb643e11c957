/**
 * A signed-in user's own security keys (`twoFactorMe:renameCredential` / `removeCredential`).
 * Removing a key that is not the last one of its verifier removes just that key (under the user's
 * factor-change lock, so two removals can't both think the other key stays); removing the last
 * one removes the binding through the binding lifecycle, so the last-factor rule applies.
 */
import { ERROR_CODES, EVENT_TYPES } from '../../../constants';
import { badRequest, TwoFactorError } from '../../errors';
import { removeBinding, serialisedForUser } from '../../flows/bindings';
import type { Decision } from '../../policy';
import type { RequestInfo } from '../../request';
import type { Services } from '../../services';
import { WebauthnStore } from './store';

const notYours = () => badRequest('id', 'is not one of your security keys');

export async function renameKey(services: Services, userId: number | string, id: number, name: string) {
  if (!(await new WebauthnStore(services.app).rename(userId, id, name))) throw notYours();
  return { id, name };
}

/** The key `id` of the user, or 400. */
export async function ownKey(services: Services, userId: number | string, id: number) {
  const key = await new WebauthnStore(services.app).findOwn(userId, id);
  if (!key) throw notYours();
  return key;
}

export async function removeKey(services: Services, args: { userId: number | string; id: number; decision: Decision; info: RequestInfo }) {
  const { userId, id, decision, info } = args;
  const store = new WebauthnStore(services.app);
  const key = await ownKey(services, userId, id);
  const verifier = (await services.verifiers.eligibleVerifiers()).find((v) => v.name === key.verifier);
  if (!verifier) throw new TwoFactorError(ERROR_CODES.NOT_BOUND);
  const outcome = await serialisedForUser(services, userId, async () => {
    const keys = await store.list(userId, key.verifier);
    if (!keys.some((k) => k.id === id)) throw notYours();
    if (keys.length === 1) return { last: true, left: 0 };
    await store.remove(userId, id);
    return { last: false, left: keys.length - 1 };
  });
  if (outcome.last) {
    // The last key: the verifier goes with it (or 409 TWO_FACTOR_LAST_FACTOR).
    await removeBinding(services, { userId, verifier, decision, info });
    return { id, removed: true, verifierRemoved: true };
  }
  await services.audit.record({ userId, type: EVENT_TYPES.unbound, verifier: verifier.name, detail: { key: key.name, keysLeft: outcome.left } }, info);
  await services.notices.notify(userId, 'security_key_removed', { name: key.name, verifier: verifier.title || verifier.name });
  return { id, removed: true, verifierRemoved: false };
}
