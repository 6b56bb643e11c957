import { CollectionOptions } from '@nocobase/database';
import { COLLECTIONS } from '../../constants';

/**
 * One row per sign-in challenge. The row, not the JWT, is the authority: a challenge is live only
 * while `status = 'live'`, and consuming or killing it is one conditional update (design §4.3).
 * A pending TOTP secret waits here, encrypted, until `bind` confirms it.
 */
export default {
  name: COLLECTIONS.challenges,
  dataCategory: 'runtime',
  migrationRules: ['schema-only'],
  dumpRules: 'skipped',
  autoGenId: false,
  timestamps: true,
  fields: [
    { type: 'string', name: 'jti', primaryKey: true },
    { type: 'bigInt', name: 'userId', allowNull: false, index: true },
    { type: 'string', name: 'authenticator', allowNull: false },
    { type: 'string', name: 'stage', allowNull: false },
    { type: 'string', name: 'status', allowNull: false, defaultValue: 'live' },
    { type: 'date', name: 'expiresAt', allowNull: false, index: true },
    { type: 'bigInt', name: 'passwordChangeTz' },
    { type: 'string', name: 'pendingVerifier' },
    { type: 'text', name: 'pendingSecret' },
  ],
} as CollectionOptions;
