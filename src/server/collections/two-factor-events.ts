import { CollectionOptions } from '@nocobase/database';
import { COLLECTIONS } from '../../constants';

/** Audit trail (design §9). Never holds a code or a secret. */
export default {
  name: COLLECTIONS.events,
  dataCategory: 'business',
  migrationRules: ['schema-only', 'skip'],
  dumpRules: { group: 'log' },
  timestamps: true,
  updatedAt: false,
  fields: [
    { type: 'bigInt', name: 'userId', index: true },
    { type: 'string', name: 'type', allowNull: false, index: true },
    { type: 'string', name: 'verifier' },
    { type: 'string', name: 'ip' },
    { type: 'string', name: 'userAgent', length: 512 },
    { type: 'json', name: 'detail', defaultValue: {} },
    // For the admin tab's audit log (`appends: ['user']`); rows outlive their user, so no constraint.
    { type: 'belongsTo', name: 'user', target: 'users', foreignKey: 'userId', constraints: false },
  ],
} as CollectionOptions;
