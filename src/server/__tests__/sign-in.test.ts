import { MockServer } from '@nocobase/test';
import { COLLECTIONS, RESOURCES } from '../../constants';
import { advanceClock, call, createApp, createUser, destroyApp, enrol, errorCode, PASSWORD, restoreClock, rfcTotp, setSettings, signIn } from './helpers';

const authCookies = (res: any): string[] =>
  ((res.headers['set-cookie'] as string[] | undefined) || []).filter((c) => /^nb_auth_token_/.test(c) && !/^nb_auth_token_[^=]*=;/.test(c));

describe('sign-in guard', () => {
  let app: MockServer;
  let bare: MockServer;

  beforeEach(async () => {
    app = await createApp();
  });
  afterEach(async () => {
    restoreClock();
    await destroyApp(app);
    await destroyApp(bare);
    bare = undefined as any;
  });

  it('signs in a user who is not required exactly as without the plugin', async () => {
    bare = await createApp({ plugin: false });
    const withPlugin = await createUser(app);
    const without = await createUser(bare);
    const a = await signIn(app, withPlugin.get('email') as string);
    const b = await signIn(bare, without.get('email') as string);
    expect(a.status).toBe(200);
    expect(a.status).toBe(b.status);
    expect(Object.keys(a.body.data).sort()).toEqual(Object.keys(b.body.data).sort());
    expect(Object.keys(a.body.data.user).sort()).toEqual(Object.keys(b.body.data.user).sort());
    expect(typeof a.body.data.token).toBe('string');
    const cookieNames = (res: any) =>
      (res.headers['set-cookie'] || []).map((c: string) => c.split('=')[0].replace(/_(main|bare)$/, '')).sort();
    expect(cookieNames(a)).toEqual(cookieNames(b));
    expect(await app.db.getRepository('issuedTokens').count({ filter: { userId: withPlugin.get('id') } })).toBe(1);
    const check = await app.agent().get('/auth:check').set('Authorization', `Bearer ${a.body.data.token}`);
    expect(check.status).toBe(200);
    expect(check.body.data.id).toBe(withPlugin.get('id'));
  });

  it('answers a wrong password exactly as without the plugin, also when 2FA is enforced', async () => {
    bare = await createApp({ plugin: false });
    await setSettings(app, { enforceForAll: true });
    const u1 = await createUser(app);
    const u2 = await createUser(bare);
    for (const account of [[u1.get('email'), u2.get('email')], ['nobody@example.com', 'nobody@example.com']]) {
      const a = await signIn(app, account[0] as string, 'wrong-password');
      const b = await signIn(bare, account[1] as string, 'wrong-password');
      expect(a.status).toBe(401);
      expect(a.status).toBe(b.status);
      expect(a.body).toEqual(b.body);
      expect(a.body.data?.twoFactor).toBeUndefined();
    }
    const a = await signIn(app, '', PASSWORD);
    const b = await signIn(bare, '', PASSWORD);
    expect(a.status).toBe(b.status);
    expect(a.body).toEqual(b.body);
  });

  it('refuses a foreign origin exactly like core, before any challenge', async () => {
    await setSettings(app, { enforceForAll: true });
    const user = await createUser(app);
    const res = await app
      .agent()
      .post('/auth:signIn')
      .set('X-Authenticator', 'basic')
      .set('Origin', 'https://evil.example')
      .send({ account: user.get('email'), password: PASSWORD });
    expect(res.status).toBe(403);
    expect(res.body.data?.twoFactor).toBeUndefined();
    expect(await app.db.getRepository(COLLECTIONS.challenges).count()).toBe(0);
  });

  it('gives a required user a challenge and no session', async () => {
    await setSettings(app, { enforceForAll: true });
    const user = await createUser(app);
    const res = await signIn(app, user.get('email') as string);
    expect(res.status).toBe(200);
    const data = res.body.data;
    expect(data.code).toBe(302);
    expect(data.redirect).toBe('/2fa');
    expect(data.token).toBeUndefined();
    expect(data.user).toBeUndefined();
    expect(data.twoFactor.stage).toBe('bind');
    expect(typeof data.twoFactor.token).toBe('string');
    expect(new Date(data.twoFactor.expiresAt).getTime()).toBeGreaterThan(Date.now() + 250_000);
    expect(data.twoFactor.skippableUntil).toBeNull();
    expect(authCookies(res)).toEqual([]);
    expect(await app.db.getRepository('issuedTokens').count({ filter: { userId: user.get('id') } })).toBe(0);

    // The challenge is no API token: no user on auth:check, nothing on a data resource.
    const token = data.twoFactor.token;
    const check = await app.agent().get('/auth:check').set('Authorization', `Bearer ${token}`);
    expect(check.status).toBe(401);
    expect(check.body.data?.id).toBeUndefined();
    const list = await app.agent().get('/users:list').set('Authorization', `Bearer ${token}`);
    expect([401, 403]).toContain(list.status);
    expect(list.body.data).toBeUndefined();
    const own = await app.agent().get(`/${RESOURCES.settings}:get`).set('Authorization', `Bearer ${token}`);
    expect([401, 403]).toContain(own.status);
  });

  it('gates every password authenticator by its type, not its name', async () => {
    await app.db.getRepository('authenticators').create({
      values: { name: 'staff-login', authType: 'Email/Password', enabled: true, options: {} },
    });
    await setSettings(app, { enforceForAll: true });
    const user = await createUser(app);
    const res = await app
      .agent()
      .post('/auth:signIn')
      .set('X-Authenticator', 'staff-login')
      .send({ account: user.get('email'), password: PASSWORD });
    expect(res.body.data.code).toBe(302);
    const { secret } = await (async () => {
      const start = await call(app, 'bindStart', res.body.data.twoFactor.token, { verifier: 'totp' });
      return { secret: start.body.data.secret };
    })();
    const bound = await call(app, 'bind', res.body.data.twoFactor.token, { verifier: 'totp', code: rfcTotp(secret) });
    expect(bound.status).toBe(200);
    const row = await app.db.getRepository('issuedTokens').findOne({ filter: { userId: user.get('id') } });
    expect(row.get('authenticator')).toBe('staff-login');
  });

  it('binds at first sign-in, then verifies at the next one, each time with a real session', async () => {
    await setSettings(app, { enforceForAll: true });
    const user = await createUser(app);
    const { secret, session } = await enrol(app, user);
    expect(typeof session.token).toBe('string');
    expect(session.user.id).toBe(user.get('id'));
    expect(session.user.password).toBeUndefined();
    const check = await app.agent().get('/auth:check').set('Authorization', `Bearer ${session.token}`);
    expect(check.status).toBe(200);
    expect(check.body.data.id).toBe(user.get('id'));

    const again = await signIn(app, user.get('username') as string);
    expect(again.body.data.twoFactor.stage).toBe('verify');
    const token = again.body.data.twoFactor.token;
    // The bind code's step is spent; the next step is inside the drift window.
    const verified = await call(app, 'verify', token, { verifier: 'totp', code: rfcTotp(secret, { stepOffset: 1 }) });
    expect(verified.status).toBe(200);
    expect(typeof verified.body.data.token).toBe('string');
    expect(authCookies(verified)).toHaveLength(1);
    expect(await app.db.getRepository('issuedTokens').count({ filter: { userId: user.get('id') } })).toBe(2);
    const check2 = await app.agent().get('/auth:check').set('Authorization', `Bearer ${verified.body.data.token}`);
    expect(check2.body.data.id).toBe(user.get('id'));

    // The challenge died with its success.
    const reuse = await call(app, 'verify', token, { verifier: 'totp', code: rfcTotp(secret, { stepOffset: 1 }) });
    expect(reuse.status).toBe(401);
    expect(errorCode(reuse)).toBe('TWO_FACTOR_CHALLENGE_INVALID');
  });

  it('names in the session cookie the role core names at a plain sign-in', async () => {
    const roleCookie = (res: any) =>
      ((res.headers['set-cookie'] as string[] | undefined) || []).map((c) => /^nb_role_[^=]*=([^;]*)/.exec(c)?.[1]).find((v) => v !== undefined);
    await app.db.getRepository('roles').create({ values: { name: 'auditor', title: 'Auditor' } });
    const roles = ['member', 'auditor'];
    const plain = await createUser(app, roles);
    const twoFactor = await createUser(app, roles);
    await setSettings(app, { enforceForAll: true, enforcedRoles: [] });
    // enforceForAll covers the plain user too: they get their session through 2FA as well, so
    // compare against a sign-in with enforcement off instead.
    const { secret } = await enrol(app, twoFactor);
    await setSettings(app, { enforceForAll: false });
    const signInVerified = async (headers: Record<string, string> = {}) => {
      advanceClock(31); // a TOTP step of its own
      const token = (await signIn(app, twoFactor.get('email') as string)).body.data.twoFactor.token;
      const req = app.agent().post(`/${RESOURCES.twoFactor}:verify`).set('X-Two-Factor-Token', token);
      for (const [k, v] of Object.entries(headers)) req.set(k, v);
      const res = await req.send({ verifier: 'totp', code: rfcTotp(secret) });
      expect(res.status).toBe(200);
      return res;
    };
    // No default role: the first by name.
    expect(roleCookie(await signIn(app, plain.get('email') as string))).toBe('auditor');
    expect(roleCookie(await signInVerified())).toBe('auditor');
    // A default role wins.
    for (const u of [plain, twoFactor]) {
      await app.db.getRepository('rolesUsers').update({ filter: { userId: u.get('id'), roleName: 'member' }, values: { default: true } });
    }
    expect(roleCookie(await signIn(app, plain.get('email') as string))).toBe('member');
    expect(roleCookie(await signInVerified())).toBe('member');
    // The role the request names wins over both.
    expect(roleCookie(await signInVerified({ 'X-Role': 'auditor' }))).toBe('auditor');
    restoreClock();
  });

  it('describes the challenge', async () => {
    await setSettings(app, { enforceForAll: true });
    const user = await createUser(app);
    const res = await signIn(app, user.get('email') as string);
    const info = await call(app, 'getChallenge', res.body.data.twoFactor.token);
    expect(info.status).toBe(200);
    expect(info.body.data).toMatchObject({
      stage: 'bind',
      skippableUntil: null,
      requiredBecause: ['all'],
      allowTrustedDevices: true,
      lockedUntil: null,
      verifiers: [{ name: 'totp', title: 'Authenticator app', verificationType: 'totp', bound: false, boundInfo: null, codeLength: 6 }],
      backupCodes: { remaining: 0 },
    });
  });

  it('keeps a bound user required after enforcement is turned off (opt-in)', async () => {
    await setSettings(app, { enforceForAll: true });
    const user = await createUser(app);
    await enrol(app, user);
    await setSettings(app, { enforceForAll: false });
    const res = await signIn(app, user.get('email') as string);
    expect(res.body.data.twoFactor.stage).toBe('verify');
    const info = await call(app, 'getChallenge', res.body.data.twoFactor.token);
    expect(info.body.data.requiredBecause).toEqual(['opt-in']);
    expect(info.body.data.verifiers[0]).toMatchObject({ name: 'totp', bound: true });
  });

  it('lets everyone in without a second factor while TWO_FACTOR_ENFORCEMENT=off', async () => {
    await setSettings(app, { enforceForAll: true });
    const user = await createUser(app);
    process.env.TWO_FACTOR_ENFORCEMENT = 'off';
    try {
      const res = await signIn(app, user.get('email') as string);
      expect(typeof res.body.data.token).toBe('string');
    } finally {
      delete process.env.TWO_FACTOR_ENFORCEMENT;
    }
    const res = await signIn(app, user.get('email') as string);
    expect(res.body.data.code).toBe(302);
  });
});
