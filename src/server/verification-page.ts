/**
 * plugin-verification's own Verification item (design §6): bindings made there count as factors,
 * so the last-factor rule must hold on its `verifiers:unbind` too.
 */
import { ERROR_CODES, EVENT_TYPES } from '../constants';
import { requestInfo } from './audit';
import { TwoFactorError, withErrors } from './errors';
import type { Services } from './services';

export function createUnbindGuard(services: Services) {
  return withErrors(async (ctx: any, next: () => Promise<void>) => {
    const name = ctx.action.params.values?.unbindVerifier;
    const user = ctx.auth?.user;
    if (typeof name !== 'string' || !user) return next();
    const settings = await services.settings.get();
    const decision = await services.policy.decide(user, settings);
    const othersRequire = decision.requiredBecause.some((r) => r !== 'opt-in');
    if (othersRequire && decision.bound.length === 1 && decision.bound[0] === name) {
      throw new TwoFactorError(ERROR_CODES.LAST_FACTOR);
    }
    await next();
    const eligible = (await services.verifiers.eligibleVerifiers()).find((v) => v.name === name);
    if (eligible) {
      await services.audit.record({ userId: user.id, type: EVENT_TYPES.unbound, verifier: name, detail: { via: 'verifiers:unbind' } }, requestInfo(ctx));
      await services.notices.notify(user.id, 'factor_removed', { verifier: eligible.title || name });
    }
  });
}
