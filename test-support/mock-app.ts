/**
 * Suites on a real NocoBase test server (createMockServer) with the plugins 2FA needs: the server
 * tests, the hostile-input suite and the benchmarks. Real HTTP through app.agent(); TOTP codes from
 * the independent RFC 6238 helper (totp.mjs), never from the plugin's own code.
 */
import { createMockServer, MockServer } from '@nocobase/test';
import { HEADER_CHALLENGE, RESOURCES } from '../src/constants';
import PluginTwoFactorAuthServer from '../src/server/plugin';
import { isolatedOptions, releaseCache, releaseDatabase, remember } from '../src/server/__tests__/isolation';
import { rfcTotp } from './totp.mjs';

export const PASSWORD = 'Secret-pass-123';
export const BASE_PLUGINS = ['field-sort', 'users', 'auth', 'acl', 'data-source-manager', 'verification', 'system-settings', 'error-handler'];

export async function createApp(options: { plugin?: boolean; extraPlugins?: any[] } = {}): Promise<MockServer> {
  const base = [...BASE_PLUGINS, ...(options.extraPlugins || [])];
  // Its own database and cache keys when the suite runs on PostgreSQL / Redis (isolation.ts).
  const { options: isolated, isolation } = await isolatedOptions();
  const app = await createMockServer({
    acl: true,
    ...isolated,
    // A second app in the same process needs a name of its own.
    ...(options.plugin === false ? { name: 'bare' } : {}),
    plugins: options.plugin === false ? base : [...base, PluginTwoFactorAuthServer],
  });
  remember(app, isolation);
  return app;
}

export async function destroyApp(app?: MockServer) {
  if (!app) return;
  await app.db.clean({ drop: true });
  await releaseCache(app);
  await app.destroy();
  await releaseDatabase(app);
}

let seq = 0;
export async function createUser(app: MockServer, roles: string[] = ['member']) {
  seq += 1;
  const email = `user${seq}-${Date.now()}@example.com`;
  return app.db.getRepository('users').create({
    values: { email, username: `user${seq}_${Date.now()}`, nickname: `User ${seq}`, password: PASSWORD, roles },
  });
}

export function signIn(app: MockServer, account: string, password = PASSWORD) {
  return app.agent().post('/auth:signIn').set('X-Authenticator', 'basic').send({ account, password });
}

export function call(app: MockServer, action: string, token: string | null, values?: unknown) {
  const req = app.agent().post(`/${RESOURCES.twoFactor}:${action}`);
  if (token !== null) req.set(HEADER_CHALLENGE, token);
  return values === undefined ? req : req.send(values as object);
}

export async function rootAgent(app: MockServer) {
  const root = await app.db.getRepository('users').findOne({ filter: { email: process.env.INIT_ROOT_EMAIL || 'admin@nocobase.com' } });
  return app.agent().login(root);
}

export async function setSettings(app: MockServer, values: Record<string, unknown>) {
  const root = await rootAgent(app);
  const res = await root.post(`/${RESOURCES.settings}:update`).send(values);
  if (res.status !== 200) throw new Error(`settings update failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

/** Signs a required user in and binds TOTP; returns the secret and the session. */
export async function enrol(app: MockServer, user: any) {
  const res = await signIn(app, user.email);
  const challenge = res.body.data.twoFactor;
  if (challenge?.stage !== 'bind') throw new Error(`expected a bind challenge, got ${JSON.stringify(res.body)}`);
  const start = await call(app, 'bindStart', challenge.token, { verifier: 'totp' });
  const secret = start.body.data.secret as string;
  const bound = await call(app, 'bind', challenge.token, { verifier: 'totp', code: rfcTotp(secret) });
  if (bound.status !== 200) throw new Error(`bind failed: ${bound.status} ${JSON.stringify(bound.body)}`);
  return { secret, session: bound.body.data, challenge };
}

/** Moves the clock the app and the tests read (Date only; timers stay real). */
export function advanceClock(seconds: number) {
  const now = Date.now() + seconds * 1000;
  if (vi.isFakeTimers()) vi.setSystemTime(now);
  else vi.useFakeTimers({ toFake: ['Date'], now });
}

export function restoreClock() {
  vi.useRealTimers();
}

/** A NocoBase email notification channel that sends to `port` (an SMTP sink of smtp.mjs). */
export function createMailChannel(app: MockServer, port: number, name = 'mail') {
  return app.db.getRepository('notificationChannels').create({
    values: {
      name,
      title: 'Mail',
      notificationType: 'email',
      options: { host: '127.0.0.1', port, secure: false, account: 'nocobase', password: 'x', from: 'security@example.com' },
    },
  });
}

/**
 * Every table of the app's database with all its rows (tests that look for secrets in clear).
 * On MariaDB/MySQL showAllTables gives `{ tableName }` objects, elsewhere names.
 */
export async function dumpTables(app: MockServer): Promise<{ name: string; rows: unknown[] }[]> {
  const qi = app.db.sequelize.getQueryInterface();
  const tables: Array<string | { tableName: string }> = await qi.showAllTables();
  const out: { name: string; rows: unknown[] }[] = [];
  for (const table of tables) {
    const name = typeof table === 'string' ? table : table.tableName;
    const [rows] = await app.db.sequelize.query(`SELECT * FROM ${qi.quoteIdentifier(name)}`);
    out.push({ name, rows });
  }
  return out;
}
