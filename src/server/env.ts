/** What the plugin reads from the server's environment, read in one place. */

/** `TWO_FACTOR_ENFORCEMENT=off`: break-glass, every password sign-in gets a session (read per request). */
export const enforcementDisabledByEnv = () => String(process.env.TWO_FACTOR_ENFORCEMENT || '').toLowerCase() === 'off';
