import { CollectionOptions } from '@nocobase/database';
import { COLLECTIONS } from '../../constants';

/** The policy (design §3): one row, key `default`. */
export default {
  name: COLLECTIONS.settings,
  dataCategory: 'system',
  migrationRules: ['overwrite', 'schema-only'],
  autoGenId: false,
  timestamps: true,
  fields: [
    { type: 'string', name: 'key', primaryKey: true },
    { type: 'boolean', name: 'enforceForAll', defaultValue: false },
    { type: 'json', name: 'enforcedRoles', defaultValue: [] },
    { type: 'json', name: 'verifiers', defaultValue: ['totp'] },
    { type: 'integer', name: 'gracePeriodDays', defaultValue: 0 },
    { type: 'boolean', name: 'allowTrustedDevices', defaultValue: true },
    { type: 'integer', name: 'trustedDeviceDays', defaultValue: 30 },
    { type: 'integer', name: 'challengeTTL', defaultValue: 300 },
    { type: 'integer', name: 'maxAttemptsPerChallenge', defaultValue: 5 },
    { type: 'integer', name: 'lockoutThreshold', defaultValue: 10 },
    { type: 'integer', name: 'lockoutMinutes', defaultValue: 15 },
    { type: 'integer', name: 'dailyFailureLimit', defaultValue: 30 },
    { type: 'integer', name: 'messageSendsPerReceiverPerHour', defaultValue: 5 },
    { type: 'integer', name: 'messageSendsPerIpPerHour', defaultValue: 30 },
    { type: 'integer', name: 'messageSendsPerHour', defaultValue: 500 },
    { type: 'integer', name: 'messageReceiversPerUserPerDay', defaultValue: 3 },
  ],
} as CollectionOptions;
