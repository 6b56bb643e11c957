/**
 * Moves TOTP secrets sealed under an older key (a rotation, or a placeholder key refused since) to
 * the current key, once at start. Keyed hashes (backup codes, one-time codes, device tokens)
 * cannot be moved without their plaintext: they keep matching through the old key until replaced.
 */
import { FACTOR_TYPES } from '../constants';
import { bindingAad } from './factors/totp/factor';
import type { Services } from './services';

export async function resealTotpSecrets(services: Pick<Services, 'app' | 'box'>): Promise<{ resealed: number; unreadable: number }> {
  const { app, box } = services;
  const verifiers = await app.db.getRepository('verifiers').find({ filter: { verificationType: FACTOR_TYPES.totp }, fields: ['name'] });
  const names = verifiers.map((v: any) => v.get('name') as string);
  let resealed = 0;
  let unreadable = 0;
  if (!names.length) return { resealed, unreadable };
  const repo = app.db.getRepository('usersVerifiers');
  const rows = await repo.find({ filter: { verifier: { $in: names } } });
  for (const row of rows as any[]) {
    const meta = row.get('meta');
    const ciphertext = meta?.secret;
    if (typeof ciphertext !== 'string' || !box.isStale(ciphertext)) continue;
    const userId = row.get('userId');
    const verifier = row.get('verifier');
    const aad = bindingAad(userId, verifier);
    let secret: string;
    try {
      secret = box.decrypt(ciphertext, aad);
    } catch {
      unreadable += 1;
      continue;
    }
    // Conditional on the binding's uuid: a binding replaced meanwhile keeps its own secret.
    await repo.update({ filter: { userId, verifier, uuid: row.get('uuid') }, values: { meta: { ...meta, secret: box.encrypt(secret, aad) } } });
    resealed += 1;
  }
  return { resealed, unreadable };
}

/** Runs the re-seal and reports it; a failure is logged and never stops the app. */
export async function resealAtStart(services: Pick<Services, 'app' | 'box'>) {
  const { app } = services;
  try {
    const { resealed, unreadable } = await resealTotpSecrets(services);
    if (resealed) app.log.info(`open2fa: re-sealed ${resealed} TOTP secret(s) with the current key`);
    if (unreadable) {
      app.log.error(
        `open2fa: ${unreadable} TOTP secret(s) cannot be opened with the configured keys; those users get TWO_FACTOR_NOT_BOUND until an admin resets their 2FA`,
      );
    }
  } catch (err) {
    app.log.error(`open2fa: re-sealing TOTP secrets failed; they are re-sealed at their next use instead: ${(err as Error)?.message}`);
  }
}
