import { CollectionOptions } from '@nocobase/database';
import { COLLECTIONS } from '../../constants';

/** Per-user 2FA state that is not a binding: admin enforcement, grace start, last success. */
export default {
  name: COLLECTIONS.userStates,
  dataCategory: 'business',
  migrationRules: ['schema-only', 'overwrite'],
  autoGenId: false,
  timestamps: true,
  fields: [
    { type: 'bigInt', name: 'userId', primaryKey: true },
    { type: 'boolean', name: 'enforced', defaultValue: false },
    { type: 'date', name: 'firstRequiredAt' },
    { type: 'date', name: 'lastVerifiedAt' },
    // Backup codes made for a first factor bound on plugin-verification's page, sealed with the
    // plugin's key until the personal center shows them once.
    { type: 'text', name: 'pendingBackupCodes' },
    // Held while one request changes the user's factors (flows/bindings.ts): a conditional UPDATE
    // takes it, on every database and across instances; it expires if its holder dies.
    { type: 'string', name: 'changeLock' },
    { type: 'date', name: 'changeLockUntil' },
    // The WebAuthn user handle (base64url of 32 random bytes): one per user, kept across keys.
    { type: 'string', name: 'webauthnUserHandle' },
  ],
} as CollectionOptions;
