/** The policy row (design §3): its fields, defaults, validation, and a cached read. */
import type { Application } from '@nocobase/server';
import { COLLECTIONS, DEFAULT_TOTP_VERIFIER } from '../constants';
import { SETTINGS_LISTS, SETTINGS_RANGES } from '../shared/limits';
import type { Settings } from '../shared/settings';
import { Parsed, parseValues, Schema } from './validation';

export type { Settings };

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
  // Above lockoutThreshold: only failures spread below the lockout reach it (design §3).
  dailyFailureLimit: 30,
  messageSendsPerReceiverPerHour: 5,
  messageSendsPerIpPerHour: 30,
  messageSendsPerHour: 500,
  messageReceiversPerUserPerDay: 3,
}) as Settings;

const NAME = /^[A-Za-z0-9_.:-]+$/;

const int = (field: keyof typeof SETTINGS_RANGES) => ({ type: 'integer', ...SETTINGS_RANGES[field] }) as const;

export const SETTINGS_SCHEMA = {
  enforceForAll: { type: 'boolean' },
  enforcedRoles: { type: 'stringArray', ...SETTINGS_LISTS.enforcedRoles, pattern: NAME },
  verifiers: { type: 'stringArray', ...SETTINGS_LISTS.verifiers, pattern: NAME },
  gracePeriodDays: int('gracePeriodDays'),
  allowTrustedDevices: { type: 'boolean' },
  trustedDeviceDays: int('trustedDeviceDays'),
  challengeTTL: int('challengeTTL'),
  maxAttemptsPerChallenge: int('maxAttemptsPerChallenge'),
  lockoutThreshold: int('lockoutThreshold'),
  lockoutMinutes: int('lockoutMinutes'),
  dailyFailureLimit: int('dailyFailureLimit'),
  messageSendsPerReceiverPerHour: int('messageSendsPerReceiverPerHour'),
  messageSendsPerIpPerHour: int('messageSendsPerIpPerHour'),
  messageSendsPerHour: int('messageSendsPerHour'),
  messageReceiversPerUserPerDay: int('messageReceiversPerUserPerDay'),
} satisfies Schema;

export const SETTINGS_UPDATE_SCHEMA = {
  ...SETTINGS_SCHEMA,
  confirm: { type: 'boolean', optional: true },
} satisfies Schema;

export type SettingsUpdate = Parsed<typeof SETTINGS_UPDATE_SCHEMA>;

export const parseSettingsUpdate = (values: unknown) =>
  parseValues(values, SETTINGS_UPDATE_SCHEMA, { partial: true });

/**
 * Several processes (NocoBase's `CLUSTER_MODE`, pm2 instances) each with their own memory cache:
 * failure counters, lockouts and send limits are then per process, so each instance grants the
 * whole budget, and settings stay stale for up to a minute (design §8, docs/cluster.md).
 */
export function clusterWithoutSharedCache(app: Application, env: NodeJS.ProcessEnv = process.env) {
  const mode = String(env.CLUSTER_MODE || '').trim().toLowerCase();
  const cluster = !!mode && !['0', '1', 'false', 'off', 'no'].includes(mode);
  const store = (app.cacheManager as any)?.defaultStore ?? 'memory';
  return cluster && store === 'memory';
}

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
