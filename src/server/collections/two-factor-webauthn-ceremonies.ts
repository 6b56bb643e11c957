import { CollectionOptions } from '@nocobase/database';
import { COLLECTIONS } from '../../constants';

/**
 * A WebAuthn ceremony in progress: the challenge the browser must sign, tied to our sign-in
 * challenge or a signed-in user's enrolment (`owner`, their `jti`) and, in self-service, to the
 * session (`session`, a hash of its token). Single use: the request that deletes the row verifies.
 */
export default {
  name: COLLECTIONS.webauthnCeremonies,
  dataCategory: 'runtime',
  migrationRules: ['schema-only'],
  dumpRules: 'skipped',
  autoGenId: false,
  timestamps: true,
  fields: [
    { type: 'string', name: 'id', primaryKey: true },
    { type: 'string', name: 'owner', allowNull: false, index: true },
    { type: 'bigInt', name: 'userId', allowNull: false, index: true },
    { type: 'string', name: 'verifier', allowNull: false },
    // 'registration' | 'authentication'
    { type: 'string', name: 'kind', allowNull: false },
    { type: 'string', name: 'challenge', allowNull: false },
    { type: 'string', name: 'session' },
    { type: 'date', name: 'expiresAt', allowNull: false, index: true },
  ],
} as CollectionOptions;
