import { MockServer } from '@nocobase/test';
import { Verification } from '@nocobase/plugin-verification';
import { COLLECTIONS, RESOURCES } from '../../constants';
import { createApp, createUser, destroyApp, enrol, errorCode, rootAgent, setSettings } from './helpers';

/** A third-party factor type, as another plugin would register it. */
class TestOtpVerification extends Verification {
  async verify({ verifyParams }: any) {
    if (verifyParams?.code !== '424242') this.ctx.throw(400, 'wrong test code');
    return {};
  }
  async bind() {
    return { uuid: 'test-device' };
  }
}

describe("plugin-verification's Verification page", () => {
  let app: MockServer;
  let user: any;
  let agent: any;

  beforeEach(async () => {
    app = await createApp();
    const manager = (app.pm.get('verification') as any).verificationManager;
    manager.registerVerificationType('test-otp', { title: 'Test OTP', bindingRequired: true, verification: TestOtpVerification });
    manager.addSceneRule((scene: string, type: string) => scene === 'unbind-verifier' && type === 'test-otp');
    await app.db.getRepository('verifiers').create({ values: { name: 'test', title: 'Test', verificationType: 'test-otp' } });
    // Offer every eligible verifier, ours and the third-party one.
    await setSettings(app, { enforceForAll: true, verifiers: [] });
    user = await createUser(app);
    await enrol(app, user);
    agent = await app.agent().login(user);
  });
  afterEach(async () => {
    await destroyApp(app);
  });

  it('binds third-party types there, which then count as factors', async () => {
    const bound = await agent.post('/verifiers:bind').send({ verifier: 'test' });
    expect(bound.status).toBe(200);
    const me = await agent.get(`/${RESOURCES.me}:get`);
    expect(me.body.data.verifiers.filter((v: any) => v.bound).map((v: any) => v.name).sort()).toEqual(['test', 'totp']);
  });

  it('keeps the last-factor rule on verifiers:unbind', async () => {
    await agent.post('/verifiers:bind').send({ verifier: 'test' });
    // Two factors: removing TOTP (proved with the other one) is fine.
    const first = await agent.post('/verifiers:unbind').send({ unbindVerifier: 'totp', verifier: 'test', code: '424242' });
    expect(first.status).toBe(200);
    // The last one stays while 2FA is enforced.
    const last = await agent.post('/verifiers:unbind').send({ unbindVerifier: 'test', verifier: 'test', code: '424242' });
    expect(last.status).toBe(409);
    expect(errorCode(last)).toBe('TWO_FACTOR_LAST_FACTOR');
    expect(await app.db.getRepository('usersVerifiers').count({ filter: { userId: user.get('id') } })).toBe(1);
    expect(await app.db.getRepository(COLLECTIONS.events).count({ filter: { type: 'unbound', userId: user.get('id') } })).toBe(1);
    // An admin can still reset the user.
    const root = await rootAgent(app);
    expect((await root.post(`/${RESOURCES.users}:reset`).send({ userId: user.get('id') })).body.data.verifiers).toEqual(['test']);
  });
});
