import { MockServer } from '@nocobase/test';
import { RESOURCES } from '../../constants';
import { call, createApp, createUser, destroyApp, enrol, errorCode, rootAgent, setSettings, signIn } from './helpers';

/** No eligible verifier offered (all deleted, or the only type's plugin disabled): C5. */
describe('when no verification method is offered', () => {
  let app: MockServer;
  let root: any;

  beforeEach(async () => {
    app = await createApp();
    root = await rootAgent(app);
  });
  afterEach(async () => {
    await destroyApp(app);
  });

  // Deleted from code (no request): no confirmation is asked for.
  const deleteVerifier = (name: string) => app.db.getRepository('verifiers').destroy({ filterByTk: name });

  it('answers a required user 409 TWO_FACTOR_NOTHING_OFFERED at sign-in, with no session and no challenge', async () => {
    await setSettings(app, { enforceForAll: true });
    const user = await createUser(app);
    await deleteVerifier('totp');
    const res = await signIn(app, user.get('email'));
    expect(res.status).toBe(409);
    expect(errorCode(res)).toBe('TWO_FACTOR_NOTHING_OFFERED');
    expect(JSON.stringify(res.body)).not.toMatch(/token/i);
    expect(await app.db.getRepository('issuedTokens').count({ filter: { userId: user.get('id') } })).toBe(0);
    // A wrong password still gets exactly core's answer.
    const wrong = await signIn(app, user.get('email'), 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(errorCode(wrong)).not.toBe('TWO_FACTOR_NOTHING_OFFERED');
  });

  it('still issues the challenge while a grace period is open, so binding can be postponed', async () => {
    await setSettings(app, { enforceForAll: true, gracePeriodDays: 3 });
    const user = await createUser(app);
    await deleteVerifier('totp');
    const res = await signIn(app, user.get('email'));
    expect(res.body.data.twoFactor.stage).toBe('bind');
    const token = res.body.data.twoFactor.token;
    expect((await call(app, 'getChallenge', token)).body.data.verifiers).toEqual([]);
    expect((await call(app, 'skip', token, {})).status).toBe(200);
  });

  it('tells the admin: twoFactorSettings:get answers nothingOffered', async () => {
    expect((await root.get(`/${RESOURCES.settings}:get`)).body.data.nothingOffered).toBe(false);
    await deleteVerifier('totp');
    expect((await root.get(`/${RESOURCES.settings}:get`)).body.data.nothingOffered).toBe(true);
  });

  it('keeps opted-in users required: a bound eligible factor that is no longer offered does not release them', async () => {
    await setSettings(app, { enforceForAll: true });
    const user = await createUser(app);
    await enrol(app, user);
    await setSettings(app, { enforceForAll: false });
    await app.db.getRepository('verifiers').create({ values: { name: 'totp2', title: 'Second app', verificationType: 'totp', options: {} } });
    await setSettings(app, { verifiers: ['totp2'], confirm: true });
    await deleteVerifier('totp2');

    const res = await signIn(app, user.get('email'));
    expect(errorCode(res)).toBe('TWO_FACTOR_NOTHING_OFFERED');
    const required = await root.get(`/${RESOURCES.users}:list`).query({ filter: JSON.stringify({ required: true }) });
    expect(required.body.data.map((r: any) => r.id)).toEqual([user.get('id')]);
    expect(required.body.data[0].requiredBecause).toEqual(['opt-in']);
  });
});
