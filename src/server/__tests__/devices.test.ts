import { MockServer } from '@nocobase/test';
import { COLLECTIONS, HEADER_CHALLENGE, RESOURCES } from '../../constants';
import { advanceClock, call, createApp, createUser, destroyApp, enrol, errorCode, restoreClock, rfcTotp, setSettings, signIn } from './helpers';

const COOKIE = 'nb_2fa_device_main';
const deviceCookie = (res: any): string | undefined =>
  ((res.headers['set-cookie'] as string[] | undefined) || []).find((c) => c.startsWith(`${COOKIE}=`));
const cookieValue = (header?: string) => header?.split(';')[0].split('=')[1];

describe('trusted devices', () => {
  let app: MockServer;
  let user: any;
  let secret: string;

  const signInWith = (u: any, cookie?: string) => {
    const req = app.agent().post('/auth:signIn').set('X-Authenticator', 'basic');
    if (cookie) req.set('Cookie', `${COOKIE}=${cookie}`);
    return req.send({ account: u.get('email'), password: 'Secret-pass-123' });
  };

  /** Verifies with trustDevice and returns the device cookie's value. */
  async function trust(u = user, s = secret, stepOffset = 1) {
    const token = (await signIn(app, u.get('email'))).body.data.twoFactor.token;
    const res = await call(app, 'verify', token, { verifier: 'totp', code: rfcTotp(s, { stepOffset }), trustDevice: true });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res;
  }

  beforeEach(async () => {
    app = await createApp();
    await setSettings(app, { enforceForAll: true, trustedDeviceDays: 7 });
    user = await createUser(app);
    ({ secret } = await enrol(app, user));
  });
  afterEach(async () => {
    restoreClock();
    await destroyApp(app);
  });

  it('set an httpOnly SameSite=Lax cookie and keep only its hash', async () => {
    const res = await trust();
    const header = deviceCookie(res)!;
    expect(header).toBeTruthy();
    expect(header.toLowerCase()).toContain('httponly');
    expect(header.toLowerCase()).toContain('samesite=lax');
    expect(header.toLowerCase()).toContain('path=/');
    expect(header.toLowerCase()).not.toContain('secure');
    const value = cookieValue(header)!;
    expect(value.length).toBeGreaterThanOrEqual(40);
    const rows = await app.db.getRepository(COLLECTIONS.trustedDevices).find({ filter: { userId: user.get('id') } });
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows[0].toJSON())).not.toContain(value);
    expect(new Date(rows[0].get('expiresAt')).getTime()).toBeGreaterThan(Date.now() + 6.9 * 86400_000);
    const events = await app.db.getRepository(COLLECTIONS.events).count({ filter: { type: 'device_trusted' } });
    expect(events).toBe(1);
  });

  it('let their user skip the second factor, rotating the token on every use', async () => {
    const first = cookieValue(deviceCookie(await trust()))!;
    const res = await signInWith(user, first);
    expect(res.status).toBe(200);
    expect(typeof res.body.data.token).toBe('string');
    expect(res.body.data.twoFactor).toBeUndefined();
    const second = cookieValue(deviceCookie(res))!;
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);
    // The old value died with the rotation.
    const stale = await signInWith(user, first);
    expect(stale.body.data.code).toBe(302);
    expect((await signInWith(user, second)).body.data.token).toBeTruthy();
  });

  it("do not help another user", async () => {
    const value = cookieValue(deviceCookie(await trust()))!;
    const other = await createUser(app);
    await enrol(app, other);
    const res = await signInWith(other, value);
    expect(res.body.data.code).toBe(302);
    expect(res.body.data.twoFactor.stage).toBe('verify');
  });

  it('let one of several sign-ins sent at once with the same cookie skip the second factor', async () => {
    const value = cookieValue(deviceCookie(await trust()))!;
    const results = await Promise.all(Array.from({ length: 5 }, () => signInWith(user, value)));
    expect(results.filter((r) => typeof r.body.data?.token === 'string')).toHaveLength(1);
    expect(results.filter((r) => r.body.data?.code === 302)).toHaveLength(4);
  });

  it('are challenged again once revoked, one or all', async () => {
    const value = cookieValue(deviceCookie(await trust()))!;
    const agent = await app.agent().login(user);
    const me = await agent.get(`/${RESOURCES.me}:get`).set('Cookie', `${COOKIE}=${value}`);
    expect(me.body.data.trustedDevices).toHaveLength(1);
    expect(me.body.data.trustedDevices[0]).toMatchObject({ current: true });
    const id = me.body.data.trustedDevices[0].id;
    expect(errorCode(await agent.post(`/${RESOURCES.me}:revokeDevice`).send({ id: 999999 }))).toBe('TWO_FACTOR_BAD_REQUEST');
    expect(errorCode(await agent.post(`/${RESOURCES.me}:revokeDevice`).send({ id: String(id) }))).toBe('TWO_FACTOR_BAD_REQUEST');
    const revoked = await agent.post(`/${RESOURCES.me}:revokeDevice`).send({ id });
    expect(revoked.body.data).toEqual({ revoked: 1 });
    expect((await signInWith(user, value)).body.data.code).toBe(302);

    // Each trust needs a fresh time step: move the clock on between them.
    advanceClock(61);
    const v2 = cookieValue(deviceCookie(await trust(user, secret, 0)))!;
    advanceClock(91);
    const v3 = cookieValue(deviceCookie(await trust(user, secret, 0)))!;
    const all = await agent.post(`/${RESOURCES.me}:revokeAllDevices`).send({});
    expect(all.body.data).toEqual({ revoked: 2 });
    expect((await signInWith(user, v2)).body.data.code).toBe(302);
    expect((await signInWith(user, v3)).body.data.code).toBe(302);
  });

  it('expire, are refused and cleaned up', async () => {
    const value = cookieValue(deviceCookie(await trust()))!;
    advanceClock(7 * 86400 + 60);
    const res = await signInWith(user, value);
    expect(res.body.data.code).toBe(302);
    expect(await app.db.getRepository(COLLECTIONS.trustedDevices).count({ filter: { userId: user.get('id') } })).toBe(0);
  });

  it('end once the current trustedDeviceDays have passed since they were made', async () => {
    const value = cookieValue(deviceCookie(await trust()))!;
    // Lowering the setting shortens trusts made before at once.
    await setSettings(app, { trustedDeviceDays: 1 });
    const listed = (await (await app.agent().login(user)).get(`/${RESOURCES.me}:get`)).body.data.trustedDevices;
    expect(new Date(listed[0].expiresAt).getTime()).toBeLessThanOrEqual(Date.now() + 86400_000);
    advanceClock(86400 + 60);
    expect((await signInWith(user, value)).body.data.code).toBe(302);
    expect(await app.db.getRepository(COLLECTIONS.trustedDevices).count({ filter: { userId: user.get('id') } })).toBe(0);
  });

  it('are not extended beyond their own expiry when the setting is raised', async () => {
    const value = cookieValue(deviceCookie(await trust()))!;
    await setSettings(app, { trustedDeviceDays: 30 });
    advanceClock(8 * 86400);
    expect((await signInWith(user, value)).body.data.code).toBe(302);
  });

  describe('on a browser shared by several users', () => {
    /** One browser: sends its cookie and keeps what the server sets. */
    function browser() {
      let jar: string | undefined;
      const keep = (res: any) => {
        const header = deviceCookie(res);
        if (header) jar = cookieValue(header) || undefined;
        return res;
      };
      return {
        get value() {
          return jar;
        },
        async signIn(u: any) {
          const req = app.agent().post('/auth:signIn').set('X-Authenticator', 'basic');
          if (jar) req.set('Cookie', `${COOKIE}=${jar}`);
          return keep(await req.send({ account: u.get('email'), password: 'Secret-pass-123' }));
        },
        /** "Revoke all" in the personal center of `u`, from this browser. */
        async revokeAll(u: any) {
          const req = (await app.agent().login(u)).post(`/${RESOURCES.me}:revokeAllDevices`);
          if (jar) req.set('Cookie', `${COOKIE}=${jar}`);
          return keep(await req.send({}));
        },
        /** Signs in with a TOTP code and ticks "trust this device". */
        async trust(u: any, s: string, stepOffset = 1) {
          const token = (await this.signIn(u)).body.data.twoFactor.token;
          const req = app.agent().post(`/${RESOURCES.twoFactor}:verify`).set(HEADER_CHALLENGE, token);
          if (jar) req.set('Cookie', `${COOKIE}=${jar}`);
          const res = keep(await req.send({ verifier: 'totp', code: rfcTotp(s, { stepOffset }), trustDevice: true }));
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          return res;
        },
      };
    }

    it('keep a trust for each user', async () => {
      const other = await createUser(app);
      const { secret: otherSecret } = await enrol(app, other);
      const shared = browser();
      await shared.trust(user, secret);
      await shared.trust(other, otherSecret);
      for (const u of [user, other, user, other]) {
        const res = await shared.signIn(u);
        expect(res.body.data.twoFactor, `user ${u.get('id')}`).toBeUndefined();
        expect(typeof res.body.data.token).toBe('string');
      }
    });

    it("keep the other users' trusts when one user revokes all of theirs", async () => {
      const other = await createUser(app);
      const { secret: otherSecret } = await enrol(app, other);
      const shared = browser();
      await shared.trust(user, secret);
      await shared.trust(other, otherSecret);
      expect((await shared.revokeAll(user)).status).toBe(200);
      expect((await shared.signIn(user)).body.data.code).toBe(302);
      expect((await shared.signIn(other)).body.data.token).toBeTruthy();
    });

    it('rotate each token on use, so a replayed cookie is refused for that user', async () => {
      const other = await createUser(app);
      const { secret: otherSecret } = await enrol(app, other);
      const shared = browser();
      await shared.trust(user, secret);
      await shared.trust(other, otherSecret);
      const old = shared.value!;
      expect((await shared.signIn(user)).body.data.token).toBeTruthy();
      expect(shared.value).not.toBe(old);
      // The copy taken before that sign-in no longer works for the user who signed in...
      expect((await signInWith(user, old)).body.data.code).toBe(302);
      // ...and the browser's own cookie still works for both.
      expect((await shared.signIn(user)).body.data.token).toBeTruthy();
      expect((await shared.signIn(other)).body.data.token).toBeTruthy();
    });

    it('keep at most five trusts, dropping the oldest', async () => {
      const shared = browser();
      await shared.trust(user, secret);
      const others: any[] = [];
      for (let i = 0; i < 5; i++) {
        const u = await createUser(app);
        const { secret: s } = await enrol(app, u);
        await shared.trust(u, s);
        others.push(u);
      }
      expect(shared.value!.split('.')).toHaveLength(5);
      expect((await shared.signIn(user)).body.data.code).toBe(302);
      for (const u of others) expect((await shared.signIn(u)).body.data.token, `user ${u.get('id')}`).toBeTruthy();
    });
  });

  it('all die when the password changes', async () => {
    const value = cookieValue(deviceCookie(await trust()))!;
    await app.db.getRepository('users').update({ filterByTk: user.get('id'), values: { password: 'Secret-pass-123' } });
    expect(await app.db.getRepository(COLLECTIONS.trustedDevices).count({ filter: { userId: user.get('id') } })).toBe(0);
    expect((await signInWith(user, value)).body.data.code).toBe(302);
  });

  it('are neither offered nor honoured while the policy disallows them', async () => {
    const value = cookieValue(deviceCookie(await trust()))!;
    await setSettings(app, { allowTrustedDevices: false });
    expect((await signInWith(user, value)).body.data.code).toBe(302);
    const token = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    advanceClock(61);
    const res = await call(app, 'verify', token, { verifier: 'totp', code: rfcTotp(secret), trustDevice: true });
    expect(res.status).toBe(200);
    expect(deviceCookie(res)).toBeUndefined();
    const info = await call(app, 'getChallenge', (await signIn(app, user.get('email'))).body.data.twoFactor.token);
    expect(info.body.data.allowTrustedDevices).toBe(false);
  });
});
