/**
 * Any other verification type registered with plugin-verification (`bindingRequired: true`) takes
 * part in our flows through its own `bind` and `verify` — the extension point for plugin authors.
 * Our challenge, lock, attempts, audit and session still wrap every call.
 */
import { TwoFactorError } from '../errors';
import type { Factor, FactorInput } from './types';

export function thirdPartyFactor(manager: any, type: string): Factor {
  const instance = (input: FactorInput) => {
    const VerificationClass = manager.getVerification(type);
    return new VerificationClass({ ctx: input.ctx, verifier: input.verifier, options: input.verifier.options || {} });
  };
  const refused = (input: FactorInput, err: unknown) => {
    if (err instanceof TwoFactorError) throw err;
    input.deps.app.log.debug?.(`open2fa: verification type ${type} refused: ${(err as Error)?.message}`);
    return { ok: false as const };
  };

  return {
    type,

    // The type's own BindForm gathers what its `bind` needs (it may call its own endpoints with
    // the challenge header); nothing to prepare here.
    async bindStart(input) {
      return { verifier: input.verifier.name };
    },

    async bindCheck(input) {
      try {
        const { uuid, meta } = await instance(input).bind(input.user.get('id') as number, 'twoFactor', 'bind');
        return { ok: true, binding: { uuid: String(uuid), meta: meta || {} } };
      } catch (err) {
        return refused(input, err);
      }
    },

    async verifyCheck(input) {
      const verification = instance(input);
      const userId = input.user.get('id') as number;
      try {
        const boundInfo = await verification.getBoundInfo(userId);
        const verifyResult = await verification.verify({
          resource: 'twoFactor',
          action: 'verify',
          userId,
          boundInfo,
          verifyParams: input.ctx?.action?.params?.values || {},
        });
        return { ok: true, afterSuccess: async () => void (await verification.onActionComplete?.({ userId, verifyResult })) };
      } catch (err) {
        return refused(input, err);
      }
    },
  };
}
