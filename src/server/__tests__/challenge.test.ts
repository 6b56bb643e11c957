import jwt from 'jsonwebtoken';
import { MockServer } from '@nocobase/test';
import { COLLECTIONS } from '../../constants';
import { advanceClock, call, createApp, createUser, destroyApp, enrol, errorCode, restoreClock, rfcTotp, setSettings, signIn } from './helpers';

describe('challenge tokens', () => {
  let app: MockServer;
  let user: any;
  let token: string;

  beforeEach(async () => {
    app = await createApp();
    await setSettings(app, { enforceForAll: true });
    user = await createUser(app);
    token = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
  });
  afterEach(async () => {
    restoreClock();
    await destroyApp(app);
  });

  const expectInvalid = async (t: string, action = 'getChallenge', values?: unknown) => {
    const res = await call(app, action, t, values);
    expect(res.status).toBe(401);
    expect(errorCode(res)).toBe('TWO_FACTOR_CHALLENGE_INVALID');
    expect(res.body.data).toBeUndefined();
  };

  it('requires the header', async () => {
    const res = await call(app, 'getChallenge', null);
    expect(res.status).toBe(401);
    expect(errorCode(res)).toBe('TWO_FACTOR_CHALLENGE_REQUIRED');
  });

  it('carries no userId and is tied to a database row', async () => {
    const claims: any = jwt.decode(token);
    expect(claims.userId).toBeUndefined();
    expect(claims.twoFactorUserId).toBe(user.get('id'));
    expect(claims.authenticator).toBe('basic');
    expect(claims.stage).toBe('bind');
    expect(claims.exp - claims.iat).toBe(300);
    const row = await app.db.getRepository(COLLECTIONS.challenges).findOne({ filterByTk: claims.jti });
    expect(row.get('status')).toBe('live');
  });

  it('refuses a token signed with another key', async () => {
    const claims: any = jwt.decode(token);
    const { iat, exp, ...payload } = claims;
    await expectInvalid(jwt.sign(payload, 'not-the-app-secret', { expiresIn: 300 }));
  });

  it('refuses alg: none', async () => {
    const claims: any = jwt.decode(token);
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    await expectInvalid(`${header}.${body}.`);
  });

  it('refuses an app-signed token that carries userId', async () => {
    const claims: any = jwt.decode(token);
    const { iat, exp, jti, ...payload } = claims;
    const forged = app.authManager.jwt.sign({ ...payload, userId: user.get('id') }, { jwtid: jti, expiresIn: 300 });
    await expectInvalid(forged);
  });

  it('refuses an app-signed token with changed claims', async () => {
    const claims: any = jwt.decode(token);
    const { iat, exp, jti, ...payload } = claims;
    const other = await createUser(app);
    await expectInvalid(app.authManager.jwt.sign({ ...payload, twoFactorUserId: other.get('id') }, { jwtid: jti, expiresIn: 300 }));
    await expectInvalid(app.authManager.jwt.sign({ ...payload, stage: 'verify' }, { jwtid: jti, expiresIn: 300 }));
    // A well-formed token whose jti was never issued.
    await expectInvalid(app.authManager.jwt.sign(payload, { jwtid: 'f5f0b3c2-0000-4000-8000-000000000000', expiresIn: 300 }));
    // Another app-signed JWT: a password-reset token.
    await expectInvalid(app.authManager.jwt.sign({ resetPasswordUserId: user.get('id') }, { expiresIn: 300 }));
  });

  it('refuses garbage', async () => {
    await expectInvalid('not-a-jwt');
    await expectInvalid('a'.repeat(5000));
  });

  it('expires after challengeTTL', async () => {
    advanceClock(301);
    await expectInvalid(token);
    await expectInvalid(token, 'bindStart', { verifier: 'totp' });
  });

  it('refuses the wrong stage', async () => {
    await expectInvalid(token, 'verify', { verifier: 'totp', code: '123456' });
  });

  it('refuses a bind challenge once the user has bound a factor elsewhere (live state)', async () => {
    const second = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    await enrol(app, user);
    await expectInvalid(second, 'bindStart', { verifier: 'totp' });
  });

  it('dies when the password changes', async () => {
    await app.db.getRepository('users').update({ filterByTk: user.get('id'), values: { password: 'Another-pass-456' } });
    await expectInvalid(token);
  });

  it('dies when the user is deleted', async () => {
    await app.db.getRepository('users').destroy({ filterByTk: user.get('id') });
    await expectInvalid(token);
  });

  it('dies when the authenticator is disabled', async () => {
    await app.db.getRepository('authenticators').update({ filter: { name: 'basic' }, values: { enabled: false } });
    await expectInvalid(token);
  });

  it('dies when the user is no longer required', async () => {
    await setSettings(app, { enforceForAll: false });
    await expectInvalid(token);
  });

  it('is used up by a success', async () => {
    const { secret } = await (async () => {
      const start = await call(app, 'bindStart', token, { verifier: 'totp' });
      return { secret: start.body.data.secret };
    })();
    const ok = await call(app, 'bind', token, { verifier: 'totp', code: rfcTotp(secret) });
    expect(ok.status).toBe(200);
    await expectInvalid(token);
    await expectInvalid(token, 'bind', { verifier: 'totp', code: rfcTotp(secret, { stepOffset: 1 }) });
  });
});
