/**
 * Every "use once" and "at most one" rule decided by one atomic database operation, attacked with
 * requests that arrive at the same moment. Each of these fails when its guard is taken out.
 */
import { MockServer } from '@nocobase/test';
import { SMSProvider } from '@nocobase/plugin-verification';
import { RESOURCES } from '../../constants';
import { servicesOf } from '../services';
import { call, createApp, createUser, destroyApp, enrol, errorCode, PASSWORD, rfcTotp, setSettings, signIn } from './helpers';
import { addTestOtpVerifier } from './test-otp';

const smsOutbox: { phone: string; code: string }[] = [];

/** An SMS provider registered through plugin-verification's registry; it keeps the messages. */
class CapturingSMSProvider extends SMSProvider {
  async send(phone: string, data: { code: string }) {
    smsOutbox.push({ phone, code: data.code });
  }
}

describe('atomic guards under concurrent requests', () => {
  let app: MockServer;
  let user: any;
  let userId: number;

  const sessions = () => app.db.getRepository('issuedTokens').count({ filter: { userId } });
  const bindings = (verifier?: string) => app.db.getRepository('usersVerifiers').count({ filter: { userId, ...(verifier ? { verifier } : {}) } });

  beforeEach(async () => {
    app = await createApp();
    await addTestOtpVerifier(app);
    // Every eligible verifier is offered: TOTP and the test type.
    await setSettings(app, { enforceForAll: true, verifiers: [], maxAttemptsPerChallenge: 10, lockoutThreshold: 50 });
    user = await createUser(app);
    userId = user.get('id');
  });
  afterEach(async () => {
    await destroyApp(app);
  });

  it('gives one session when one challenge is answered at once by a TOTP code and five backup codes', async () => {
    const { secret, session } = await enrol(app, user);
    const codes: string[] = session.backupCodes;
    const token = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    const before = await sessions();
    const results = await Promise.all([
      call(app, 'verify', token, { verifier: 'totp', code: rfcTotp(secret, { stepOffset: 1 }) }),
      ...codes.slice(0, 5).map((backupCode) => call(app, 'verify', token, { backupCode })),
    ]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status !== 200).map(errorCode)).toEqual(Array(5).fill('TWO_FACTOR_CHALLENGE_INVALID'));
    expect((await sessions()) - before).toBe(1);
  });

  it('stores one binding when two bind-stage challenges of one user bind the same verifier at the same moment', async () => {
    // A type without time steps, so only the commit decides (two tabs, or the owner and someone with the password).
    const tokens = await Promise.all([0, 1].map(async () => (await signIn(app, user.get('email'))).body.data.twoFactor.token));
    for (const token of tokens) expect((await call(app, 'bindStart', token, { verifier: 'test' })).status).toBe(200);
    const results = await Promise.all(tokens.map((token) => call(app, 'bind', token, { verifier: 'test', code: '424242' })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status !== 200).map(errorCode)).toEqual(['TWO_FACTOR_ALREADY_BOUND']);
    expect(await bindings('test')).toBe(1);
    expect(await sessions()).toBe(1);
  });

  it('lets only the first of two bind-stage challenges that bind different methods at the same moment through', async () => {
    // The owner binds TOTP while someone else with the password binds another method.
    const [owner, other] = await Promise.all([0, 1].map(async () => (await signIn(app, user.get('email'))).body.data.twoFactor.token));
    const secret = (await call(app, 'bindStart', owner, { verifier: 'totp' })).body.data.secret;
    await call(app, 'bindStart', other, { verifier: 'test' });
    const results = await Promise.all([
      call(app, 'bind', owner, { verifier: 'totp', code: rfcTotp(secret) }),
      call(app, 'bind', other, { verifier: 'test', code: '424242' }),
    ]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status !== 200).map(errorCode)).toEqual(['TWO_FACTOR_CHALLENGE_INVALID']);
    expect(await bindings()).toBe(1);
    expect(await sessions()).toBe(1);
  });

  it('keeps the last factor of a required user when both factors are removed at the same moment', async () => {
    await enrol(app, user);
    const agent = await app.agent().login(user);
    expect((await agent.post('/verifiers:bind').send({ verifier: 'test', password: PASSWORD })).status).toBe(200);
    expect(await bindings()).toBe(2);
    const results = await Promise.all(
      ['totp', 'test'].map((verifier) => agent.post(`/${RESOURCES.me}:unbind`).send({ verifier, password: PASSWORD })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(results.map(errorCode).filter(Boolean)).toEqual(['TWO_FACTOR_LAST_FACTOR']);
    expect(await bindings()).toBe(1);
  });

  it('turns one message code sent on one challenge by five requests at once into one session', async () => {
    smsOutbox.length = 0;
    (app.pm.get('verification') as any).smsOTPProviderManager.registerProvider('capture', { title: 'Capture', provider: CapturingSMSProvider });
    await app.db.getRepository('verifiers').create({ values: { name: 'sms', title: 'SMS', verificationType: 'sms-otp', options: { provider: 'capture', settings: {} } } });
    const bindToken = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    await call(app, 'bindStart', bindToken, { verifier: 'sms', uuid: '+15550001234' });
    expect((await call(app, 'bind', bindToken, { verifier: 'sms', code: smsOutbox[0].code })).status).toBe(200);
    const token = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    expect((await call(app, 'sendCode', token, { verifier: 'sms' })).status).toBe(200);
    const before = await sessions();
    const results = await Promise.all(Array.from({ length: 5 }, () => call(app, 'verify', token, { verifier: 'sms', code: smsOutbox[1].code })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect((await sessions()) - before).toBe(1);
  });

  it('uses a message code once however many checks race for it (the engine alone, without a challenge to burn)', async () => {
    const { otps } = servicesOf(app);
    const otp = { codeLength: 6, lifetime: 300, resendInterval: 10 };
    const issued = await otps.issue({ userId, verifier: 'sms', purpose: 'bind', challengeId: 'c1', receiver: '+15550001234', otp, ip: '203.0.113.7' });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => otps.consume({ userId, verifier: 'sms', purpose: 'bind', challengeId: 'c1', input: issued.code, codeLength: 6 })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it('uses a backup code once however many checks race for it', async () => {
    const { backupCodes } = servicesOf(app);
    const [code] = await backupCodes.regenerate(userId);
    const results = await Promise.all(Array.from({ length: 5 }, () => backupCodes.consume(userId, code)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
