/**
 * A webauthn verifier's options and the relying party they describe. rpID and origins default to
 * the request's host and origin (NocoBase's own host helper, which reads X-Forwarded-Host first);
 * verification always uses this fixed rpID and origin list, never the request's Origin header.
 */
import { isIP } from 'node:net';
import { getHost, getHostname } from '@nocobase/server';
import { ERROR_CODES } from '../../../constants';
import { WEBAUTHN_LIMITS } from '../../../shared/limits';
import { TwoFactorError } from '../../errors';

export type UserVerification = 'discouraged' | 'preferred' | 'required';

export interface WebauthnOptions {
  /** Shown by the browser's prompt; empty = the system title. */
  rpName: string;
  /** Empty = the request's host name. */
  rpID: string;
  /** Empty = the request's origin. */
  origins: string[];
  userVerification: UserVerification;
  /** Milliseconds the browser waits for the user. */
  timeout: number;
}

export const WEBAUTHN_DEFAULTS: WebauthnOptions = Object.freeze({
  rpName: '',
  rpID: '',
  origins: [],
  userVerification: 'discouraged',
  timeout: WEBAUTHN_LIMITS.timeout.default,
}) as WebauthnOptions;

/** A host name an rpID may be: letters, digits, dashes and dots (`localhost` included); never an IP. */
const RP_ID = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

const isIpHost = (host: string) => isIP(host.replace(/^\[|\]$/g, '')) !== 0 || host.startsWith('[');

/** `https://host[:port]` or `http://…`: an origin, nothing after the host. */
function isOrigin(value: string) {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

/** Problems with a verifier's options, as `[field, reason]` pairs; empty when valid. */
export function webauthnOptionProblems(raw: unknown): [string, string][] {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const problems: [string, string][] = [];
  const allowed = new Set(Object.keys(WEBAUTHN_DEFAULTS));
  for (const key of Object.keys(o)) if (!allowed.has(key)) problems.push([key, 'is not a known option']);
  const { rpName, rpID, origins, userVerification, timeout } = o;
  if (rpName !== undefined && rpName !== null && (typeof rpName !== 'string' || rpName.length > WEBAUTHN_LIMITS.rpNameMaxLength))
    problems.push(['rpName', `must be a string of at most ${WEBAUTHN_LIMITS.rpNameMaxLength} characters`]);
  if (rpID !== undefined && rpID !== null && rpID !== '') {
    if (typeof rpID !== 'string' || !RP_ID.test(rpID)) problems.push(['rpID', 'must be a host name such as example.com (no scheme, port or path)']);
    else if (isIpHost(rpID)) problems.push(['rpID', 'must be a host name: WebAuthn does not work with an IP address']);
  }
  if (origins !== undefined && origins !== null) {
    const { maxItems, maxLength } = WEBAUTHN_LIMITS.origins;
    if (!Array.isArray(origins) || origins.length > maxItems) problems.push(['origins', `must be a list of at most ${maxItems} origins`]);
    else if (origins.some((v) => typeof v !== 'string' || v.length > maxLength || !isOrigin(v)))
      problems.push(['origins', 'must be origins such as https://app.example.com (scheme, host and port only)']);
  }
  if (userVerification !== undefined && userVerification !== null && !(WEBAUTHN_LIMITS.userVerification as readonly unknown[]).includes(userVerification))
    problems.push(['userVerification', `must be one of ${WEBAUTHN_LIMITS.userVerification.join(', ')}`]);
  const { min, max } = WEBAUTHN_LIMITS.timeout;
  if (timeout !== undefined && timeout !== null && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < min || timeout > max))
    problems.push(['timeout', `must be an integer between ${min} and ${max}`]);
  return problems;
}

/** A verifier's options with defaults filled in; invalid values fall back to the default. */
export function webauthnOptions(raw: unknown): WebauthnOptions {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const bad = new Set(webauthnOptionProblems(o).map(([field]) => field));
  const pick = <K extends keyof WebauthnOptions>(key: K): WebauthnOptions[K] =>
    o[key] === undefined || o[key] === null || bad.has(key) ? WEBAUTHN_DEFAULTS[key] : (o[key] as WebauthnOptions[K]);
  return {
    rpName: pick('rpName'),
    rpID: pick('rpID'),
    origins: [...pick('origins')],
    userVerification: pick('userVerification'),
    timeout: pick('timeout'),
  };
}

export interface RelyingParty {
  rpID: string;
  origins: string[];
}

/**
 * The relying party a ceremony uses: the verifier's rpID and origins, else the request's host
 * name and origin. 400 TWO_FACTOR_BAD_REQUEST (reason `rp_id_ip`) when the app is reached by an IP
 * address and no rpID is set: browsers refuse WebAuthn there.
 */
export function relyingParty(options: WebauthnOptions, ctx: any): RelyingParty {
  const host = ctx?.req ? getHost(ctx.req) : '';
  const hostname = (ctx?.req ? getHostname(ctx.req) : '').toLowerCase();
  const rpID = options.rpID || hostname;
  if (!rpID || isIpHost(rpID)) throw new TwoFactorError(ERROR_CODES.BAD_REQUEST, { field: 'rpID', reason: 'rp_id_ip' });
  if (!RP_ID.test(rpID)) throw new TwoFactorError(ERROR_CODES.BAD_REQUEST, { field: 'rpID', reason: 'rp_id_invalid' });
  if (options.origins.length) return { rpID, origins: options.origins };
  const forwarded = String(ctx.get?.('X-Forwarded-Proto') || '').split(',')[0].trim();
  const protocol = forwarded === 'https' || forwarded === 'http' ? forwarded : ctx.protocol === 'https' ? 'https' : 'http';
  return { rpID, origins: [`${protocol}://${host.toLowerCase()}`] };
}
