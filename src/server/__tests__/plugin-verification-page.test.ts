import { MockServer } from '@nocobase/test';
import { COLLECTIONS, RESOURCES } from '../../constants';
import { createApp, createUser, destroyApp, enrol, errorCode, PASSWORD, rfcTotp, rootAgent, setSettings } from './helpers';
import { addTestOtpVerifier } from './test-otp';

describe("plugin-verification's Verification page goes through our binding lifecycle", () => {
  let app: MockServer;
  let user: any;
  let userId: number;
  let agent: any;
  let secret: string;

  const events = (type: string) => app.db.getRepository(COLLECTIONS.events).find({ filter: { type, userId } });
  const bindings = () => app.db.getRepository('usersVerifiers').count({ filter: { userId } });

  beforeEach(async () => {
    app = await createApp();
    const manager = await addTestOtpVerifier(app);
    manager.addSceneRule((scene: string, type: string) => scene === 'unbind-verifier' && type === 'test-otp');
    // Offer every eligible verifier, ours and the third-party one.
    await setSettings(app, { enforceForAll: true, verifiers: [] });
    user = await createUser(app);
    userId = user.get('id');
    ({ secret } = await enrol(app, user));
    agent = await app.agent().login(user);
  });
  afterEach(async () => {
    await destroyApp(app);
  });

  it("refuses the stolen-session chain: bind the attacker's factor, then remove the owner's, without fresh proof", async () => {
    const bind = await agent.post('/verifiers:bind').send({ verifier: 'test', code: '424242' });
    expect(bind.status).toBe(403);
    expect(errorCode(bind)).toBe('TWO_FACTOR_REAUTH_REQUIRED');
    expect(await bindings()).toBe(1);
    // Removing the owner's TOTP with plugin-verification's own code check alone is refused too.
    const unbind = await agent.post('/verifiers:unbind').send({ unbindVerifier: 'totp', verifier: 'test', code: '424242' });
    expect(errorCode(unbind)).toBe('TWO_FACTOR_REAUTH_REQUIRED');
    expect(await bindings()).toBe(1);
    // A wrong password proves nothing either.
    const wrong = await agent.post('/verifiers:bind').send({ verifier: 'test', password: 'not-it' });
    expect(errorCode(wrong)).toBe('TWO_FACTOR_REAUTH_REQUIRED');
    expect(await bindings()).toBe(1);
    expect(await events('bound')).toHaveLength(1); // the TOTP bound at sign-in only
  });

  it('judges the verifier plugin-verification itself acts on: operator objects, lists and case variants get nowhere', async () => {
    for (const verifier of [{ $eq: 'test' }, ['test'], { $ne: 'x' }]) {
      const bind = await agent.post('/verifiers:bind').send({ verifier, code: '424242' });
      expect(bind.status, JSON.stringify(verifier)).toBe(400);
      expect(errorCode(bind)).toBe('TWO_FACTOR_BAD_REQUEST');
    }
    for (const unbindVerifier of [{ $eq: 'totp' }, ['totp']]) {
      const unbind = await agent.post('/verifiers:unbind').send({ unbindVerifier, verifier: 'test', code: '424242' });
      expect(errorCode(unbind), JSON.stringify(unbindVerifier)).toBe('TWO_FACTOR_BAD_REQUEST');
    }
    expect(await bindings()).toBe(1);
    // A name that reaches the verifier another way (MySQL compares names without case) is judged as that verifier.
    await app.db.getRepository('verifiers').create({ values: { name: 'Test2', title: 'Test 2', verificationType: 'test-otp' } });
    expect(errorCode(await agent.post('/verifiers:bind').send({ verifier: 'Test2', code: '424242' }))).toBe('TWO_FACTOR_REAUTH_REQUIRED');
    expect(await bindings()).toBe(1);
  });

  it('binds a third-party type with the password as proof: audited, noticed, and counted as a factor', async () => {
    const bound = await agent.post('/verifiers:bind').send({ verifier: 'test', password: PASSWORD });
    expect(bound.status).toBe(200);
    const rows = await events('bound');
    expect(rows.map((r: any) => r.get('verifier')).sort()).toEqual(['test', 'totp']);
    expect(rows.find((r: any) => r.get('verifier') === 'test').get('detail')).toMatchObject({ during: 'verification page' });
    const me = await agent.get(`/${RESOURCES.me}:get`);
    expect(me.body.data.verifiers.filter((v: any) => v.bound).map((v: any) => v.name).sort()).toEqual(['test', 'totp']);
    // Not the first factor: no new backup codes waiting.
    expect(me.body.data.backupCodes.codes).toBeUndefined();
  });

  it('accepts a code of a factor bound before the request as proof', async () => {
    const bound = await agent.post('/verifiers:bind').send({ verifier: 'test', proofVerifier: 'totp', proofCode: rfcTotp(secret, { stepOffset: 1 }) }); // the current step was spent binding it
    expect(bound.status).toBe(200);
    expect(await bindings()).toBe(2);
  });

  it('gives a first factor bound there its backup codes, shown once in the personal center', async () => {
    const root = await rootAgent(app);
    await root.post(`/${RESOURCES.users}:reset`).send({ userId });
    await setSettings(app, { enforceForAll: false });
    const bound = await agent.post('/verifiers:bind').send({ verifier: 'test', password: PASSWORD });
    expect(bound.status).toBe(200);
    const first = await agent.get(`/${RESOURCES.me}:get`);
    expect(first.body.data.backupCodes.remaining).toBe(10);
    expect(first.body.data.backupCodes.codes).toHaveLength(10);
    const second = await agent.get(`/${RESOURCES.me}:get`);
    expect(second.body.data.backupCodes.codes).toBeUndefined();
    expect(second.body.data.backupCodes.remaining).toBe(10);
  });

  it('keeps the last-factor rule on verifiers:unbind and cleans up like twoFactorMe:unbind', async () => {
    expect((await agent.post('/verifiers:bind').send({ verifier: 'test', password: PASSWORD })).status).toBe(200);
    // Two factors: removing TOTP (plugin-verification's code check plus our proof) is fine.
    const first = await agent
      .post('/verifiers:unbind')
      .send({ unbindVerifier: 'totp', verifier: 'test', code: '424242', password: PASSWORD });
    expect(first.status).toBe(200);
    // The TOTP replay mark went with the binding.
    expect(await app.db.getRepository(COLLECTIONS.totpSteps).count({ filter: { userId } })).toBe(0);
    // The last one stays while 2FA is enforced.
    const last = await agent.post('/verifiers:unbind').send({ unbindVerifier: 'test', verifier: 'test', code: '424242', password: PASSWORD });
    expect(last.status).toBe(409);
    expect(errorCode(last)).toBe('TWO_FACTOR_LAST_FACTOR');
    expect(await bindings()).toBe(1);
    expect(await events('unbound')).toHaveLength(1);
    // Without enforcement the last one may go: backup codes and device trusts go with it.
    await setSettings(app, { enforceForAll: false });
    const gone = await agent.post('/verifiers:unbind').send({ unbindVerifier: 'test', verifier: 'test', code: '424242', password: PASSWORD });
    expect(gone.status).toBe(200);
    expect(await bindings()).toBe(0);
    expect(await app.db.getRepository(COLLECTIONS.backupCodes).count({ filter: { userId } })).toBe(0);
    expect(await events('unbound')).toHaveLength(2);
  });

  it('lets an admin reset a user whose factor came from that page', async () => {
    expect((await agent.post('/verifiers:bind').send({ verifier: 'test', password: PASSWORD })).status).toBe(200);
    const root = await rootAgent(app);
    const reset = await root.post(`/${RESOURCES.users}:reset`).send({ userId });
    expect(reset.body.data.verifiers.sort()).toEqual(['test', 'totp']);
  });
});
