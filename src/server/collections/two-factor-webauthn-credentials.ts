import { CollectionOptions } from '@nocobase/database';
import { COLLECTIONS } from '../../constants';

/**
 * WebAuthn credentials (security keys, passkeys): several per user and verifier. The binding in
 * plugin-verification's `usersVerifiers` is the "bound" flag; the keys live here. Nothing here is
 * secret: a public key needs no encryption. `counter` is the signature counter as last verified.
 */
export default {
  name: COLLECTIONS.webauthnCredentials,
  dataCategory: 'business',
  migrationRules: ['schema-only', 'overwrite'],
  autoGenId: true,
  timestamps: true,
  fields: [
    { type: 'bigInt', name: 'userId', allowNull: false, index: true },
    { type: 'string', name: 'verifier', allowNull: false },
    { type: 'string', name: 'name', allowNull: false },
    // base64url, up to 1364 characters; looked up and kept unique across users by its SHA-256
    // (hex), which every database can index.
    { type: 'text', name: 'credentialId', allowNull: false },
    { type: 'string', name: 'credentialHash', length: 64, allowNull: false, unique: true },
    // COSE public key, base64url.
    { type: 'text', name: 'publicKey', allowNull: false },
    { type: 'bigInt', name: 'counter', allowNull: false, defaultValue: 0 },
    { type: 'json', name: 'transports', defaultValue: [] },
    { type: 'string', name: 'deviceType' },
    { type: 'boolean', name: 'backedUp', defaultValue: false },
    { type: 'string', name: 'aaguid' },
    { type: 'string', name: 'attestationFmt' },
    { type: 'string', name: 'rpId' },
    { type: 'date', name: 'lastUsedAt' },
  ],
} as CollectionOptions;
