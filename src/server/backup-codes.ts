/**
 * Backup codes (design §5): 10 one-time codes `xxxxx-xxxxx`, shown once, stored as keyed hashes
 * bound to their user. Input is case-insensitive; spaces and dashes are ignored.
 */
import { randomInt } from 'node:crypto';
import { Op } from '@nocobase/database';
import type { Application } from '@nocobase/server';
import { COLLECTIONS } from '../constants';
import type { SecretBox } from './crypto';

export const BACKUP_CODE_COUNT = 10;
/** No 0/o, 1/l/i: easy to read back from paper. */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const GROUP = 5;
const PURPOSE = 'backup-code';

export function generateBackupCode(): string {
  let raw = '';
  for (let i = 0; i < GROUP * 2; i++) raw += ALPHABET[randomInt(ALPHABET.length)];
  return `${raw.slice(0, GROUP)}-${raw.slice(GROUP)}`;
}

/** Lower case, no separators; null when it cannot be a backup code at all. */
export function normalizeBackupCode(input: string): string | null {
  const code = String(input).toLowerCase().replace(/[\s-]/g, '');
  return code.length === GROUP * 2 && [...code].every((c) => ALPHABET.includes(c)) ? code : null;
}

export class BackupCodes {
  constructor(
    private readonly app: Application,
    private readonly box: () => SecretBox,
  ) {}

  private get model() {
    return this.app.db.getCollection(COLLECTIONS.backupCodes).model;
  }

  private hashesOf(userId: number | string, normalized: string) {
    return this.box().hashes(PURPOSE, `${userId}:${normalized}`);
  }

  /** Replaces the user's codes with a new set; returns the codes in clear, to be shown once. */
  async regenerate(userId: number | string, transaction?: any): Promise<string[]> {
    const codes = Array.from({ length: BACKUP_CODE_COUNT }, generateBackupCode);
    const box = this.box();
    await this.model.destroy({ where: { userId }, transaction });
    await this.model.bulkCreate(
      codes.map((code) => ({ userId, hash: box.hash(PURPOSE, `${userId}:${normalizeBackupCode(code)}`) })),
      { transaction },
    );
    return codes;
  }

  /** The set that comes with a user's first factor: new codes if they have none left, else none. */
  async firstSet(userId: number | string): Promise<string[]> {
    return (await this.remaining(userId)) === 0 ? this.regenerate(userId) : [];
  }

  /** Uses a code: true for exactly one caller, however many race with the same code. */
  async consume(userId: number | string, input: string): Promise<boolean> {
    const normalized = normalizeBackupCode(input);
    if (!normalized) return false;
    const [count] = await this.model.update(
      { usedAt: new Date() },
      { where: { userId, hash: { [Op.in]: this.hashesOf(userId, normalized) }, usedAt: null } },
    );
    return count === 1;
  }

  /** Whether `input` is one of the user's codes that was already used (asked only after `consume` refused it). */
  async wasUsed(userId: number | string, input: string): Promise<boolean> {
    const normalized = normalizeBackupCode(input);
    if (!normalized) return false;
    const used = await this.model.count({ where: { userId, hash: { [Op.in]: this.hashesOf(userId, normalized) }, usedAt: { [Op.ne]: null } } });
    return used > 0;
  }

  async remaining(userId: number | string): Promise<number> {
    return this.model.count({ where: { userId, usedAt: null } });
  }

  async remove(userId: number | string, transaction?: any) {
    await this.model.destroy({ where: { userId }, transaction });
  }
}
