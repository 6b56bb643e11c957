import { MockServer } from '@nocobase/test';
import { advanceClock, call, createApp, createUser, destroyApp, enrol, rfcTotp, restoreClock, rootAgent, setSettings, signIn } from './helpers';

describe('a TOTP binding keeps the parameters it was enrolled with', () => {
  let app: MockServer;

  const challenge = async (user: any) => (await signIn(app, user.get('email'))).body.data.twoFactor.token as string;
  const editVerifier = async (options: Record<string, unknown>) => {
    const root = await rootAgent(app);
    const res = await root.post('/verifiers:update').query({ filterByTk: 'totp' }).send({ options });
    expect(res.status).toBe(200);
  };

  beforeEach(async () => {
    app = await createApp();
    await setSettings(app, { enforceForAll: true });
  });
  afterEach(async () => {
    restoreClock();
    await destroyApp(app);
  });

  it('still accepts enrolled apps after the verifier period changes from 30 to 60 s, and enrols new ones at 60 s', async () => {
    const alice = await createUser(app);
    const { secret } = await enrol(app, alice);
    await editVerifier({ period: 60 });
    // Alice's app still shows 30-second codes.
    const ok = await call(app, 'verify', await challenge(alice), { verifier: 'totp', code: rfcTotp(secret, { stepOffset: 1 }) });
    expect(ok.status).toBe(200);
    // …and the next step 30 s later (replay marks count in her binding's own steps).
    advanceClock(30);
    const next = await call(app, 'verify', await challenge(alice), { verifier: 'totp', code: rfcTotp(secret, { stepOffset: 1 }) });
    expect(next.status).toBe(200);

    const bob = await createUser(app);
    const token = await challenge(bob);
    const start = await call(app, 'bindStart', token, { verifier: 'totp' });
    expect(start.body.data.otpauthUri).toContain('period=60');
    const bound = await call(app, 'bind', token, { verifier: 'totp', code: rfcTotp(start.body.data.secret, { period: 60 }) });
    expect(bound.status).toBe(200);
    const binding = await app.db.getRepository('usersVerifiers').findOne({ filter: { userId: bob.get('id'), verifier: 'totp' } });
    expect(binding.get('meta').totp).toEqual({ algorithm: 'SHA1', digits: 6, period: 60 });
  });

  it('pins the old parameters on bindings enrolled before they were stored, when the verifier changes', async () => {
    const alice = await createUser(app);
    const { secret } = await enrol(app, alice);
    // A binding as older versions stored it: the secret only.
    const bindings = app.db.getCollection('usersVerifiers').model;
    const row: any = await bindings.findOne({ where: { userId: alice.get('id'), verifier: 'totp' } });
    const { totp: _enrolled, ...meta } = row.get('meta');
    await bindings.update({ meta }, { where: { userId: alice.get('id'), verifier: 'totp' } });
    await editVerifier({ period: 60, digits: 8 });
    const ok = await call(app, 'verify', await challenge(alice), { verifier: 'totp', code: rfcTotp(secret, { stepOffset: 1 }) });
    expect(ok.status).toBe(200);
  });
});
