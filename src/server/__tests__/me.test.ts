import { MockServer } from '@nocobase/test';
import { COLLECTIONS, RESOURCES } from '../../constants';
import { advanceClock, call, createApp, createUser, destroyApp, enrol, errorCode, errorOf, PASSWORD, restoreClock, rfcTotp, setSettings, signIn } from './helpers';

describe('twoFactorMe (personal center)', () => {
  let app: MockServer;
  let user: any;
  let agent: any;

  const url = (action: string) => `/${RESOURCES.me}:${action}`;
  const bindings = () => app.db.getRepository('usersVerifiers').count({ filter: { userId: user.get('id') } });

  beforeEach(async () => {
    app = await createApp();
    user = await createUser(app);
    agent = await app.agent().login(user);
  });
  afterEach(async () => {
    restoreClock();
    await destroyApp(app);
  });

  it('is for signed-in users only', async () => {
    expect([401, 403]).toContain((await app.agent().get(url('get'))).status);
    expect([401, 403]).toContain((await app.agent().post(url('bindStart')).send({ verifier: 'totp', password: PASSWORD })).status);
  });

  it('describes the user: not required, nothing bound', async () => {
    const res = await agent.get(url('get'));
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      required: false,
      requiredBecause: [],
      verifiers: [{ name: 'totp', title: 'Authenticator app', verificationType: 'totp', bound: false, boundInfo: null, codeLength: 6 }],
      backupCodes: { remaining: 0 },
      trustedDevices: [],
    });
  });

  it('lets a user opt in with proof, returns backup codes once, and challenges them from then on', async () => {
    const noProof = await agent.post(url('bindStart')).send({ verifier: 'totp' });
    expect(noProof.status).toBe(403);
    expect(errorCode(noProof)).toBe('TWO_FACTOR_REAUTH_REQUIRED');
    const wrong = await agent.post(url('bindStart')).send({ verifier: 'totp', password: 'nope' });
    expect(errorOf(wrong)).toMatchObject({ code: 'TWO_FACTOR_REAUTH_REQUIRED', reason: 'password' });

    const start = await agent.post(url('bindStart')).send({ verifier: 'totp', password: PASSWORD });
    expect(start.status).toBe(200);
    const secret = start.body.data.secret;
    expect(start.body.data.otpauthUri).toContain(encodeURIComponent(user.get('email')));
    const bad = await agent.post(url('bind')).send({ verifier: 'totp', code: '000000' === rfcTotp(secret) ? '111111' : '000000' });
    expect(errorCode(bad)).toBe('TWO_FACTOR_INVALID_CODE');
    expect(await bindings()).toBe(0);
    const ok = await agent.post(url('bind')).send({ verifier: 'totp', code: rfcTotp(secret) });
    expect(ok.status).toBe(200);
    expect(ok.body.data.backupCodes).toHaveLength(10);
    expect(await bindings()).toBe(1);
    // The pending secret is used up.
    expect(errorCode(await agent.post(url('bind')).send({ verifier: 'totp', code: rfcTotp(secret, { stepOffset: 1 }) }))).toBe('TWO_FACTOR_ALREADY_BOUND');

    const me = await agent.get(url('get'));
    expect(me.body.data).toMatchObject({ required: true, requiredBecause: ['opt-in'], backupCodes: { remaining: 10 } });
    const res = await signIn(app, user.get('email'));
    expect(res.body.data.twoFactor.stage).toBe('verify');
  });

  it('needs bindStart before bind, and refuses verifiers that are not offered', async () => {
    expect(errorCode(await agent.post(url('bind')).send({ verifier: 'totp', code: '123456' }))).toBe('TWO_FACTOR_BIND_EXPIRED');
    expect(errorCode(await agent.post(url('bindStart')).send({ verifier: 'sms', password: PASSWORD }))).toBe('TWO_FACTOR_VERIFIER_NOT_ALLOWED');
    expect(errorCode(await agent.post(url('bindStart')).send({ verifier: 'totp', password: 123 }))).toBe('TWO_FACTOR_BAD_REQUEST');
  });

  it('unbinds with proof, but never the last factor of a required user', async () => {
    await setSettings(app, { enforceForAll: true });
    const { secret } = await enrol(app, user);
    const none = await agent.post(url('unbind')).send({ verifier: 'totp' });
    expect(none.status).toBe(403);
    expect(errorCode(none)).toBe('TWO_FACTOR_REAUTH_REQUIRED');
    const last = await agent.post(url('unbind')).send({ verifier: 'totp', code: rfcTotp(secret, { stepOffset: 1 }) });
    expect(last.status).toBe(409);
    expect(errorCode(last)).toBe('TWO_FACTOR_LAST_FACTOR');
    expect(await bindings()).toBe(1);

    // Once nothing but opt-in requires it, the user may remove it.
    await setSettings(app, { enforceForAll: false });
    advanceClock(61);
    const ok = await agent.post(url('unbind')).send({ verifier: 'totp', code: rfcTotp(secret) });
    expect(ok.status).toBe(200);
    expect(await bindings()).toBe(0);
    expect(await app.db.getRepository(COLLECTIONS.backupCodes).count({ filter: { userId: user.get('id') } })).toBe(0);
    const res = await signIn(app, user.get('email'));
    expect(typeof res.body.data.token).toBe('string');
    expect(await app.db.getRepository(COLLECTIONS.events).count({ filter: { type: 'unbound' } })).toBe(1);
  });

  it('refuses to unbind what is not bound', async () => {
    expect(errorCode(await agent.post(url('unbind')).send({ verifier: 'totp', password: PASSWORD }))).toBe('TWO_FACTOR_NOT_BOUND');
  });

  it('counts wrong proofs apart from sign-in, so a stolen session cannot lock the owner out', async () => {
    await setSettings(app, { enforceForAll: true, lockoutThreshold: 3 });
    const { secret } = await enrol(app, user);
    for (let i = 0; i < 2; i++) expect(errorCode(await agent.post(url('regenerateBackupCodes')).send({ password: 'x' }))).toBe('TWO_FACTOR_REAUTH_REQUIRED');
    const locked = await agent.post(url('regenerateBackupCodes')).send({ password: 'x' });
    expect(locked.status).toBe(429);
    expect(errorCode(locked)).toBe('TWO_FACTOR_LOCKED');
    expect(errorCode(await agent.post(url('regenerateBackupCodes')).send({ password: PASSWORD }))).toBe('TWO_FACTOR_LOCKED');
    // Signing in still works.
    const token = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    expect((await call(app, 'verify', token, { verifier: 'totp', code: rfcTotp(secret, { stepOffset: 1 }) })).status).toBe(200);
  });

  it('refuses a reused code as proof', async () => {
    await setSettings(app, { enforceForAll: true });
    const { secret } = await enrol(app, user);
    const res = await agent.post(url('regenerateBackupCodes')).send({ code: rfcTotp(secret) });
    expect(errorOf(res)).toMatchObject({ code: 'TWO_FACTOR_REAUTH_REQUIRED', reason: 'reused' });
  });
});
