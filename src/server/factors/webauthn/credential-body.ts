/**
 * The browser's answer to a ceremony (`credential` in the body of `bind`/`verify`), checked at the
 * edge like every field: the shape @simplewebauthn/browser's `startRegistration` /
 * `startAuthentication` produce, base64url strings of bounded length, nothing else. Anything
 * else is 400 TWO_FACTOR_BAD_REQUEST naming the field; the signature itself is checked later.
 */
import type { AuthenticationResponseJSON, AuthenticatorTransport, RegistrationResponseJSON } from '@simplewebauthn/server';
import { badRequest } from '../../errors';
import { WEBAUTHN_LIMITS } from '../../../shared/limits';
import { isPlainObject } from '../../validation';

const B64URL = /^[A-Za-z0-9_-]*$/;
/** A credential id is at most 1023 bytes (WebAuthn §5.8.3): 1364 base64url characters. */
const ID_MAX = 1364;
const TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

function b64url(field: string, v: unknown, max: number, optional = false): string | undefined {
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || !v.length) throw badRequest(field, 'must be a non-empty base64url string');
  if (v.length > max) throw badRequest(field, `must be at most ${max} characters`);
  if (!B64URL.test(v)) throw badRequest(field, 'must be base64url');
  return v;
}

function onlyKeys(field: string, v: Record<string, unknown>, keys: string[]) {
  for (const key of Object.keys(v)) if (!keys.includes(key)) throw badRequest(`${field}.${key}`, 'is not a known field');
}

function common(field: string, v: unknown, responseKeys: string[]) {
  if (!isPlainObject(v)) throw badRequest(field, 'must be an object');
  onlyKeys(field, v, ['id', 'rawId', 'type', 'response', 'authenticatorAttachment', 'clientExtensionResults']);
  const id = b64url(`${field}.id`, v.id, ID_MAX) as string;
  const rawId = b64url(`${field}.rawId`, v.rawId, ID_MAX) as string;
  if (rawId !== id) throw badRequest(`${field}.rawId`, 'must equal id');
  if (v.type !== 'public-key') throw badRequest(`${field}.type`, "must be 'public-key'");
  const attachment = v.authenticatorAttachment;
  if (attachment !== undefined && attachment !== null && attachment !== 'platform' && attachment !== 'cross-platform')
    throw badRequest(`${field}.authenticatorAttachment`, "must be 'platform' or 'cross-platform'");
  const extensions = v.clientExtensionResults;
  if (extensions !== undefined && (!isPlainObject(extensions) || JSON.stringify(extensions).length > 2048))
    throw badRequest(`${field}.clientExtensionResults`, 'must be a small object');
  if (!isPlainObject(v.response)) throw badRequest(`${field}.response`, 'must be an object');
  onlyKeys(`${field}.response`, v.response, responseKeys);
  return {
    id,
    rawId,
    type: 'public-key' as const,
    response: v.response,
    // Only the type's own names; extension outputs are not used.
    ...(attachment ? { authenticatorAttachment: attachment as 'platform' | 'cross-platform' } : {}),
    clientExtensionResults: {},
  };
}

/** `credential` of `bind`: a RegistrationResponseJSON. */
export function parseRegistrationCredential(field: string, v: unknown): RegistrationResponseJSON {
  const base = common(field, v, ['clientDataJSON', 'attestationObject', 'authenticatorData', 'transports', 'publicKeyAlgorithm', 'publicKey']);
  const r = base.response;
  const f = `${field}.response`;
  const transports = r.transports;
  if (transports !== undefined && (!Array.isArray(transports) || transports.length > 10 || transports.some((t) => typeof t !== 'string' || !TRANSPORTS.has(t))))
    throw badRequest(`${f}.transports`, `must be a list of ${[...TRANSPORTS].join(', ')}`);
  const alg = r.publicKeyAlgorithm;
  if (alg !== undefined && (typeof alg !== 'number' || !Number.isInteger(alg) || Math.abs(alg) > 65535))
    throw badRequest(`${f}.publicKeyAlgorithm`, 'must be an integer');
  return {
    ...base,
    response: {
      clientDataJSON: b64url(`${f}.clientDataJSON`, r.clientDataJSON, 4096) as string,
      attestationObject: b64url(`${f}.attestationObject`, r.attestationObject, 65536) as string,
      authenticatorData: b64url(`${f}.authenticatorData`, r.authenticatorData, 65536, true),
      publicKey: b64url(`${f}.publicKey`, r.publicKey, 8192, true),
      ...(alg !== undefined ? { publicKeyAlgorithm: alg as number } : {}),
      ...(transports !== undefined ? { transports: [...new Set(transports as AuthenticatorTransport[])] } : {}),
    },
  };
}

/** `credential` of `verify`: an AuthenticationResponseJSON. */
export function parseAuthenticationCredential(field: string, v: unknown): AuthenticationResponseJSON {
  const base = common(field, v, ['clientDataJSON', 'authenticatorData', 'signature', 'userHandle']);
  const r = base.response;
  const f = `${field}.response`;
  const userHandle = r.userHandle === null ? undefined : r.userHandle;
  return {
    ...base,
    response: {
      clientDataJSON: b64url(`${f}.clientDataJSON`, r.clientDataJSON, 4096) as string,
      authenticatorData: b64url(`${f}.authenticatorData`, r.authenticatorData, 65536) as string,
      signature: b64url(`${f}.signature`, r.signature, 16384) as string,
      userHandle: b64url(`${f}.userHandle`, userHandle, 128, true),
    },
  };
}

/**
 * The `credential` field of a body: parsed as a registration or an authentication answer once the
 * factor decides which; here only "a plain object" (the schemas of the shared actions).
 */
export function parseCredentialObject(field: string, v: unknown): Record<string, unknown> {
  if (!isPlainObject(v)) throw badRequest(field, 'must be an object');
  return v;
}

/** A key's name: trimmed, 1–64 characters, no control characters. */
export function parseKeyName(field: string, v: unknown): string {
  if (typeof v !== 'string') throw badRequest(field, 'must be a string');
  const name = v.trim();
  const { min, max } = WEBAUTHN_LIMITS.keyName;
  if (name.length < min) throw badRequest(field, 'must not be empty');
  if (name.length > max) throw badRequest(field, `must be at most ${max} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw badRequest(field, 'must not contain control characters');
  return name;
}
