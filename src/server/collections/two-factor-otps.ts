import { CollectionOptions } from '@nocobase/database';
import { COLLECTIONS } from '../../constants';

/**
 * One-time codes sent by message (email, SMS): keyed hashes only, bound to a user, a verifier, a
 * purpose and the challenge they were sent for. Using one is a conditional update on `usedAt`.
 */
export default {
  name: COLLECTIONS.otps,
  dataCategory: 'runtime',
  migrationRules: ['schema-only'],
  dumpRules: 'skipped',
  timestamps: true,
  updatedAt: false,
  fields: [
    { type: 'bigInt', name: 'userId', allowNull: false, index: true },
    { type: 'string', name: 'verifier', allowNull: false },
    { type: 'string', name: 'purpose', allowNull: false },
    { type: 'string', name: 'challengeId', index: true },
    { type: 'string', name: 'receiver', allowNull: false },
    { type: 'string', name: 'codeHash', allowNull: false },
    { type: 'date', name: 'expiresAt', allowNull: false },
    { type: 'date', name: 'usedAt' },
  ],
} as CollectionOptions;
