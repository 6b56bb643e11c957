import { CollectionOptions } from '@nocobase/database';
import { COLLECTIONS } from '../../constants';

/** Devices a user chose to trust: the cookie's token is kept only as a keyed hash. */
export default {
  name: COLLECTIONS.trustedDevices,
  dataCategory: 'business',
  migrationRules: ['schema-only', 'overwrite'],
  timestamps: true,
  updatedAt: false,
  fields: [
    { type: 'bigInt', name: 'userId', allowNull: false, index: true },
    { type: 'string', name: 'tokenHash', allowNull: false, unique: true },
    { type: 'string', name: 'userAgent', length: 512 },
    { type: 'string', name: 'ip' },
    { type: 'date', name: 'lastUsedAt' },
    { type: 'date', name: 'expiresAt', allowNull: false, index: true },
  ],
} as CollectionOptions;
