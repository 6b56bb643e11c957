/** The policy row (design §3): its fields, defaults, validation, and a cached read. */
import type { Application } from '@nocobase/server';
import { COLLECTIONS, DEFAULT_TOTP_VERIFIER } from '../constants';
import { Parsed, parseValues, Schema } from './validation';

export interface Settings {
  enforceForAll: boolean;
  enforcedRoles: string[];
  verifiers: string[];
  gracePeriodDays: number;
  allowTrustedDevices: boolean;
  trustedDeviceDays: number;
  challengeTTL: number;
  maxAttemptsPerChallenge: number;
  lockoutThreshold: number;
  lockoutMinutes: number;
}

export const SETTINGS_KEY = 'default';

export const SETTINGS_DEFAULTS: Settings = Object.freeze({
  enforceForAll: false,
  enforcedRoles: [],
  verifiers: [DEFAULT_TOTP_VERIFIER],
  gracePeriodDays: 0,
  allowTrustedDevices: true,
  trustedDeviceDays: 30,
  challengeTTL: 300,
  maxAttemptsPerChallenge: 5,
  lockoutThreshold: 10,
  lockoutMinutes: 15,
}) as Settings;

const NAME = /^[A-Za-z0-9_.:-]+$/;

export const SETTINGS_SCHEMA = {
  enforceForAll: { type: 'boolean' },
  enforcedRoles: { type: 'stringArray', maxItems: 200, maxLength: 255, pattern: NAME },
  verifiers: { type: 'stringArray', maxItems: 100, maxLength: 255, pattern: NAME },
  gracePeriodDays: { type: 'integer', min: 0, max: 90 },
  allowTrustedDevices: { type: 'boolean' },
  trustedDeviceDays: { type: 'integer', min: 1, max: 365 },
  challengeTTL: { type: 'integer', min: 30, max: 3600 },
  maxAttemptsPerChallenge: { type: 'integer', min: 1, max: 20 },
  lockoutThreshold: { type: 'integer', min: 3, max: 100 },
  lockoutMinutes: { type: 'integer', min: 1, max: 1440 },
} satisfies Schema;

export const SETTINGS_UPDATE_SCHEMA = {
  ...SETTINGS_SCHEMA,
  confirm: { type: 'boolean', optional: true },
} satisfies Schema;

export type SettingsUpdate = Parsed<typeof SETTINGS_UPDATE_SCHEMA>;

export const parseSettingsUpdate = (values: unknown) =>
  parseValues(values, SETTINGS_UPDATE_SCHEMA, { partial: true });

const CACHE_KEY = 'open2fa:settings';
const CACHE_TTL_MS = 60_000;

function fromRow(row: Record<string, unknown> | null | undefined): Settings {
  const out = { ...SETTINGS_DEFAULTS };
  if (!row) return out;
  for (const key of Object.keys(SETTINGS_DEFAULTS) as (keyof Settings)[]) {
    const v = row[key];
    if (v !== undefined && v !== null) (out as any)[key] = v;
  }
  return out;
}

export class SettingsStore {
  constructor(private readonly app: Application) {}

  private get repo() {
    return this.app.db.getRepository(COLLECTIONS.settings);
  }

  /** Cached read; the cache is the app's (Redis in a cluster), so every instance sees updates. */
  async get(): Promise<Settings> {
    return this.app.cache.wrap(
      CACHE_KEY,
      async () => {
        const row = await this.repo.findOne({ filterByTk: SETTINGS_KEY });
        return fromRow(row?.toJSON());
      },
      CACHE_TTL_MS,
    );
  }

  async save(values: Partial<Settings>, transaction?: unknown): Promise<Settings> {
    const row = await this.repo.findOne({ filterByTk: SETTINGS_KEY, transaction: transaction as any });
    if (row) {
      await this.repo.update({ filterByTk: SETTINGS_KEY, values, transaction: transaction as any });
    } else {
      await this.repo.create({ values: { ...SETTINGS_DEFAULTS, ...values, key: SETTINGS_KEY }, transaction: transaction as any });
    }
    await this.invalidate();
    return this.get();
  }

  async invalidate() {
    await this.app.cache.del(CACHE_KEY);
  }

  async ensureDefaults() {
    const row = await this.repo.findOne({ filterByTk: SETTINGS_KEY });
    if (!row) await this.repo.create({ values: { ...SETTINGS_DEFAULTS, key: SETTINGS_KEY } });
    await this.invalidate();
  }
}
