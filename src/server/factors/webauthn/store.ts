/**
 * Where WebAuthn state lives: the users' credentials, the ceremonies in progress (single use) and
 * the one user handle per user. Every write that guards something is one conditional statement.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Op, UniqueConstraintError } from '@nocobase/database';
import type { Application } from '@nocobase/server';
import { COLLECTIONS, ERROR_CODES } from '../../../constants';
import { TwoFactorError } from '../../errors';

export type CeremonyKind = 'registration' | 'authentication';

export interface StoredCredential {
  id: number;
  userId: string;
  verifier: string;
  name: string;
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string[];
  deviceType: string | null;
  backedUp: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface NewCredential {
  userId: number | string;
  verifier: string;
  name: string;
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string[];
  deviceType: string;
  backedUp: boolean;
  aaguid: string;
  attestationFmt: string;
  rpId: string;
}

export const credentialHash = (credentialId: string) => createHash('sha256').update(credentialId).digest('hex');

/** A session's token, as the ceremony row keeps it (hashed: it is a bearer secret). */
export const sessionTag = (token: string | null | undefined) => (token ? createHash('sha256').update(token).digest('hex') : null);

function toCredential(row: any): StoredCredential {
  const transports = row.get('transports');
  return {
    id: Number(row.get('id')),
    userId: String(row.get('userId')),
    verifier: row.get('verifier'),
    name: row.get('name'),
    credentialId: row.get('credentialId'),
    publicKey: row.get('publicKey'),
    counter: Number(row.get('counter') || 0),
    transports: Array.isArray(transports) ? transports : [],
    deviceType: row.get('deviceType') ?? null,
    backedUp: !!row.get('backedUp'),
    createdAt: new Date(row.get('createdAt')),
    lastUsedAt: row.get('lastUsedAt') ? new Date(row.get('lastUsedAt')) : null,
  };
}

export class WebauthnStore {
  constructor(private readonly app: Application) {}

  private get credentials() {
    return this.app.db.getCollection(COLLECTIONS.webauthnCredentials).model;
  }

  private get ceremonies() {
    return this.app.db.getCollection(COLLECTIONS.webauthnCeremonies).model;
  }

  /** The user's handle (`user.id` of registration options), made once and kept. */
  async userHandle(userId: number | string): Promise<string> {
    const states = this.app.db.getCollection(COLLECTIONS.userStates).model;
    const read = async () => ((await states.findOne({ where: { userId }, attributes: ['webauthnUserHandle'] })) as any)?.get('webauthnUserHandle');
    const existing = await read();
    if (existing) return existing;
    const handle = randomBytes(32).toString('base64url');
    const [count] = await states.update({ webauthnUserHandle: handle }, { where: { userId, webauthnUserHandle: null }, silent: true });
    if (count === 1) return handle;
    try {
      await states.create({ userId, webauthnUserHandle: handle });
      return handle;
    } catch (err) {
      if (!(err instanceof UniqueConstraintError)) throw err;
    }
    // Another request made it first.
    return (await read()) || handle;
  }

  async list(userId: number | string, verifier?: string): Promise<StoredCredential[]> {
    const rows = await this.credentials.findAll({ where: { userId, ...(verifier ? { verifier } : {}) }, order: [['id', 'ASC']] });
    return rows.map(toCredential);
  }

  async findByCredentialId(credentialId: string): Promise<StoredCredential | null> {
    const row = await this.credentials.findOne({ where: { credentialHash: credentialHash(credentialId) } });
    return row ? toCredential(row) : null;
  }

  async findOwn(userId: number | string, id: number): Promise<StoredCredential | null> {
    const row = await this.credentials.findOne({ where: { id, userId } });
    return row ? toCredential(row) : null;
  }

  /** 409 TWO_FACTOR_ALREADY_BOUND (reason `credential_registered`) when the key is registered already, to anyone. */
  async add(credential: NewCredential, transaction?: unknown) {
    const hash = credentialHash(credential.credentialId);
    if (await this.credentials.count({ where: { credentialHash: hash }, transaction: transaction as any })) {
      throw new TwoFactorError(ERROR_CODES.ALREADY_BOUND, { reason: 'credential_registered' });
    }
    try {
      await this.credentials.create({ ...credential, credentialHash: hash }, { transaction: transaction as any });
    } catch (err) {
      if (err instanceof UniqueConstraintError) throw new TwoFactorError(ERROR_CODES.ALREADY_BOUND, { reason: 'credential_registered' });
      throw err;
    }
  }

  async rename(userId: number | string, id: number, name: string): Promise<boolean> {
    const [count] = await this.credentials.update({ name }, { where: { id, userId } });
    return count === 1;
  }

  async remove(userId: number | string, id: number): Promise<boolean> {
    return (await this.credentials.destroy({ where: { id, userId } })) === 1;
  }

  /** Every key of the user (for `verifier`, or all of them). */
  async removeAll(userId: number | string, verifier: string | null, transaction?: unknown) {
    await this.credentials.destroy({ where: { userId, ...(verifier ? { verifier } : {}) }, transaction: transaction as any });
    await this.ceremonies.destroy({ where: { userId, ...(verifier ? { verifier } : {}) }, transaction: transaction as any });
  }

  /**
   * Stores the verified signature counter, in the statement that checks it: only when it went up
   * (or both are 0: an authenticator without a counter). A counter that did not go up (a cloned
   * key, or the same answer twice) changes nothing and is refused. Never `stored + 1`.
   */
  async recordUse(credential: StoredCredential, newCounter: number, backedUp: boolean): Promise<boolean> {
    const counterRule = newCounter > 0 ? { counter: { [Op.lt]: newCounter } } : { counter: 0 };
    const [count] = await this.credentials.update(
      { counter: newCounter, backedUp, lastUsedAt: new Date() },
      { where: { id: credential.id, ...counterRule } },
    );
    return count === 1;
  }

  /**
   * A new ceremony for `owner` (our challenge's or enrolment's jti); an earlier one of the same
   * owner, verifier and kind is replaced. It expires with its owner at the latest.
   */
  async startCeremony(args: {
    owner: string;
    userId: number | string;
    verifier: string;
    kind: CeremonyKind;
    challenge: string;
    session: string | null;
    expiresAt: Date;
  }) {
    await this.ceremonies.destroy({ where: { owner: args.owner, verifier: args.verifier, kind: args.kind } });
    await this.ceremonies.create({ id: randomUUID(), ...args });
    // Leftovers of abandoned ceremonies.
    await this.ceremonies.destroy({ where: { expiresAt: { [Op.lt]: new Date(Date.now() - 60 * 60 * 1000) } } });
  }

  /**
   * Takes the ceremony of `owner` out of the store and returns its challenge: one request only,
   * however many race, and before the answer is verified (a replayed answer finds nothing).
   * Null when there is none, it expired, or it belongs to another session.
   */
  async claimCeremony(args: { owner: string; userId: number | string; verifier: string; kind: CeremonyKind; session: string | null }): Promise<string | null> {
    const row: any = await this.ceremonies.findOne({
      where: { owner: args.owner, userId: args.userId, verifier: args.verifier, kind: args.kind },
    });
    if (!row) return null;
    const claimed = await this.ceremonies.destroy({ where: { id: row.get('id'), challenge: row.get('challenge') } });
    if (claimed !== 1) return null;
    if (new Date(row.get('expiresAt')).getTime() <= Date.now()) return null;
    if ((row.get('session') ?? null) !== args.session) return null;
    return row.get('challenge');
  }
}
