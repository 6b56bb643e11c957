import { CollectionOptions } from '@nocobase/database';
import { COLLECTIONS } from '../../constants';

/**
 * Last accepted TOTP time step per user and verifier (RFC 6238 §5.2). Accepting a step is one
 * conditional update `lastStep < step`, so it holds under concurrency and across instances.
 */
export default {
  name: COLLECTIONS.totpSteps,
  dataCategory: 'business',
  migrationRules: ['schema-only', 'overwrite'],
  autoGenId: false,
  timestamps: false,
  fields: [
    { type: 'string', name: 'key', primaryKey: true },
    { type: 'bigInt', name: 'userId', allowNull: false, index: true },
    { type: 'string', name: 'verifier', allowNull: false },
    { type: 'bigInt', name: 'lastStep', allowNull: false },
  ],
} as CollectionOptions;
