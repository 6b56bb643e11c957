/**
 * A software WebAuthn authenticator for tests: an ES256 (P-256) key per credential from
 * node:crypto, and the bytes a browser and authenticator would send, built by the book (WebAuthn
 * Level 3 §6.1 authenticator data, §5.8.1 client data, `none` attestation in CBOR). Independent of
 * the plugin's code; only CBOR encoding comes from a library (@levischuck/tiny-cbor).
 *
 *   const key = new SoftAuthenticator();
 *   const credential = key.register(creationOptions, { origin: 'http://localhost:13000' });
 *   const assertion = key.assert(requestOptions, { origin: 'http://localhost:13000' });
 *
 * Options let a test lie the way an attacker or a broken key would: another origin or rpID,
 * no user verification, a chosen signature counter, another key's id.
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { encodeCBOR } from '@levischuck/tiny-cbor';

const b64url = (bytes) => Buffer.from(bytes).toString('base64url');
const sha256 = (data) => createHash('sha256').update(data).digest();

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

function uint32(n) {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** COSE_Key of an EC2 P-256 public key for ES256 (RFC 9053). */
function coseKey(publicKey) {
  const jwk = publicKey.export({ format: 'jwk' });
  return encodeCBOR(
    new Map([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, new Uint8Array(Buffer.from(jwk.x, 'base64url'))],
      [-3, new Uint8Array(Buffer.from(jwk.y, 'base64url'))],
    ]),
  );
}

export class SoftAuthenticator {
  /**
   * @param {{ uv?: boolean, transports?: string[], aaguid?: Buffer }} [options]
   *   `uv`: whether the key verifies its user (PIN/biometric); default true.
   */
  constructor(options = {}) {
    this.uv = options.uv ?? true;
    this.transports = options.transports ?? ['usb'];
    this.aaguid = options.aaguid ?? Buffer.alloc(16);
    /** credential id (base64url) → { privateKeyPem, counter, rpId, userHandle } */
    this.credentials = new Map();
  }

  /** Credentials this authenticator holds (ids, base64url). */
  ids() {
    return [...this.credentials.keys()];
  }

  /**
   * The answer of `navigator.credentials.create()` (as @simplewebauthn/browser's
   * startRegistration returns it) to `options` (PublicKeyCredentialCreationOptionsJSON).
   * @param {any} options
   * @param {{ origin: string, rpId?: string, uv?: boolean, up?: boolean, challenge?: string, type?: string, counter?: number }} at
   */
  register(options, at) {
    const rpId = at.rpId ?? options.rp.id;
    const excluded = new Set((options.excludeCredentials || []).map((c) => c.id));
    for (const id of this.credentials.keys()) {
      if (excluded.has(id) && this.credentials.get(id).rpId === rpId) throw new Error('InvalidStateError: this authenticator is already registered');
    }
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const id = randomBytes(16);
    const counter = at.counter ?? 0;
    const flags = ((at.up ?? true) ? FLAG_UP : 0) | ((at.uv ?? this.uv) ? FLAG_UV : 0) | FLAG_AT;
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(id.length);
    const authData = Buffer.concat([sha256(rpId), Buffer.from([flags]), uint32(counter), this.aaguid, idLength, id, Buffer.from(coseKey(publicKey))]);
    const clientDataJSON = Buffer.from(
      JSON.stringify({ type: at.type ?? 'webauthn.create', challenge: at.challenge ?? options.challenge, origin: at.origin, crossOrigin: false }),
    );
    const attestationObject = encodeCBOR(
      new Map([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    this.credentials.set(b64url(id), {
      privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }),
      counter,
      rpId,
      userHandle: options.user?.id,
    });
    return {
      id: b64url(id),
      rawId: b64url(id),
      type: 'public-key',
      response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: this.transports },
      authenticatorAttachment: 'cross-platform',
      clientExtensionResults: {},
    };
  }

  /**
   * The answer of `navigator.credentials.get()` (as startAuthentication returns it) to `options`
   * (PublicKeyCredentialRequestOptionsJSON), signed with the first allowed credential held here
   * (or `credentialId`). The counter goes up by one unless `counter` says what to send.
   * @param {any} options
   * @param {{ origin: string, rpId?: string, uv?: boolean, up?: boolean, counter?: number, credentialId?: string, challenge?: string, type?: string }} at
   */
  assert(options, at) {
    const allowed = (options.allowCredentials || []).map((c) => c.id);
    const id = at.credentialId ?? allowed.find((c) => this.credentials.has(c)) ?? this.ids()[0];
    const held = this.credentials.get(id);
    if (!held) throw new Error('NotAllowedError: no credential of this authenticator is allowed');
    const rpId = at.rpId ?? options.rpId ?? held.rpId;
    held.counter = at.counter ?? held.counter + 1;
    const flags = ((at.up ?? true) ? FLAG_UP : 0) | ((at.uv ?? this.uv) ? FLAG_UV : 0);
    const authData = Buffer.concat([sha256(rpId), Buffer.from([flags]), uint32(held.counter)]);
    const clientDataJSON = Buffer.from(
      JSON.stringify({ type: at.type ?? 'webauthn.get', challenge: at.challenge ?? options.challenge, origin: at.origin, crossOrigin: false }),
    );
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), createPrivateKey(held.privateKeyPem));
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(held.userHandle ? { userHandle: held.userHandle } : {}),
      },
      authenticatorAttachment: 'cross-platform',
      clientExtensionResults: {},
    };
  }
}
