import { MockServer } from '@nocobase/test';
import { RESOURCES } from '../../constants';
import { createEmailOtpApp, startSmtp } from './smtp';
import { advanceClock, call, createApp, createUser, destroyApp, errorCode, errorOf, PASSWORD, restoreClock, rootAgent, setSettings, signIn } from './helpers';

/** Message-code abuse limits (design §5): sends per receiver, per IP and in all; receivers per user per day. */
describe('message-code abuse limits', () => {
  let app: MockServer;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;

  const bindChallenge = async (user: any) => (await signIn(app, user.get('email'))).body.data.twoFactor.token as string;
  const mailsTo = (to: string) => smtp.inbox.filter((m) => m.to === to).length;
  /** Waits for the SMTP server to receive `count` messages in all. */
  const delivered = async (count: number) => {
    for (let i = 0; i < 100 && smtp.inbox.length < count; i++) await new Promise((r) => setTimeout(r, 50));
  };

  beforeEach(async () => {
    ({ app, smtp } = await createEmailOtpApp());
    // Hour and day windows are fixed: start the test at the beginning of one, with the clock held.
    advanceClock((86_400_000 - (Date.now() % 86_400_000)) / 1000 + 1);
  });
  afterEach(async () => {
    restoreClock();
    await destroyApp(app);
    await smtp.close();
  });

  it('has defaults, and refuses limits out of range', async () => {
    const root = await rootAgent(app);
    const got = await root.get(`/${RESOURCES.settings}:get`);
    expect(got.body.data).toMatchObject({
      messageSendsPerReceiverPerHour: 5,
      messageSendsPerIpPerHour: 30,
      messageSendsPerHour: 500,
      messageReceiversPerUserPerDay: 3,
    });
    for (const [field, value] of [
      ['messageSendsPerReceiverPerHour', 0],
      ['messageSendsPerIpPerHour', 100_001],
      ['messageSendsPerHour', '10'],
      ['messageReceiversPerUserPerDay', 21],
    ] as const) {
      const res = await root.post(`/${RESOURCES.settings}:update`).send({ [field]: value });
      expect(errorOf(res), field).toMatchObject({ code: 'TWO_FACTOR_BAD_REQUEST', field });
    }
  });

  it('stops relaying codes to one address from many self-registered accounts', async () => {
    await setSettings(app, { messageSendsPerReceiverPerHour: 2 });
    const victim = 'victim@example.org';
    for (let i = 0; i < 2; i++) {
      const res = await call(app, 'bindStart', await bindChallenge(await createUser(app)), { verifier: 'email', uuid: victim });
      expect(res.status).toBe(200);
    }
    const third = await call(app, 'bindStart', await bindChallenge(await createUser(app)), { verifier: 'email', uuid: victim });
    expect(third.status).toBe(429);
    expect(errorOf(third)).toMatchObject({ code: 'TWO_FACTOR_THROTTLED', reason: 'receiver' });
    expect(errorOf(third).retryAfter).toBeGreaterThan(3500);
    expect(errorOf(third).retryAfter).toBeLessThanOrEqual(3600);
    expect(third.headers['retry-after']).toBe(String(errorOf(third).retryAfter));
    // The receiver is compared as an address: case does not make it another one.
    const upper = await call(app, 'bindStart', await bindChallenge(await createUser(app)), { verifier: 'email', uuid: victim.toUpperCase() });
    expect(errorOf(upper)).toMatchObject({ code: 'TWO_FACTOR_THROTTLED', reason: 'receiver' });
    await delivered(2);
    await new Promise((r) => setTimeout(r, 200));
    expect(mailsTo(victim)).toBe(2);
    // Another hour, another budget.
    advanceClock(3600);
    expect((await call(app, 'bindStart', await bindChallenge(await createUser(app)), { verifier: 'email', uuid: victim })).status).toBe(200);
  });

  it('limits sends per IP address, sign-in codes included', async () => {
    await setSettings(app, { messageSendsPerIpPerHour: 2 });
    const users = [await createUser(app), await createUser(app), await createUser(app)];
    expect((await call(app, 'bindStart', await bindChallenge(users[0]), { verifier: 'email' })).status).toBe(200);
    expect((await call(app, 'bindStart', await bindChallenge(users[1]), { verifier: 'email' })).status).toBe(200);
    const third = await call(app, 'bindStart', await bindChallenge(users[2]), { verifier: 'email' });
    expect(third.status).toBe(429);
    expect(errorOf(third)).toMatchObject({ code: 'TWO_FACTOR_THROTTLED', reason: 'ip' });
    await delivered(2);
    await new Promise((r) => setTimeout(r, 200));
    expect(mailsTo(users[2].get('email'))).toBe(0);
  });

  it('limits sends in all, whoever asks', async () => {
    await setSettings(app, { messageSendsPerHour: 2 });
    const users = [await createUser(app), await createUser(app), await createUser(app)];
    expect((await call(app, 'bindStart', await bindChallenge(users[0]), { verifier: 'email' })).status).toBe(200);
    // A self-service bind counts too.
    const agent = await app.agent().login(users[1]);
    await setSettings(app, { enforceForAll: false });
    expect((await agent.post(`/${RESOURCES.me}:bindStart`).send({ verifier: 'email', password: PASSWORD })).status).toBe(200);
    await setSettings(app, { enforceForAll: true });
    const third = await call(app, 'bindStart', await bindChallenge(users[2]), { verifier: 'email' });
    expect(third.status).toBe(429);
    expect(errorOf(third)).toMatchObject({ code: 'TWO_FACTOR_THROTTLED', reason: 'global' });
  });

  it('caps the distinct receivers one user may try in a day', async () => {
    await setSettings(app, { messageReceiversPerUserPerDay: 2 });
    const user = await createUser(app);
    const token = await bindChallenge(user);
    expect((await call(app, 'bindStart', token, { verifier: 'email', uuid: 'one@example.org' })).status).toBe(200);
    advanceClock(61);
    expect((await call(app, 'bindStart', token, { verifier: 'email', uuid: 'two@example.org' })).status).toBe(200);
    advanceClock(61);
    const third = await call(app, 'bindStart', token, { verifier: 'email', uuid: 'three@example.org' });
    expect(third.status).toBe(429);
    expect(errorOf(third)).toMatchObject({ code: 'TWO_FACTOR_THROTTLED', reason: 'receivers' });
    expect(errorOf(third).retryAfter).toBeGreaterThan(86_000);
    // A receiver already tried today may be tried again.
    expect((await call(app, 'bindStart', token, { verifier: 'email', uuid: 'one@example.org' })).status).toBe(200);
    // Also in the personal center.
    const agent = await app.agent().login(user);
    await setSettings(app, { enforceForAll: false });
    advanceClock(61);
    const me = await agent.post(`/${RESOURCES.me}:bindStart`).send({ verifier: 'email', uuid: 'four@example.org', password: PASSWORD });
    expect(errorOf(me)).toMatchObject({ code: 'TWO_FACTOR_THROTTLED', reason: 'receivers' });
  });

  it('binds only the account address at sign-in when the verifier says ownAddressOnly', async () => {
    const root = await rootAgent(app);
    const bad = await root.post('/verifiers:update').query({ filterByTk: 'email' }).send({ options: { channel: 'mail', ownAddressOnly: 'yes' } });
    expect(errorOf(bad)).toMatchObject({ code: 'TWO_FACTOR_BAD_REQUEST', field: 'options.ownAddressOnly' });
    const ok = await root.post('/verifiers:update').query({ filterByTk: 'email' }).send({ options: { channel: 'mail', ownAddressOnly: true } });
    expect(ok.status).toBe(200);

    const user = await createUser(app);
    const email = user.get('email') as string;
    const token = await bindChallenge(user);
    const other = await call(app, 'bindStart', token, { verifier: 'email', uuid: 'someone-else@example.org' });
    expect(errorOf(other)).toMatchObject({ code: 'TWO_FACTOR_BAD_REQUEST', field: 'uuid' });
    expect((await call(app, 'bindStart', token, { verifier: 'email', uuid: email.toUpperCase() })).status).toBe(200);
    await delivered(1);
    expect(mailsTo('someone-else@example.org')).toBe(0);

    // An account without an address cannot bind email at sign-in.
    const noMail = await app.db.getRepository('users').create({ values: { username: `nomail_${Date.now()}`, password: PASSWORD, roles: ['member'] } });
    const t2 = (await signIn(app, noMail.get('username'))).body.data.twoFactor.token;
    expect(errorCode(await call(app, 'bindStart', t2, { verifier: 'email', uuid: 'x@example.org' }))).toBe('TWO_FACTOR_BAD_REQUEST');

    // A signed-in user who proves presence may still name another address.
    await setSettings(app, { enforceForAll: false });
    const agent = await app.agent().login(user);
    advanceClock(61);
    const me = await agent.post(`/${RESOURCES.me}:bindStart`).send({ verifier: 'email', uuid: 'work@example.org', password: PASSWORD });
    expect(me.status).toBe(200);
  });
});
