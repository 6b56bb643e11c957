import { CollectionOptions } from '@nocobase/database';
import { COLLECTIONS } from '../../constants';

/** One-time backup codes: keyed hashes only. Using one is a conditional update on `usedAt IS NULL`. */
export default {
  name: COLLECTIONS.backupCodes,
  dataCategory: 'business',
  migrationRules: ['schema-only', 'overwrite'],
  timestamps: true,
  updatedAt: false,
  fields: [
    { type: 'bigInt', name: 'userId', allowNull: false, index: true },
    { type: 'string', name: 'hash', allowNull: false, unique: true },
    { type: 'date', name: 'usedAt' },
  ],
} as CollectionOptions;
