/**
 * The browser's part of a WebAuthn ceremony (@simplewebauthn/browser, bundled): whether this page
 * can hold one at all, the prompt itself, and what went wrong in the user's words.
 */
import {
  browserSupportsWebAuthn,
  startAuthentication,
  startRegistration,
  WebAuthnAbortService,
  WebAuthnError,
} from '@simplewebauthn/browser';
import type { T } from '../../shared/i18n';

export type Ceremony<R> = { ok: true; response: R } | { ok: false; message: string };

/**
 * Null when this page can use security keys; else why not. Browsers only offer WebAuthn on
 * HTTPS pages and on localhost: on plain HTTP elsewhere `navigator.credentials` is missing.
 */
export function unavailableReason(t: T): string | null {
  if (typeof window !== 'undefined' && window.isSecureContext === false) return addressMessage(t);
  if (!browserSupportsWebAuthn()) return t('This browser cannot use security keys or passkeys. Use another browser, or try another way.');
  return null;
}

function addressMessage(t: T) {
  return t('Security keys cannot be used at this address ({{host}}). Open the site by its domain name over HTTPS, or ask your administrator.', {
    host: window.location.host,
  });
}

/**
 * One sentence for an error of the browser's prompt. `uvRequired`: the site asked for a PIN or
 * biometric, and browsers refuse a key that cannot check one the same way as a cancelled prompt.
 */
export function describeCeremonyError(t: T, err: unknown, uvRequired = false): string {
  const error = err as { name?: string; code?: string; message?: string; cause?: { name?: string } };
  const name = error?.cause?.name || error?.name;
  if (err instanceof WebAuthnError || error?.code) {
    switch (error.code) {
      case 'ERROR_INVALID_DOMAIN':
        return addressMessage(t);
      case 'ERROR_INVALID_RP_ID':
        return t('The security-key settings of this site do not match its address ({{host}}). Ask your administrator to check the relying party ID.', {
          host: window.location.hostname,
        });
      case 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED':
        return t('This security key is already registered to your account.');
      case 'ERROR_AUTHENTICATOR_MISSING_USER_VERIFICATION_SUPPORT':
        return t('This security key cannot verify a PIN or fingerprint, which this site requires. Use another key.');
      case 'ERROR_CEREMONY_ABORTED':
        return t('The security key prompt was closed. Press the button to try again.');
    }
  }
  if (name === 'NotAllowedError' && uvRequired) {
    return t('The security key was not accepted: the prompt was cancelled, or the key cannot check a PIN or biometric, which this site requires. Try again, or use another key.');
  }
  if (name === 'NotAllowedError' || name === 'AbortError') {
    return t('The security key prompt was cancelled or timed out. Press the button to try again.');
  }
  return t('The security key could not be used: {{message}}', { message: error?.message || String(err) });
}

async function run<R>(t: T, prompt: () => Promise<R>, uvRequired: boolean): Promise<Ceremony<R>> {
  const unavailable = unavailableReason(t);
  if (unavailable) return { ok: false, message: unavailable };
  try {
    return { ok: true, response: await prompt() };
  } catch (err) {
    return { ok: false, message: describeCeremonyError(t, err, uvRequired) };
  }
}

/** The prompt to create a key, for the options of bindStart. */
export function register(t: T, optionsJSON: any) {
  return run(t, () => startRegistration({ optionsJSON }), optionsJSON?.authenticatorSelection?.userVerification === 'required');
}

/** The prompt to use a key, for the options of verifyStart. */
export function authenticate(t: T, optionsJSON: any) {
  return run(t, () => startAuthentication({ optionsJSON }), optionsJSON?.userVerification === 'required');
}

/** Closes a prompt still open (the panel went away). */
export function cancelPrompt() {
  try {
    WebAuthnAbortService.cancelCeremony();
  } catch {
    // nothing open
  }
}
