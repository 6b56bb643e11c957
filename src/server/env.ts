/** What the plugin reads from the server's environment, read in one place. */

/** `TWO_FACTOR_ENFORCEMENT=off`: break-glass, every password sign-in gets a session (read per request). */
export const enforcementDisabledByEnv = () => String(process.env.TWO_FACTOR_ENFORCEMENT || '').toLowerCase() === 'off';

/** Key material for secrets at rest as configured; which of it is used is decided in encryption-key.ts. */
export function encryptionKeyEnv(env: NodeJS.ProcessEnv = process.env) {
  return {
    dedicated: env.TWO_FACTOR_ENCRYPTION_KEY || '',
    appKey: env.APP_KEY || '',
    /** `TWO_FACTOR_ENCRYPTION_OLD_KEYS`: comma-separated keys that only decrypt and verify (rotation). */
    oldKeys: (env.TWO_FACTOR_ENCRYPTION_OLD_KEYS || '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
}
