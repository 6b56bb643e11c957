import { Plugin } from '@nocobase/server';
import { SMSProvider, Verification } from '@nocobase/plugin-verification';
import { MockServer } from '@nocobase/test';
import { COLLECTIONS } from '../../constants';
import { call, createApp, createUser, destroyApp, errorCode, errorOf, setSettings, signIn } from './helpers';

const smsOutbox: { phone: string; code: string }[] = [];

/** An SMS provider registered through plugin-verification's registry; it captures messages. */
class CapturingSMSProvider extends SMSProvider {
  async send(phone: string, data: { code: string }) {
    smsOutbox.push({ phone, code: data.code });
  }
}

/** A hardware-token type from another plugin: binding proves "2468", signing in proves "1357". */
class TokenVerification extends Verification {
  async bind(): Promise<{ uuid: string; meta?: any }> {
    const { code, uuid } = this.ctx.action.params.values || {};
    if (code !== '2468') this.ctx.throw(400, 'wrong activation code');
    return { uuid: uuid || 'token-1', meta: { model: 'T1' } };
  }
  async verify({ verifyParams, boundInfo }: any) {
    // Its own form may send a PIN and a touch flag instead of a code.
    const byPin = verifyParams?.pin === '8642' && verifyParams?.touched === true;
    if (!boundInfo || (verifyParams?.code !== '1357' && !byPin)) this.ctx.throw(400, 'wrong token code');
    return { ok: true };
  }
}

/** A separate plugin, as a plugin author would write it: it only talks to plugin-verification. */
class TokenFactorPlugin extends Plugin {
  async load() {
    const verification = this.app.pm.get('verification') as any;
    verification.verificationManager.registerVerificationType('hw-token', {
      title: 'Hardware token',
      bindingRequired: true,
      verification: TokenVerification,
    });
    verification.smsOTPProviderManager.registerProvider('capture', { title: 'Capture', provider: CapturingSMSProvider });
  }
}

describe('more factor types', () => {
  let app: MockServer;
  let user: any;

  beforeEach(async () => {
    smsOutbox.length = 0;
    app = await createApp({ extraPlugins: [TokenFactorPlugin] });
    await app.db.getRepository('verifiers').create({ values: { name: 'sms', title: 'SMS', verificationType: 'sms-otp', options: { provider: 'capture', settings: {} } } });
    await app.db.getRepository('verifiers').create({ values: { name: 'hw', title: 'Token', verificationType: 'hw-token' } });
    await setSettings(app, { enforceForAll: true, verifiers: ['sms', 'hw'] });
    user = await createUser(app);
  });
  afterEach(async () => {
    await destroyApp(app);
  });

  const challenge = async () => (await signIn(app, user.get('email'))).body.data.twoFactor.token as string;

  it('SMS OTP binds a phone and verifies with codes sent through the registered provider', async () => {
    const token = await challenge();
    expect(errorCode(await call(app, 'bindStart', token, { verifier: 'sms' }))).toBe('TWO_FACTOR_BAD_REQUEST');
    const start = await call(app, 'bindStart', token, { verifier: 'sms', uuid: '+15550001234' });
    expect(start.status).toBe(200);
    expect(start.body.data.uuid).toBe('********1234');
    expect(smsOutbox).toHaveLength(1);
    expect(smsOutbox[0].phone).toBe('+15550001234');
    const bound = await call(app, 'bind', token, { verifier: 'sms', code: smsOutbox[0].code });
    expect(bound.status).toBe(200);
    const binding = await app.db.getRepository('usersVerifiers').findOne({ filter: { userId: user.get('id'), verifier: 'sms' } });
    expect(binding.get('uuid')).toBe('+15550001234');

    const next = await challenge();
    const info = await call(app, 'getChallenge', next);
    expect(info.body.data.verifiers.find((v: any) => v.name === 'sms')).toMatchObject({ bound: true, boundInfo: '********1234' });
    expect((await call(app, 'sendCode', next, { verifier: 'sms' })).status).toBe(200);
    expect(errorCode(await call(app, 'sendCode', next, { verifier: 'sms' }))).toBe('TWO_FACTOR_THROTTLED');
    expect(smsOutbox).toHaveLength(2);
    const wrong = await call(app, 'verify', next, { verifier: 'sms', code: smsOutbox[1].code === '000000' ? '111111' : '000000' });
    expect(errorOf(wrong)).toMatchObject({ code: 'TWO_FACTOR_INVALID_CODE', attemptsLeft: 4 });
    const ok = await call(app, 'verify', next, { verifier: 'sms', code: smsOutbox[1].code });
    expect(ok.status).toBe(200);
    // plugin-verification's plaintext otpRecords are not used.
    expect(await app.db.getRepository('otpRecords').count()).toBe(0);
    expect(await app.db.getRepository(COLLECTIONS.otps).count({ filter: { userId: user.get('id') } })).toBe(2);
  });

  it("SMS without a provider is refused with a reason, not a 5xx", async () => {
    await app.db.getRepository('verifiers').update({ filterByTk: 'sms', values: { options: {} } });
    const res = await call(app, 'bindStart', await challenge(), { verifier: 'sms', uuid: '+15550001234' });
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'TWO_FACTOR_VERIFIER_NOT_ALLOWED', reason: 'delivery_failed' });
  });

  it("another plugin's verification type is eligible, binds and verifies through our flow", async () => {
    const token = await challenge();
    const info = await call(app, 'getChallenge', token);
    expect(info.body.data.verifiers.map((v: any) => v.name)).toEqual(['sms', 'hw']);
    expect((await call(app, 'bindStart', token, { verifier: 'hw' })).body.data).toEqual({ verifier: 'hw' });
    const wrong = await call(app, 'bind', token, { verifier: 'hw', code: '0000' });
    expect(errorOf(wrong)).toMatchObject({ code: 'TWO_FACTOR_INVALID_CODE', attemptsLeft: 4 });
    const bound = await call(app, 'bind', token, { verifier: 'hw', code: '2468', uuid: 'serial-77' });
    expect(bound.status).toBe(200);
    expect(bound.body.data.backupCodes).toHaveLength(10);
    const binding = await app.db.getRepository('usersVerifiers').findOne({ filter: { userId: user.get('id'), verifier: 'hw' } });
    expect(binding.get('uuid')).toBe('serial-77');

    const next = await challenge();
    expect(errorCode(await call(app, 'verify', next, { verifier: 'hw', code: '9999' }))).toBe('TWO_FACTOR_INVALID_CODE');
    const ok = await call(app, 'verify', next, { verifier: 'hw', code: '1357' });
    expect(ok.status).toBe(200);
    expect(typeof ok.body.data.token).toBe('string');
    expect(errorCode(await call(app, 'sendCode', await challenge(), { verifier: 'hw' }))).toBe('TWO_FACTOR_VERIFIER_NOT_ALLOWED');
  });

  it("passes the whole form of another plugin's type through, and nothing extra to ours", async () => {
    const token = await challenge();
    expect((await call(app, 'bind', token, { verifier: 'hw', code: '2468', uuid: 'serial-9', label: 'desk' })).status).toBe(200);
    // Its form sends a PIN and a flag, no code at all.
    const ok = await call(app, 'verify', await challenge(), { verifier: 'hw', pin: '8642', touched: true });
    expect(ok.status).toBe(200);
    const wrongPin = await call(app, 'verify', await challenge(), { verifier: 'hw', pin: '0000', touched: true });
    expect(errorCode(wrongPin)).toBe('TWO_FACTOR_INVALID_CODE');
    // Form fields stay plain values with plain names.
    expect(errorCode(await call(app, 'verify', await challenge(), { verifier: 'hw', pin: { $gt: '' } }))).toBe('TWO_FACTOR_BAD_REQUEST');
    expect(errorCode(await call(app, 'verify', await challenge(), { verifier: 'hw', 'a.b': '1' }))).toBe('TWO_FACTOR_BAD_REQUEST');
    // Our own types, backup codes and unknown verifiers take no extra field, checked before the challenge.
    expect(errorOf(await call(app, 'verify', await challenge(), { verifier: 'sms', code: '123456', pin: '1' }))).toMatchObject({ code: 'TWO_FACTOR_BAD_REQUEST', field: 'pin' });
    expect(errorCode(await call(app, 'verify', 'not-a-challenge', { verifier: 'nope', pin: '1' }))).toBe('TWO_FACTOR_BAD_REQUEST');
    expect(errorCode(await call(app, 'verify', await challenge(), { backupCode: 'aaaaa-bbbbb', pin: '1' }))).toBe('TWO_FACTOR_BAD_REQUEST');
    expect(errorCode(await call(app, 'verify', await challenge(), { verifier: 'sms' }))).toBe('TWO_FACTOR_BAD_REQUEST');
  });
});
