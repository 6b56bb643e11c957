/**
 * Where the key for TOTP secrets and keyed hashes comes from (design §5, review F3): never a
 * published placeholder or a key shorter than 32 bytes — then a random key file in the app's
 * storage, made once and shared by every app on that storage.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMockServer, MockServer } from '@nocobase/test';
import { COLLECTIONS, RESOURCES } from '../../constants';
import { SecretBox } from '../crypto';
import { readOrCreateKeyFile } from '../encryption-key';
import { bindingAad } from '../factors/totp/factor';
import { enrolledParams, generateTotpSecret, totpOptions } from '../factors/totp/totp';
import PluginTwoFactorAuthServer from '../plugin';
import { BASE_PLUGINS, call, createApp, createUser, destroyApp, enrol, rfcTotp, rootAgent, setSettings, signIn } from './helpers';
import { isolatedOptions, remember } from './isolation';

const ENV_NAMES = ['APP_KEY', 'TWO_FACTOR_ENCRYPTION_KEY', 'TWO_FACTOR_ENCRYPTION_OLD_KEYS', 'STORAGE_PATH'] as const;
const SAFE_KEY = 'k7Qe2vV0cXJ3m9bR4tYh6uNw8sLp1aZd5fGjHkM0';

describe('encryption key source', () => {
  let saved: Record<string, string | undefined>;
  let storage: string;
  const apps: MockServer[] = [];

  const keyFile = () => path.join(storage, 'apps', 'main', 'two-factor.key');
  const boxOf = (app: MockServer) => (app.pm.get(PluginTwoFactorAuthServer) as PluginTwoFactorAuthServer).services.box;
  const settingsOf = async (app: MockServer) => (await (await rootAgent(app)).get(`/${RESOURCES.settings}:get`)).body.data;
  const sealedOf = async (app: MockServer, user: any) =>
    (await app.db.getRepository('usersVerifiers').findOne({ filter: { userId: user.get('id'), verifier: 'totp' } })).get('meta').secret as string;

  /** An app loaded under `env`; with `skipStart`, installed but not started yet. */
  async function start(env: Partial<Record<(typeof ENV_NAMES)[number], string>>, { skipStart = false } = {}) {
    for (const name of ENV_NAMES) if (name !== 'STORAGE_PATH') delete process.env[name];
    Object.assign(process.env, env);
    let app: MockServer;
    if (skipStart) {
      const { options, isolation } = await isolatedOptions();
      app = await createMockServer({ acl: true, ...options, skipStart, plugins: [...BASE_PLUGINS, PluginTwoFactorAuthServer] });
      remember(app, isolation);
    } else {
      app = await createApp();
    }
    apps.push(app);
    return app;
  }

  async function stop(app: MockServer) {
    apps.splice(apps.indexOf(app), 1);
    await destroyApp(app);
  }

  beforeEach(() => {
    saved = Object.fromEntries(ENV_NAMES.map((n) => [n, process.env[n]]));
    storage = mkdtempSync(path.join(tmpdir(), 'open2fa-keys-'));
    process.env.STORAGE_PATH = storage;
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await destroyApp(app);
    for (const name of ENV_NAMES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    rmSync(storage, { recursive: true, force: true });
  });

  it('seals under a random key file, not under the published placeholder APP_KEY, and reuses that file', async () => {
    const app = await start({ APP_KEY: 'your-secret-key' });
    expect(existsSync(keyFile())).toBe(true);
    expect(statSync(keyFile()).mode & 0o777).toBe(0o600);
    const material = readFileSync(keyFile(), 'utf8').trim();
    expect(Buffer.byteLength(material)).toBeGreaterThanOrEqual(32);

    await setSettings(app, { enforceForAll: true });
    const user = await createUser(app);
    await enrol(app, user);
    const sealed = await sealedOf(app, user);
    expect(boxOf(app).keyIdOf(sealed)).toBe(new SecretBox(material).keyId);
    expect(boxOf(app).keyIdOf(sealed)).not.toBe(new SecretBox('your-secret-key').keyId);
    expect(await settingsOf(app)).toMatchObject({ keySource: 'key file', weakKey: 'APP_KEY' });

    // The next app on the same storage (a restart, another instance) finds the same key.
    const keyId = boxOf(app).keyId;
    await stop(app);
    const second = await start({ APP_KEY: 'your-secret-key' });
    expect(boxOf(second).keyId).toBe(keyId);
    expect(readFileSync(keyFile(), 'utf8').trim()).toBe(material);
  });

  it('treats an APP_KEY shorter than 32 bytes like a placeholder', async () => {
    const app = await start({ APP_KEY: 'not-a-placeholder-but-short' });
    expect(existsSync(keyFile())).toBe(true);
    expect(boxOf(app).keyId).toBe(new SecretBox(readFileSync(keyFile(), 'utf8').trim()).keyId);
    expect(await settingsOf(app)).toMatchObject({ keySource: 'key file', weakKey: 'APP_KEY' });
  });

  it('uses a safe TWO_FACTOR_ENCRYPTION_KEY first, and a safe APP_KEY next, without a key file', async () => {
    const dedicated = await start({ APP_KEY: 'your-secret-key', TWO_FACTOR_ENCRYPTION_KEY: SAFE_KEY });
    expect(boxOf(dedicated).keyId).toBe(new SecretBox(SAFE_KEY).keyId);
    expect(await settingsOf(dedicated)).toMatchObject({ keySource: 'TWO_FACTOR_ENCRYPTION_KEY', weakKey: null });
    expect(existsSync(keyFile())).toBe(false);
    await stop(dedicated);

    const appKey = `${SAFE_KEY}-app`;
    const plain = await start({ APP_KEY: appKey });
    expect(boxOf(plain).keyId).toBe(new SecretBox(appKey).keyId);
    expect(await settingsOf(plain)).toMatchObject({ keySource: 'APP_KEY', weakKey: null });
    expect(existsSync(keyFile())).toBe(false);
  });

  it('refuses a weak TWO_FACTOR_ENCRYPTION_KEY and falls back to the key file', async () => {
    const app = await start({ APP_KEY: 'test-key', TWO_FACTOR_ENCRYPTION_KEY: 'test-key' });
    expect(boxOf(app).keyId).toBe(new SecretBox(readFileSync(keyFile(), 'utf8').trim()).keyId);
    expect(await settingsOf(app)).toMatchObject({ keySource: 'key file', weakKey: 'TWO_FACTOR_ENCRYPTION_KEY' });
  });

  it('re-seals at start the secrets sealed under a placeholder before, and still reads its hashes', async () => {
    // The state an older version left: a TOTP secret and backup codes under `your-secret-key`.
    const app = await start({ APP_KEY: 'your-secret-key' }, { skipStart: true });
    const weak = new SecretBox('your-secret-key');
    const plugin = app.pm.get(PluginTwoFactorAuthServer) as PluginTwoFactorAuthServer;
    await plugin.services.settings.save({ enforceForAll: true });
    const user = await createUser(app);
    const userId = user.get('id') as number;
    const secret = generateTotpSecret();
    const before = weak.encrypt(secret, bindingAad(userId, 'totp'));
    await app.db.getRepository('usersVerifiers').create({
      values: { userId, verifier: 'totp', uuid: 'legacy', meta: { secret: before, totp: enrolledParams(totpOptions({})) } },
    });
    const backupCode = 'abcde-fghjk';
    await app.db.getRepository(COLLECTIONS.backupCodes).create({ values: { userId, hash: weak.hash('backup-code', `${userId}:abcdefghjk`) } });

    await app.runCommand('start');

    const after = await sealedOf(app, user);
    expect(weak.keyIdOf(before)).toBe(weak.keyId);
    expect(boxOf(app).keyIdOf(after)).toBe(boxOf(app).keyId);
    expect(boxOf(app).keyIdOf(after)).not.toBe(weak.keyId);
    expect(() => weak.decrypt(after, bindingAad(userId, 'totp'))).toThrow();

    // The secret still opens: a code signs in.
    const token = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    const res = await call(app, 'verify', token, { verifier: 'totp', code: rfcTotp(secret) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // A backup code hashed under the old key keeps working until a new set replaces it.
    const again = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    expect((await call(app, 'verify', again, { backupCode })).status).toBe(200);
  });
});

describe('the key file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'open2fa-keyfile-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is made once when several instances start at the same moment', async () => {
    const file = path.join(dir, 'apps', 'main', 'two-factor.key');
    const results = await Promise.all(Array.from({ length: 8 }, () => readOrCreateKeyFile(file)));
    expect(new Set(results.map((r) => r.material)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(readFileSync(file, 'utf8').trim()).toBe(results[0].material);
    // No temporary file is left behind.
    expect(readdirSync(path.dirname(file))).toEqual(['two-factor.key']);
  });

  it('stops the start when it is damaged, rather than sealing under a new key', async () => {
    const file = path.join(dir, 'two-factor.key');
    writeFileSync(file, 'too-short\n');
    await expect(readOrCreateKeyFile(file)).rejects.toThrow(/restore it from your backup/);
    expect(readFileSync(file, 'utf8')).toBe('too-short\n');
  });
});
