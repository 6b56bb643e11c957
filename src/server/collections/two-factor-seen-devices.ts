import { CollectionOptions } from '@nocobase/database';
import { COLLECTIONS } from '../../constants';

/** Browsers and networks a user signed in from, to notice a sign-in from a new one. */
export default {
  name: COLLECTIONS.seenDevices,
  dataCategory: 'business',
  migrationRules: ['schema-only', 'overwrite'],
  timestamps: true,
  fields: [
    { type: 'bigInt', name: 'userId', allowNull: false, index: true },
    { type: 'string', name: 'fingerprint', allowNull: false, unique: true },
    { type: 'string', name: 'browser' },
    { type: 'string', name: 'network' },
  ],
} as CollectionOptions;
