/**
 * A factor whose codes travel by message (email, SMS). The OTP engine makes, stores and checks the
 * codes; a `Delivery` only carries them. One implementation serves every such type.
 */
import { ERROR_CODES } from '../../../constants';
import { badRequest, TwoFactorError } from '../../errors';
import { requestInfo } from '../../request';
import type { VerifierInfo } from '../../verifiers';
import type { Factor, FactorDeps, FactorInput } from '../types';
import type { OtpOptions } from './engine';

export interface Delivery {
  type: string;
  /** The receiver used when `bindStart` names none (email: the account's address). */
  defaultReceiver(user: any): string | null;
  isValidReceiver(receiver: string): boolean;
  /** The verifier allows binding only `defaultReceiver` at sign-in (email: `ownAddressOnly`). */
  ownReceiverOnly?(verifier: VerifierInfo): boolean;
  /** Whether two spellings name the same receiver. */
  sameReceiver?(a: string, b: string): boolean;
  mask(receiver: string): string;
  otpOptions(verifier: VerifierInfo): OtpOptions;
  /** Sends the code; throws with a reason for the admin when the channel cannot deliver. */
  send(args: { deps: FactorDeps; ctx: any; user: any; verifier: VerifierInfo; receiver: string; code: string; expiresAt: Date }): Promise<void>;
}

export function messageFactor(delivery: Delivery): Factor {
  async function sendTo(input: FactorInput, purpose: 'bind' | 'verify', receiver: string) {
    const { deps, ctx, user, verifier, challenge } = input;
    const otp = delivery.otpOptions(verifier);
    const issued = await deps.otps.issue({
      userId: user.get('id') as string,
      verifier: verifier.name,
      purpose,
      challengeId: challenge?.jti ?? null,
      receiver,
      otp,
      ip: requestInfo(ctx).ip || '',
    });
    try {
      await delivery.send({ deps, ctx, user, verifier, receiver, code: issued.code, expiresAt: issued.expiresAt });
    } catch (err) {
      await deps.otps.discard(issued.id);
      deps.app.log.error(`open2fa: verifier "${verifier.name}" (${delivery.type}) could not send a code: ${(err as any)?.reason || (err as Error)?.message || err}`);
      throw new TwoFactorError(ERROR_CODES.VERIFIER_NOT_ALLOWED, { reason: 'delivery_failed' });
    }
    return issued;
  }

  function consume({ deps, user, verifier, challenge }: FactorInput, purpose: 'bind' | 'verify', code: string) {
    return deps.otps.consume({
      userId: user.get('id') as string,
      verifier: verifier.name,
      purpose,
      challengeId: challenge?.jti ?? null,
      input: code,
      codeLength: delivery.otpOptions(verifier).codeLength,
    });
  }

  return {
    type: delivery.type,
    byMessage: true,

    codeLength: (verifier) => delivery.otpOptions(verifier).codeLength,

    async bindStart(input, { uuid }) {
      const own = (delivery.defaultReceiver(input.user) ?? '').trim();
      const receiver = (uuid ?? own).trim();
      if (!receiver || !delivery.isValidReceiver(receiver)) throw badRequest('uuid', 'is not a valid receiver for this verifier');
      // At sign-in the password is all the caller has proved: the admin may allow only the
      // account's own receiver there (a signed-in user with fresh proof may still name another).
      const atSignIn = input.challenge?.stage === 'bind';
      if (atSignIn && delivery.ownReceiverOnly?.(input.verifier)) {
        const same = delivery.sameReceiver ?? ((a: string, b: string) => a === b);
        if (!own || !same(receiver, own)) throw badRequest('uuid', 'must be the address of your account');
      }
      const issued = await sendTo(input, 'bind', receiver);
      return { verifier: input.verifier.name, uuid: delivery.mask(receiver), expiresAt: issued.expiresAt.toISOString() };
    },

    async bindCheck(input, code) {
      const result = await consume(input, 'bind', code);
      if (!result.ok) return result;
      return { ok: true, binding: { uuid: result.receiver, meta: {} } };
    },

    async sendCode(input) {
      const binding: any = await input.deps.verifiers.findBinding(input.user.get('id') as string, input.verifier.name);
      if (!binding?.get('uuid')) throw new TwoFactorError(ERROR_CODES.NOT_BOUND);
      const issued = await sendTo(input, 'verify', binding.get('uuid'));
      return { expiresAt: issued.expiresAt.toISOString(), resendAfter: issued.resendAfter.toISOString() };
    },

    async verifyCheck(input, code) {
      const result = await consume(input, 'verify', code);
      return result.ok ? { ok: true } : result;
    },
  };
}

/** Integer option within bounds, else the default. */
export function intOption(raw: unknown, fallback: number, min: number, max: number) {
  return typeof raw === 'number' && Number.isInteger(raw) && raw >= min && raw <= max ? raw : fallback;
}
