/**
 * WebAuthn (security keys, passkeys) as a factor of our flows, on @simplewebauthn/server.
 *
 * - `bindStart` / `verifyStart` answer the browser's options and keep the ceremony challenge
 *   server-side, tied to our challenge (sign-in) or enrolment and session (personal center);
 * - `bindCheck` / `verifyCheck` take the ceremony out of the store first (single use), then verify
 *   against the verifier's fixed rpID and origins; a key's signature counter is stored as verified
 *   by one conditional update, which refuses a counter that did not go up (a possible clone).
 *
 * A wrong answer is an ordinary miss of the one code-check path (counted, audited).
 */
import { randomBytes } from 'node:crypto';
import {
  AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { ERROR_CODES, FACTOR_TYPES, NAMESPACE } from '../../../constants';
import { TwoFactorError } from '../../errors';
import type { CodeCheck, Factor, FactorDeps, FactorInput } from '../types';
import { relyingParty, webauthnOptions } from './options';
import { CeremonyKind, sessionTag, WebauthnStore } from './store';
import { systemTitle } from '../../system-title';

/** The default name of a key when the user gives none. */
export const DEFAULT_KEY_NAME = 'Security key';
/** A ceremony outlives the browser's timeout by this much (slow networks), never its owner. */
const CEREMONY_SLACK_MS = 30_000;
/**
 * A refused key: every refusal answers the client alike (`key_not_accepted`); which check failed
 * (`reason`) goes only to the audit row.
 */
const refused = (reason?: string): CodeCheck => ({ ok: false, ...(reason ? { reason } : {}), refusal: 'key_not_accepted' });

const storeOf = (deps: FactorDeps) => new WebauthnStore(deps.app);

/** Self-service ceremonies belong to the session that started them; sign-in ones to the challenge alone. */
function ceremonySession(input: FactorInput) {
  if (input.challenge?.stage !== 'enrol') return null;
  const ctx = input.ctx;
  return sessionTag(typeof ctx?.getBearerToken === 'function' ? ctx.getBearerToken() : null);
}

function ceremonyOwner(input: FactorInput, kind: CeremonyKind) {
  const { challenge, user, verifier } = input;
  if (!challenge) throw new TwoFactorError(kind === 'registration' ? ERROR_CODES.BIND_EXPIRED : ERROR_CODES.CHALLENGE_INVALID);
  return { owner: challenge.jti, userId: user.get('id') as string, verifier: verifier.name, kind, session: ceremonySession(input) };
}

async function startCeremony(input: FactorInput, kind: CeremonyKind, challenge: string, timeout: number) {
  const owner = ceremonyOwner(input, kind);
  const until = Math.min(input.challenge!.expiresAt.getTime(), Date.now() + timeout + CEREMONY_SLACK_MS);
  await storeOf(input.deps).startCeremony({ ...owner, challenge, expiresAt: new Date(until) });
}

const claimCeremony = (input: FactorInput, kind: CeremonyKind) => storeOf(input.deps).claimCeremony(ceremonyOwner(input, kind));

export const webauthnFactor: Factor = {
  type: FACTOR_TYPES.webauthn,
  answer: 'credential',
  multiple: true,
  codeLength: () => null,

  async bindStart(input: FactorInput) {
    const { deps, ctx, user, verifier } = input;
    const options = webauthnOptions(verifier.options);
    const rp = relyingParty(options, ctx);
    const store = storeOf(deps);
    const userId = user.get('id') as string;
    const handle = await store.userHandle(userId);
    // Every key of the user: the browser refuses to register one of them twice.
    const existing = await store.list(userId);
    const creation = await generateRegistrationOptions({
      rpName: options.rpName || (await systemTitle(deps.app)) || 'NocoBase',
      rpID: rp.rpID,
      userName: String(user.get('email') || user.get('username') || userId),
      userDisplayName: String(user.get('nickname') || user.get('username') || user.get('email') || ''),
      userID: Buffer.from(handle, 'base64url'),
      timeout: options.timeout,
      attestationType: 'none',
      excludeCredentials: existing.map((c) => ({ id: c.credentialId, transports: c.transports as any })),
      // A second factor: no discoverable credential needed (keeps a security key's slots free).
      authenticatorSelection: { residentKey: 'discouraged', userVerification: options.userVerification },
    });
    await startCeremony(input, 'registration', creation.challenge, options.timeout);
    return { verifier: verifier.name, options: creation };
  },

  async bindCheck(input: FactorInput) {
    const { deps, ctx, user, verifier } = input;
    const response = input.credential as RegistrationResponseJSON | undefined;
    if (!response) return refused();
    const options = webauthnOptions(verifier.options);
    const rp = relyingParty(options, ctx);
    const expectedChallenge = await claimCeremony(input, 'registration');
    if (!expectedChallenge) throw new TwoFactorError(ERROR_CODES.BIND_EXPIRED);
    let info;
    try {
      const result = await verifyRegistrationResponse({
        response,
        expectedChallenge,
        expectedOrigin: rp.origins,
        expectedRPID: rp.rpID,
        requireUserVerification: options.userVerification === 'required',
      });
      if (!result.verified) return refused('not_verified');
      info = result.registrationInfo;
    } catch (err) {
      deps.app.log.debug?.(`open2fa: WebAuthn registration refused: ${(err as Error)?.message}`);
      return refused('not_verified');
    }
    const userId = user.get('id') as string;
    const name = input.label || (typeof ctx?.t === 'function' ? ctx.t(DEFAULT_KEY_NAME, { ns: NAMESPACE }) : DEFAULT_KEY_NAME);
    const store = storeOf(deps);
    return {
      ok: true,
      binding: {
        uuid: randomBytes(8).toString('hex'),
        meta: {},
        label: name,
        store: async ({ fresh, transaction }) => {
          // Keys left from a binding removed some other way don't come back with a new one.
          if (fresh) await store.removeAll(userId, verifier.name, transaction);
          await store.add(
            {
              userId,
              verifier: verifier.name,
              name,
              credentialId: info.credential.id,
              publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
              counter: info.credential.counter,
              transports: info.credential.transports ?? response.response.transports ?? [],
              deviceType: info.credentialDeviceType,
              backedUp: info.credentialBackedUp,
              aaguid: info.aaguid,
              attestationFmt: info.fmt,
              rpId: info.rpID || rp.rpID,
            },
            transaction,
          );
        },
      },
    };
  },

  async verifyStart(input: FactorInput) {
    const { deps, ctx, user, verifier } = input;
    const options = webauthnOptions(verifier.options);
    const rp = relyingParty(options, ctx);
    const keys = await storeOf(deps).list(user.get('id') as string, verifier.name);
    if (!keys.length) throw new TwoFactorError(ERROR_CODES.NOT_BOUND);
    const request = await generateAuthenticationOptions({
      rpID: rp.rpID,
      allowCredentials: keys.map((c) => ({ id: c.credentialId, transports: c.transports as any })),
      timeout: options.timeout,
      userVerification: options.userVerification,
    });
    await startCeremony(input, 'authentication', request.challenge, options.timeout);
    return { verifier: verifier.name, options: request };
  },

  async verifyCheck(input: FactorInput): Promise<CodeCheck> {
    const { deps, ctx, user, verifier } = input;
    const response = input.credential as AuthenticationResponseJSON | undefined;
    // A code (e.g. offered as a proof) is no answer to a WebAuthn ceremony.
    if (!response || !input.challenge) return refused();
    const options = webauthnOptions(verifier.options);
    const rp = relyingParty(options, ctx);
    const expectedChallenge = await claimCeremony(input, 'authentication');
    if (!expectedChallenge) return refused('no_ceremony');
    const store = storeOf(deps);
    const userId = String(user.get('id'));
    const key = await store.findByCredentialId(response.id);
    if (!key || key.userId !== userId || key.verifier !== verifier.name) return refused('unknown_credential');
    let info;
    try {
      const result = await verifyAuthenticationResponse({
        response,
        expectedChallenge,
        expectedOrigin: rp.origins,
        expectedRPID: rp.rpID,
        // The counter is decided below, by the conditional update that stores it.
        credential: { id: key.credentialId, publicKey: Buffer.from(key.publicKey, 'base64url'), counter: 0, transports: key.transports as any },
        requireUserVerification: options.userVerification === 'required',
      });
      if (!result.verified) return refused('not_verified');
      info = result.authenticationInfo;
    } catch (err) {
      deps.app.log.debug?.(`open2fa: WebAuthn assertion refused: ${(err as Error)?.message}`);
      return refused('not_verified');
    }
    if (!(await store.recordUse(key, info.newCounter, info.credentialBackedUp))) {
      deps.app.log.warn(
        `open2fa: the signature counter of security key ${key.id} of user ${userId} did not increase (stored ${key.counter}, got ${info.newCounter}): possibly a cloned key; refused`,
      );
      return refused('possible_clone');
    }
    return { ok: true };
  },

  async ownerDetails(deps, userId, verifier) {
    const keys = await storeOf(deps).list(userId, verifier.name);
    return {
      credentials: keys.map((k) => ({
        id: k.id,
        name: k.name,
        createdAt: k.createdAt.toISOString(),
        lastUsedAt: k.lastUsedAt ? k.lastUsedAt.toISOString() : null,
        deviceType: k.deviceType,
        backedUp: k.backedUp,
        transports: k.transports,
      })),
    };
  },

  async unbound(deps, userId, verifier, transaction) {
    await storeOf(deps).removeAll(userId, verifier, transaction);
  },
};
