/** TOTP as a factor of our flows: pending secret per challenge, encrypted binding, step claims. */
import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import { ERROR_CODES, FACTOR_TYPES } from '../../../constants';
import { DecryptError, UnknownKeyError } from '../../crypto';
import { TwoFactorError } from '../../errors';
import type { Factor, FactorDeps, FactorInput } from '../types';
import { boundTotpOptions, enrolledParams, generateTotpSecret, matchStep, otpauthUri, totpOptions } from './totp';
import { systemTitle } from '../../system-title';

/** Associated data binds each ciphertext to its owner, so a row copied elsewhere won't decrypt. */
export const bindingAad = (userId: string | number, verifier: string) => `totp:binding:${userId}:${verifier}`;
const pendingAad = (jti: string, verifier: string) => `totp:pending:${jti}:${verifier}`;

/**
 * Reads a user's TOTP secret (from `knownMeta` when the caller already read the binding); a secret
 * the current keys cannot open is reported, never a 5xx.
 */
export async function readBoundSecret(deps: FactorDeps, userId: string | number, verifier: string, knownMeta?: Record<string, unknown>) {
  const meta = knownMeta ?? ((await deps.verifiers.findBinding(userId, verifier)) as any)?.get('meta');
  const ciphertext = meta?.secret;
  if (!meta || typeof ciphertext !== 'string') return null;
  try {
    return { meta, ciphertext, secret: deps.box.decrypt(ciphertext, bindingAad(userId, verifier)) };
  } catch (err) {
    if (err instanceof UnknownKeyError || err instanceof DecryptError) {
      deps.app.log.error(
        `open2fa: the TOTP secret of user ${userId} (verifier ${verifier}) cannot be decrypted with the configured keys; reset this user's 2FA`,
      );
      throw new TwoFactorError(ERROR_CODES.NOT_BOUND, { reason: 'undecryptable' });
    }
    throw err;
  }
}

export const totpFactor: Factor = {
  type: FACTOR_TYPES.totp,

  codeLength: (verifier) => totpOptions(verifier.options).digits,

  async bindStart({ deps, user, verifier, challenge }: FactorInput) {
    if (!challenge) throw new TwoFactorError(ERROR_CODES.BIND_EXPIRED);
    const options = totpOptions(verifier.options);
    const secret = generateTotpSecret();
    await deps.challenges.setPending(challenge.jti, verifier.name, deps.box.encrypt(secret, pendingAad(challenge.jti, verifier.name)));
    const issuer = options.issuer || (await systemTitle(deps.app)) || 'NocoBase';
    const label = String(user.get('email') || user.get('username') || user.get('id'));
    const uri = otpauthUri({ secret, issuer, label, totp: options });
    const qrCode = await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 1, width: 240 });
    return { verifier: verifier.name, secret, otpauthUri: uri, qrCode };
  },

  async bindCheck({ deps, user, verifier, challenge }: FactorInput, code: string) {
    if (!challenge || challenge.pendingVerifier !== verifier.name || !challenge.pendingSecret) {
      throw new TwoFactorError(ERROR_CODES.BIND_EXPIRED);
    }
    let secret: string;
    try {
      secret = deps.box.decrypt(challenge.pendingSecret, pendingAad(challenge.jti, verifier.name));
    } catch {
      throw new TwoFactorError(ERROR_CODES.BIND_EXPIRED);
    }
    // The QR code showed the verifier's options of that moment: they stay with the binding.
    const options = totpOptions(verifier.options);
    const step = matchStep(secret, code, options);
    if (step === null) return { ok: false };
    return {
      ok: true,
      step,
      binding: {
        uuid: randomBytes(8).toString('hex'),
        meta: { secret: deps.box.encrypt(secret, bindingAad(user.get('id') as string, verifier.name)), totp: enrolledParams(options) },
      },
    };
  },

  async verifyCheck({ deps, user, verifier, bindingMeta }: FactorInput, code: string) {
    const userId = user.get('id') as string;
    const found = await readBoundSecret(deps, userId, verifier.name, bindingMeta);
    if (!found) throw new TwoFactorError(ERROR_CODES.NOT_BOUND);
    const step = matchStep(found.secret, code, boundTotpOptions(verifier.options, found.meta));
    if (step === null) return { ok: false };
    return {
      ok: true,
      step,
      // Key rotation: a secret sealed with an older key is re-sealed with the current one.
      afterSuccess: deps.box.isStale(found.ciphertext)
        ? async () => {
            const meta = { ...found.meta, secret: deps.box.encrypt(found.secret, bindingAad(userId, verifier.name)) };
            await deps.app.db.getRepository('usersVerifiers').update({
              filter: { userId, verifier: verifier.name },
              values: { meta },
            });
          }
        : undefined,
    };
  },
};
