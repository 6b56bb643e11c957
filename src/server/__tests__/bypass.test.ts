/**
 * Every other way a password user could get a session or an API-usable token, checked over HTTP:
 * each one is gated by the second factor or issues no session at all.
 */
import { MockServer } from '@nocobase/test';
import { COLLECTIONS } from '../../constants';
import { call, createApp, createUser, destroyApp, enrol, PASSWORD, rfcTotp, setSettings, signIn } from './helpers';

const hasAuthCookie = (res: any) =>
  ((res.headers['set-cookie'] as string[] | undefined) || []).some((c) => /^nb_auth_token_[^=]+=[^;]+/.test(c));

describe('no way around the second factor', () => {
  let app: MockServer;
  let user: any;
  let secret: string;

  const sessions = (userId = user.get('id')) => app.db.getRepository('issuedTokens').count({ filter: { userId } });

  beforeEach(async () => {
    app = await createApp();
    await setSettings(app, { enforceForAll: true });
    user = await createUser(app);
    ({ secret } = await enrol(app, user));
  });
  afterEach(async () => {
    await destroyApp(app);
  });

  it('sign-up creates the account but no session; its first sign-in is a bind challenge', async () => {
    const res = await app
      .agent()
      .post('/auth:signUp')
      .set('X-Authenticator', 'basic')
      .send({ username: 'newcomer', password: PASSWORD, confirm_password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body.data?.token).toBeUndefined();
    expect(hasAuthCookie(res)).toBe(false);
    const created = await app.db.getRepository('users').findOne({ filter: { username: 'newcomer' } });
    expect(created).toBeTruthy();
    expect(await sessions(created.get('id'))).toBe(0);
    const first = await signIn(app, 'newcomer');
    expect(first.body.data.twoFactor.stage).toBe('bind');
  });

  it('password reset issues no session, and the reset token is no API token', async () => {
    const resetToken = app.authManager.jwt.sign({ resetPasswordUserId: user.get('id') }, { expiresIn: 600 });
    expect((await app.agent().get('/auth:check').set('Authorization', `Bearer ${resetToken}`)).status).toBe(401);
    const res = await app.agent().post('/auth:resetPassword').set('X-Authenticator', 'basic').send({ resetToken, password: 'Brand-new-pass-1' });
    expect([200, 204]).toContain(res.status);
    expect(res.body?.data ?? null).toBeNull();
    expect(hasAuthCookie(res)).toBe(false);
    expect(await sessions()).toBe(1);
    const after = await signIn(app, user.get('email'), 'Brand-new-pass-1');
    expect(after.body.data.twoFactor.stage).toBe('verify');
  });

  it('a challenge token used as a reset token changes nothing', async () => {
    const token = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    const res = await app.agent().post('/auth:resetPassword').set('X-Authenticator', 'basic').send({ resetToken: token, password: 'Hijacked-pass-1' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect((await signIn(app, user.get('email'), 'Hijacked-pass-1')).status).toBe(401);
  });

  it('password change issues no new token, ends device trusts and kills open challenges', async () => {
    const verifyToken = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    const session = await call(app, 'verify', verifyToken, { verifier: 'totp', code: rfcTotp(secret, { stepOffset: 1 }), trustDevice: true });
    expect(session.status).toBe(200);
    const open = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    const res = await app
      .agent()
      .post('/auth:changePassword')
      .set('Authorization', `Bearer ${session.body.data.token}`)
      .set('X-Authenticator', 'basic')
      .send({ oldPassword: PASSWORD, newPassword: 'Changed-pass-2', confirmPassword: 'Changed-pass-2' });
    expect(res.status).toBe(200);
    expect(res.body.data?.token).toBeUndefined();
    expect(res.headers['x-new-token']).toBeUndefined();
    expect(await app.db.getRepository(COLLECTIONS.trustedDevices).count({ filter: { userId: user.get('id') } })).toBe(0);
    expect((await call(app, 'getChallenge', open)).status).toBe(401);
    expect((await signIn(app, user.get('email'), 'Changed-pass-2')).body.data.code).toBe(302);
  });

  it('a challenge cannot be renewed, synced into a cookie, or used as a session anywhere', async () => {
    const token = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    for (const [method, path] of [
      ['get', '/auth:check'],
      ['post', '/auth:syncCookies'],
      ['post', '/auth:changePassword'],
      ['get', '/users:list'],
      ['get', '/twoFactorMe:get'],
    ] as const) {
      const res = await (app.agent() as any)[method](path).set('Authorization', `Bearer ${token}`).set('X-Authenticator', 'basic');
      expect(res.status, path).toBeGreaterThanOrEqual(401);
      expect(res.headers['x-new-token'], path).toBeUndefined();
      expect(hasAuthCookie(res), path).toBe(false);
    }
    expect(await sessions()).toBe(1);
  });

  it('the sign-in guard holds whatever the header or body says', async () => {
    const variants = [
      { headers: {}, body: { account: user.get('email'), password: PASSWORD } },
      { headers: { 'X-Authenticator': 'BASIC' }, body: { account: user.get('email'), password: PASSWORD } },
      { headers: { 'X-Authenticator': 'no-such-authenticator' }, body: { account: user.get('email'), password: PASSWORD } },
      { headers: { 'X-Authenticator': 'basic' }, body: { email: user.get('email'), password: PASSWORD } },
      { headers: { 'X-Authenticator': 'basic' }, body: { account: user.get('username'), password: PASSWORD } },
    ];
    for (const v of variants) {
      const res = await app.agent().post('/auth:signIn').set(v.headers).send(v.body);
      expect(res.body.data?.token, JSON.stringify(v)).toBeUndefined();
      expect(hasAuthCookie(res)).toBe(false);
    }
    expect(await sessions()).toBe(1);
  });
});
