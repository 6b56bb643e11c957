/**
 * plugin-verification's own Verification item (design §6). Bindings of other plugins' eligible
 * types made there count as factors, so its `verifiers:bind` and `verifiers:unbind` go through
 * our binding lifecycle: fresh proof (the account `password`, or `proofCode` of a factor named by
 * `proofVerifier` that was bound before this request), audit rows, notices, backup codes for a
 * first factor, the last-factor rule and cleanup. Our own types refuse that page themselves
 * (409 TWO_FACTOR_USE_TWO_FACTOR_PAGE from their `bind`).
 */
import { withErrors } from './errors';
import { FACTORS } from './factors';
import { adoptBinding, removeBinding, serialisedForUser } from './flows/bindings';
import { requireFreshProof } from './flows/proof';
import { requestInfo } from './request';
import type { Services } from './services';
import { isPlainObject, parseValues } from './validation';

const PROOF = {
  password: { type: 'string', maxLength: 1024, optional: true },
  proofCode: { type: 'string', maxLength: 64, optional: true },
  proofVerifier: { type: 'string', maxLength: 255, optional: true },
} as const;

const OURS = new Set(FACTORS.filter((f) => f.verification).map((f) => f.type));

/** The eligible verifier named `name` that is not one of ours, or null (then the page is not ours to judge). */
async function othersEligible(services: Services, name: unknown) {
  if (typeof name !== 'string') return null;
  const verifier = (await services.verifiers.eligibleVerifiers()).find((v) => v.name === name);
  return verifier && !OURS.has(verifier.verificationType) ? verifier : null;
}

/** Our proof fields out of the page's body (its own fields pass through untouched). */
function proofOf(values: unknown) {
  const all = isPlainObject(values) ? values : {};
  const { password, proofCode, proofVerifier } = parseValues(
    Object.fromEntries(Object.entries(all).filter(([k]) => k in PROOF)),
    PROOF,
  );
  return { password, code: proofCode, proofVerifier };
}

async function caller(services: Services, ctx: any) {
  const id = ctx.auth?.user?.id;
  const user: any = id ? await ctx.db.getRepository('users').findOne({ filterByTk: id }) : null;
  if (!user) return null;
  const settings = await services.settings.get();
  return { user, userId: user.get('id') as number, settings, decision: await services.policy.decide(user, settings) };
}

/** `verifiers:bind` of another plugin's eligible type: proof first, then audit, notice and backup codes. */
export function createBindGuard(services: Services) {
  return withErrors(async (ctx: any, next: () => Promise<void>) => {
    const values = ctx.action.params.values;
    const verifier = await othersEligible(services, values?.verifier);
    const me = verifier && (await caller(services, ctx));
    if (!verifier || !me) return next();
    await requireFreshProof(services, ctx, me.user, proofOf(values), me.settings);
    // Its bind checks "not bound yet" and then inserts: one factor change per user at a time.
    await serialisedForUser(services, me.userId, next);
    if (await services.verifiers.findBinding(me.userId, verifier.name)) {
      await adoptBinding(services, { userId: me.userId, verifier, info: requestInfo(ctx) });
    }
  });
}

/**
 * `verifiers:unbind` of an eligible verifier (plugin-verification has already checked its own
 * `unbind-verifier` code): our proof, then our removal with the last-factor rule and cleanup.
 */
export function createUnbindGuard(services: Services) {
  return withErrors(async (ctx: any, next: () => Promise<void>) => {
    const values = ctx.action.params.values;
    const name = values?.unbindVerifier;
    const verifier = typeof name === 'string' ? (await services.verifiers.eligibleVerifiers()).find((v) => v.name === name) : undefined;
    const me = verifier && (await caller(services, ctx));
    if (!verifier || !me) return next();
    await requireFreshProof(services, ctx, me.user, proofOf(values), me.settings);
    await removeBinding(services, { userId: me.userId, verifier, decision: me.decision, via: 'verifiers:unbind', info: requestInfo(ctx) });
    ctx.body = {};
  });
}
