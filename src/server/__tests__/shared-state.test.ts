/**
 * State other app instances depend on: what lives in the shared cache (Redis in a cluster) is
 * cleared at the right moment and expires after the configured time. `npm run test:pg` runs these
 * on PostgreSQL + Redis; the Redis-only test is skipped on the memory cache.
 */
import { MockServer } from '@nocobase/test';
import PluginTwoFactorAuthServer from '../plugin';
import type { Services } from '../services';
import { call, createApp, createUser, destroyApp, enrol, errorCode, errorOf, setSettings, signIn, wrongCode } from './helpers';
import { onRedis } from './isolation';

describe('state shared between instances', () => {
  let app: MockServer;
  let services: Services;

  beforeEach(async () => {
    app = await createApp();
    services = (app.pm.get(PluginTwoFactorAuthServer) as PluginTwoFactorAuthServer).services;
  });
  afterEach(async () => {
    await destroyApp(app);
  });

  it('offers a verifier saved in a transaction once it commits, though a read before the commit cached the old list', async () => {
    const transaction = await app.db.sequelize.transaction();
    try {
      await app.db.getRepository('verifiers').create({ values: { name: 'second-app', title: 'Second app', verificationType: 'totp', options: {} }, transaction });
      // Another request reads the list while the save is not committed yet.
      await services.verifiers.eligibleVerifiers();
      await transaction.commit();
    } catch (err) {
      await transaction.rollback();
      throw err;
    }
    const names = (await services.verifiers.eligibleVerifiers()).map((v) => v.name);
    expect(names).toEqual(expect.arrayContaining(['totp', 'second-app']));
  });

  it('keeps counting failures after the app replaces its cache manager (as install, then start, does)', async () => {
    await setSettings(app, { enforceForAll: true });
    const user = await createUser(app);
    const { secret } = await enrol(app, user);
    await (app as any).cacheManager.close();
    (app as any)._cacheManager = await (app as any).createCacheManager();
    const token = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    const res = await call(app, 'verify', token, { verifier: 'totp', code: wrongCode(secret) });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('TWO_FACTOR_INVALID_CODE');
    expect(errorOf(res).attemptsLeft).toBe(4);
  });

  it.runIf(onRedis)('keeps failure counters and lockouts in Redis with TTLs of the configured minutes', async () => {
    await setSettings(app, { enforceForAll: true, lockoutThreshold: 3, lockoutMinutes: 2, challengeTTL: 120 });
    const user = await createUser(app);
    const { secret } = await enrol(app, user);
    const id = user.get('id');
    const token = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    const jti = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).jti;
    const { counter, cache } = await (services.attempts as any).open();
    expect(counter.constructor.name).toBe('RedisCounter');
    const ttl = (key: string) => counter.cache.ttl(key) as Promise<number>;
    const near = (ms: number) => (value: number) => value > ms - 10_000 && value <= ms;

    await call(app, 'verify', token, { verifier: 'totp', code: wrongCode(secret) });
    expect(await counter.get(`user:signin:${id}`)).toBe(1);
    expect(near(2 * 60_000)(await ttl(`user:signin:${id}`))).toBe(true);
    expect(near(120_000)(await ttl(`challenge:${jti}`))).toBe(true);

    await call(app, 'verify', token, { verifier: 'totp', code: wrongCode(secret) });
    const locked = await call(app, 'verify', token, { verifier: 'totp', code: wrongCode(secret) });
    expect(errorCode(locked)).toBe('TWO_FACTOR_LOCKED');
    expect(near(2 * 60_000)(await cache.ttl(`lock:signin:${id}`))).toBe(true);
    expect(near(24 * 60 * 60_000)(await ttl(`lockouts:signin:${id}`))).toBe(true);
    expect(errorOf(locked).retryAfter).toBeGreaterThan(110);
    expect(errorOf(locked).retryAfter).toBeLessThanOrEqual(120);
  });
});
