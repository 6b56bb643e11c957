/**
 * Test harness: a real NocoBase server (createMockServer) with the plugins 2FA needs, real HTTP
 * through app.agent(), and TOTP codes computed by an independent RFC 6238 implementation.
 */
import { createHmac } from 'node:crypto';
import { createMockServer, MockServer } from '@nocobase/test';
import { HEADER_CHALLENGE, RESOURCES } from '../../constants';
import PluginTwoFactorAuthServer from '../plugin';
import { isolatedOptions, releaseCache, releaseDatabase, remember } from './isolation';

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

export async function setSettings(app: MockServer, values: Record<string, unknown>) {
  const root = await rootAgent(app);
  const res = await root.post(`/${RESOURCES.settings}:update`).send(values);
  if (res.status !== 200) throw new Error(`settings update failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

export async function rootAgent(app: MockServer) {
  const root = await app.db.getRepository('users').findOne({ filter: { email: process.env.INIT_ROOT_EMAIL || 'admin@nocobase.com' } });
  return app.agent().login(root);
}

/** Error code of a `{ errors: [{ code }] }` body. */
export const errorCode = (res: { body: any }) => res.body?.errors?.[0]?.code;
export const errorOf = (res: { body: any }) => res.body?.errors?.[0];

// --- An independent TOTP (RFC 4226 / 6238), sharing no code with the plugin. ---

function base32Decode(input: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of input.replace(/=+$/, '').toUpperCase()) {
    const idx = alphabet.indexOf(ch);
    if (idx < 0) throw new Error(`bad base32 character ${ch}`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function rfcTotp(secret: string, options: { stepOffset?: number; time?: number; algorithm?: string; digits?: number; period?: number } = {}) {
  const { stepOffset = 0, time = Date.now() / 1000, algorithm = 'sha1', digits = 6, period = 30 } = options;
  const counter = Math.floor(time / period) + stepOffset;
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, base32Decode(secret)).update(msg).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const bin = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(bin % 10 ** digits).padStart(digits, '0');
}

/** A wrong code that is guaranteed not to match any step of the drift window. */
export function wrongCode(secret: string) {
  const near = [-1, 0, 1].map((o) => rfcTotp(secret, { stepOffset: o }));
  for (let i = 0; ; i++) {
    const candidate = String(i).padStart(6, '0');
    if (!near.includes(candidate)) return candidate;
  }
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
