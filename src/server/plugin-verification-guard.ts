/**
 * plugin-verification's own Verification item (design §6). Bindings of other plugins' eligible
 * types made there count as factors, so its `verifiers:bind` and `verifiers:unbind` go through
 * our binding lifecycle: fresh proof (the account `password`, or `proofCode` of a factor named by
 * `proofVerifier` that was bound before this request), audit rows, notices, backup codes for a
 * first factor, the last-factor rule and cleanup. Our own types refuse that page themselves
 * (409 TWO_FACTOR_USE_TWO_FACTOR_PAGE from their `bind`).
 */
import { badRequest, withErrors } from './errors';
import { FACTORS } from './factors';
import { adoptBinding, removeBinding } from './flows/bindings';
import { PROOF_SCHEMA, requireFreshProof } from './flows/proof';
import { requestInfo } from './request';
import type { Services } from './services';
import { isPlainObject, parseValues } from './validation';

/** Our proof fields, named apart from the page's own `code` (which belongs to the new factor). */
const PROOF = { password: PROOF_SCHEMA.password, proofCode: PROOF_SCHEMA.code, proofVerifier: PROOF_SCHEMA.proofVerifier } as const;

const OURS = new Set(FACTORS.filter((f) => f.verification).map((f) => f.type));

/**
 * The verifier plugin-verification itself will act on for `value` (its own lookup, so a name that
 * matches differently — case, an operator object, a list — is judged as the row it reaches), if it
 * is eligible for 2FA; null when there is no such row. A name that is not a plain string is
 * refused: the page's own forms only ever send strings.
 */
async function eligibleTarget(services: Services, ctx: any, field: string, value: unknown) {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw badRequest(field, 'must be a verifier name');
  const manager = (ctx.app.pm.get('verification') as any)?.verificationManager;
  const row: any = manager ? await manager.getVerifier(value) : null;
  if (!row) return null;
  return (await services.verifiers.eligibleVerifiers()).find((v) => v.name === row.get('name')) ?? null;
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
    const target = await eligibleTarget(services, ctx, 'verifier', values?.verifier);
    // Our own types refuse that page themselves (their bind answers USE_TWO_FACTOR_PAGE).
    const verifier = target && !OURS.has(target.verificationType) ? target : null;
    const me = verifier && (await caller(services, ctx));
    if (!verifier || !me) return next();
    await requireFreshProof(services, ctx, me.user, proofOf(values), me.settings);
    // Its bind checks "not bound yet" and then inserts: one factor change per user at a time.
    await adoptBinding(services, { userId: me.userId, verifier, info: requestInfo(ctx) }, next);
  });
}

/**
 * `verifiers:unbind` of an eligible verifier (plugin-verification has already checked its own
 * `unbind-verifier` code): our proof, then our removal with the last-factor rule and cleanup.
 */
export function createUnbindGuard(services: Services) {
  return withErrors(async (ctx: any, next: () => Promise<void>) => {
    const values = ctx.action.params.values;
    const verifier = await eligibleTarget(services, ctx, 'unbindVerifier', values?.unbindVerifier);
    const me = verifier && (await caller(services, ctx));
    if (!verifier || !me) return next();
    await requireFreshProof(services, ctx, me.user, proofOf(values), me.settings);
    await removeBinding(services, { userId: me.userId, verifier, decision: me.decision, via: 'verifiers:unbind', info: requestInfo(ctx) });
    ctx.body = {};
  });
}
