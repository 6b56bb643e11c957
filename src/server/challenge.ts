/**
 * Sign-in challenges: issue, read, consume, kill.
 *
 * The token is a JWT signed by the app's JWT service. It never carries `userId` (NocoBase accepts
 * any app-signed JWT with a `userId` as an API token), only `twoFactorUserId`. The database row
 * keyed by its `jti` is the authority: consuming and killing are conditional updates on
 * `status = 'live'`, so they hold under concurrency and across app instances.
 */
import { randomUUID } from 'node:crypto';
import { Op } from '@nocobase/database';
import type { Application } from '@nocobase/server';
import { COLLECTIONS, ERROR_CODES, HEADER_CHALLENGE, Stage } from '../constants';
import { TwoFactorError } from './errors';
import { Answer, answerDate, UserRead } from './one-read';

const PURPOSE = 'open2fa-challenge';
const MAX_TOKEN_LENGTH = 4096;
/** Dead and expired rows are kept this long (for investigation), then purged. */
const RETAIN_MS = 60 * 60 * 1000;
/** Purging runs at most this often per process, not at every sign-in: one DELETE less on the hot path. */
const PURGE_EVERY_MS = 60 * 1000;

/** `enrol` rows hold a signed-in user's pending binding; they have no token and are no challenge. */
export type RowStage = Stage | 'enrol';

export interface ChallengeRecord {
  jti: string;
  userId: string;
  authenticator: string;
  stage: RowStage;
  expiresAt: Date;
  passwordChangeTz: number | null;
  pendingVerifier: string | null;
  pendingSecret: string | null;
}

/** What a challenge token says; the database row must agree (`recordFrom`). */
export interface ChallengeClaims {
  jti: string;
  userId: string;
  authenticator: string;
  stage: Stage;
}

export interface IssuedChallenge {
  token: string;
  jti: string;
  expiresAt: Date;
}

const invalid = () => new TwoFactorError(ERROR_CODES.CHALLENGE_INVALID);

export class Challenges {
  private lastPurge = 0;

  constructor(private readonly app: Application) {}

  private get model() {
    return this.app.db.getCollection(COLLECTIONS.challenges).model;
  }

  async issue(options: {
    userId: number | string;
    authenticator: string;
    stage: Stage;
    ttlSeconds: number;
    passwordChangeTz?: number | null;
  }): Promise<IssuedChallenge> {
    const jti = randomUUID();
    const expiresAt = new Date(Date.now() + options.ttlSeconds * 1000);
    await this.model.create({
      jti,
      userId: options.userId,
      authenticator: options.authenticator,
      stage: options.stage,
      status: 'live',
      expiresAt,
      passwordChangeTz: options.passwordChangeTz ?? null,
    });
    const token = this.app.authManager.jwt.sign(
      { twoFactorUserId: options.userId, authenticator: options.authenticator, stage: options.stage, purpose: PURPOSE },
      { jwtid: jti, expiresIn: options.ttlSeconds },
    );
    if (Date.now() - this.lastPurge >= PURGE_EVERY_MS) {
      this.lastPurge = Date.now();
      await this.purge();
    }
    return { token, jti, expiresAt };
  }

  /**
   * The claims of the request's `X-Two-Factor-Token` (no database yet), or a 401:
   * CHALLENGE_REQUIRED without a header, CHALLENGE_INVALID for anything forged or expired.
   */
  async claims(ctx: { get(name: string): string }): Promise<ChallengeClaims> {
    const token = ctx.get(HEADER_CHALLENGE);
    if (!token) throw new TwoFactorError(ERROR_CODES.CHALLENGE_REQUIRED);
    if (token.length > MAX_TOKEN_LENGTH) throw invalid();

    let claims: any;
    try {
      claims = await this.app.authManager.jwt.decode(token);
    } catch {
      throw invalid();
    }
    if (
      !claims ||
      typeof claims !== 'object' ||
      claims.purpose !== PURPOSE ||
      'userId' in claims ||
      typeof claims.jti !== 'string' ||
      (typeof claims.twoFactorUserId !== 'number' && typeof claims.twoFactorUserId !== 'string') ||
      typeof claims.authenticator !== 'string' ||
      (claims.stage !== 'verify' && claims.stage !== 'bind')
    ) {
      throw invalid();
    }
    return { jti: claims.jti, userId: String(claims.twoFactorUserId), authenticator: claims.authenticator, stage: claims.stage };
  }

  /**
   * Asks `read` (the statement that reads the challenge's user) for the challenge row too. Its
   * status is asked for only where the row names the token's user, authenticator and stage.
   */
  lookUp(read: UserRead, claims: ChallengeClaims) {
    const { jti, userId, authenticator, stage } = claims;
    read.value('challenge_status', COLLECTIONS.challenges, 'status', { jti, userId, authenticator, stage });
    for (const attribute of ['expiresAt', 'passwordChangeTz', 'pendingVerifier', 'pendingSecret']) {
      read.value(`challenge_${attribute}`, COLLECTIONS.challenges, attribute, { jti });
    }
  }

  /**
   * The live challenge, from the answers to `lookUp`, or 401 CHALLENGE_INVALID when the row is
   * missing, used, dead, expired, of another user, authenticator or stage, or not of `stage`.
   */
  recordFrom(answers: Record<string, Answer>, claims: ChallengeClaims, stage?: Stage): ChallengeRecord {
    const record = toRecord({ get: (attribute: string) => (attribute in claims ? (claims as any)[attribute] : answers[`challenge_${attribute}`]) });
    if (answers.challenge_status !== 'live' || !(record.expiresAt.getTime() > Date.now()) || (stage && record.stage !== stage)) throw invalid();
    return record;
  }

  /** A signed-in user's enrolment: a row that will hold the pending secret of `twoFactorMe:bindStart`. */
  async startEnrolment(userId: number | string, verifier: string, ttlSeconds: number): Promise<ChallengeRecord> {
    const row = await this.model.create({
      jti: randomUUID(),
      userId,
      authenticator: '',
      stage: 'enrol',
      status: 'live',
      pendingVerifier: verifier,
      expiresAt: new Date(Date.now() + ttlSeconds * 1000),
    });
    return toRecord(row);
  }

  /** The user's latest live enrolment for `verifier`, or null. */
  async findEnrolment(userId: number | string, verifier: string): Promise<ChallengeRecord | null> {
    const row = await this.model.findOne({
      where: { userId, stage: 'enrol', status: 'live', pendingVerifier: verifier, expiresAt: { [Op.gt]: new Date() } },
      order: [['createdAt', 'DESC']],
    });
    return row ? toRecord(row) : null;
  }

  /** Marks the challenge used. True for exactly one caller, however many race. */
  async consume(jti: string): Promise<boolean> {
    const [count] = await this.model.update(
      { status: 'used' },
      { where: { jti, status: 'live', expiresAt: { [Op.gt]: new Date() } } },
    );
    return count === 1;
  }

  async kill(jti: string) {
    await this.model.update({ status: 'dead' }, { where: { jti, status: 'live' } });
  }

  async setPending(jti: string, verifier: string, secretCiphertext: string) {
    const [count] = await this.model.update(
      { pendingVerifier: verifier, pendingSecret: secretCiphertext },
      { where: { jti, status: 'live' } },
    );
    if (count !== 1) throw invalid();
  }

  /** Kills every live challenge of a user (admin reset, password change). */
  async killAllFor(userId: number | string, transaction?: any) {
    await this.model.update({ status: 'dead' }, { where: { userId, status: 'live' }, transaction });
  }

  private async purge() {
    await this.model.destroy({ where: { expiresAt: { [Op.lt]: new Date(Date.now() - RETAIN_MS) } } });
  }
}

function toRecord(row: any): ChallengeRecord {
  return {
    jti: row.get('jti'),
    userId: String(row.get('userId')),
    authenticator: row.get('authenticator'),
    stage: row.get('stage'),
    expiresAt: answerDate(row.get('expiresAt')) ?? new Date(NaN),
    passwordChangeTz: row.get('passwordChangeTz') == null ? null : Number(row.get('passwordChangeTz')),
    pendingVerifier: row.get('pendingVerifier') ?? null,
    pendingSecret: row.get('pendingSecret') ?? null,
  };
}
