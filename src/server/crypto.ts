/**
 * Encryption at rest and keyed hashing. Pure: key material comes in, nothing here reads the app.
 *
 * Ciphertext format: `v1.<keyId>.<iv>.<ciphertext+tag>` (base64url parts). The key id lets several
 * keys coexist during a rotation; the associated data binds a ciphertext to the row it belongs to,
 * so a secret copied into another user's row does not decrypt.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

const VERSION = 'v1';
const SALT = 'open2fa';

export class UnknownKeyError extends Error {
  constructor(readonly keyId: string) {
    super(`No encryption key with id ${keyId} is configured`);
    this.name = 'UnknownKeyError';
  }
}

export class DecryptError extends Error {
  constructor() {
    super('Ciphertext could not be decrypted');
    this.name = 'DecryptError';
  }
}

interface DerivedKey {
  id: string;
  enc: Buffer;
  mac: Buffer;
}

function derive(material: string): DerivedKey {
  const ikm = Buffer.from(material, 'utf8');
  const okm = (info: string, len: number) => Buffer.from(hkdfSync('sha256', ikm, SALT, info, len));
  return {
    id: okm('open2fa:key-id', 6).toString('hex'),
    enc: okm('open2fa:aes-256-gcm', 32),
    mac: okm('open2fa:hmac-sha256', 32),
  };
}

const b64 = (buf: Buffer) => buf.toString('base64url');
const hmac = (key: Buffer, purpose: string, value: string) => createHmac('sha256', key).update(`${purpose}\0${value}`).digest('base64url');

export class SecretBox {
  private readonly current: DerivedKey;
  private readonly byId = new Map<string, DerivedKey>();

  /** `current` encrypts; `previous` keys only decrypt (rotation). */
  constructor(current: string, previous: string[] = []) {
    if (!current) {
      throw new Error('open2fa: an encryption key is required (TWO_FACTOR_ENCRYPTION_KEY or APP_KEY)');
    }
    this.current = derive(current);
    for (const key of [current, ...previous.filter(Boolean)]) {
      const d = derive(key);
      if (!this.byId.has(d.id)) this.byId.set(d.id, d);
    }
  }

  get keyId() {
    return this.current.id;
  }

  encrypt(plaintext: string, aad: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.enc, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [VERSION, this.current.id, b64(iv), b64(body)].join('.');
  }

  /** Key id a ciphertext was made with, or null when it is not ours. */
  keyIdOf(ciphertext: string): string | null {
    const parts = typeof ciphertext === 'string' ? ciphertext.split('.') : [];
    return parts.length === 4 && parts[0] === VERSION ? parts[1] : null;
  }

  /** True when the ciphertext was made with an older key and should be re-encrypted. */
  isStale(ciphertext: string) {
    return this.keyIdOf(ciphertext) !== this.current.id;
  }

  decrypt(ciphertext: string, aad: string): string {
    const parts = typeof ciphertext === 'string' ? ciphertext.split('.') : [];
    if (parts.length !== 4 || parts[0] !== VERSION) throw new DecryptError();
    const key = this.byId.get(parts[1]);
    if (!key) throw new UnknownKeyError(parts[1]);
    const iv = Buffer.from(parts[2], 'base64url');
    const body = Buffer.from(parts[3], 'base64url');
    if (iv.length !== 12 || body.length < 16) throw new DecryptError();
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.enc, iv);
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
    } catch {
      throw new DecryptError();
    }
  }

  /** Keyed hash for values that are only ever compared (backup codes, OTPs, device tokens). */
  hash(purpose: string, value: string): string {
    return hmac(this.current.mac, purpose, value);
  }

  /** The hash under every configured key (current first): lookups keep working during a rotation. */
  hashes(purpose: string, value: string): string[] {
    return [this.hash(purpose, value), ...[...this.byId.values()].filter((k) => k !== this.current && k.id !== this.current.id).map((k) => hmac(k.mac, purpose, value))];
  }
}

export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(String(a));
  const bb = Buffer.from(String(b));
  if (ab.length !== bb.length) return false;
  return timingSafeEqual(ab, bb);
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Values published as examples (NocoBase's Docker template, `.env.example`): known to everyone. */
export const PLACEHOLDER_KEYS: readonly string[] = ['your-secret-key', 'test-key'];
export const MIN_KEY_BYTES = 32;

/** Key material fit to seal secrets: not a published placeholder, at least 32 bytes. */
export function isSafeKey(material: string | undefined | null): material is string {
  return typeof material === 'string' && !PLACEHOLDER_KEYS.includes(material) && Buffer.byteLength(material, 'utf8') >= MIN_KEY_BYTES;
}

/** Fresh key material for a key file: 32 random bytes, base64url (fit for TWO_FACTOR_ENCRYPTION_KEY too). */
export function generateKeyMaterial(): string {
  return randomBytes(32).toString('base64url');
}
