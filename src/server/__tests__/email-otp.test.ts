import { MockServer } from '@nocobase/test';
import { COLLECTIONS, RESOURCES } from '../../constants';
import { servicesOf } from '../services';
import { codeIn, createEmailOtpApp, Mail, startSmtp } from './smtp';
import { advanceClock, call, createApp, createUser, destroyApp, dumpTables, enrol, errorCode, errorOf, restoreClock, rfcTotp, rootAgent, setSettings, signIn } from './helpers';

/** The newest code mailed to `to`. */
async function mailedCode(inbox: Mail[], to: string, after = 0): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const mails = inbox.filter((m) => m.to === to);
    if (mails.length > after) {
      const code = codeIn(mails[mails.length - 1]);
      if (code) return code;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no mail for ${to}`);
}

describe('email OTP', () => {
  let app: MockServer;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let user: any;
  let email: string;

  beforeEach(async () => {
    ({ app, smtp } = await createEmailOtpApp());
    user = await createUser(app);
    email = user.get('email');
  });
  afterEach(async () => {
    restoreClock();
    await destroyApp(app);
    await smtp.close();
  });

  async function bindEmail() {
    const token = (await signIn(app, email)).body.data.twoFactor.token;
    const start = await call(app, 'bindStart', token, { verifier: 'email' });
    expect(start.status).toBe(200);
    const code = await mailedCode(smtp.inbox, email);
    const bound = await call(app, 'bind', token, { verifier: 'email', code });
    expect(bound.status).toBe(200);
    return bound;
  }

  it('binds the account address with a mailed code, then signs in with codes sent on demand', async () => {
    const token = (await signIn(app, email)).body.data.twoFactor.token;
    const start = await call(app, 'bindStart', token, { verifier: 'email' });
    expect(start.body.data).toMatchObject({ verifier: 'email', uuid: `${email[0]}***@example.com` });
    const code = await mailedCode(smtp.inbox, email);
    expect(smtp.inbox[0].raw).toContain('Subject: Your verification code');
    const wrong = await call(app, 'bind', token, { verifier: 'email', code: code === '000000' ? '111111' : '000000' });
    expect(errorOf(wrong)).toMatchObject({ code: 'TWO_FACTOR_INVALID_CODE', attemptsLeft: 4 });
    const bound = await call(app, 'bind', token, { verifier: 'email', code });
    expect(bound.status).toBe(200);
    expect(bound.body.data.backupCodes).toHaveLength(10);
    const row = await app.db.getRepository('usersVerifiers').findOne({ filter: { userId: user.get('id'), verifier: 'email' } });
    expect(row.get('uuid')).toBe(email);

    const next = (await signIn(app, email)).body.data.twoFactor;
    expect(next.stage).toBe('verify');
    const info = await call(app, 'getChallenge', next.token);
    expect(info.body.data.verifiers.find((v: any) => v.name === 'email')).toMatchObject({ bound: true, boundInfo: `${email[0]}***@example.com` });
    const sent = await call(app, 'sendCode', next.token, { verifier: 'email' });
    expect(sent.status).toBe(200);
    expect(new Date(sent.body.data.resendAfter).getTime()).toBeGreaterThan(Date.now() + 50_000);
    const again = await call(app, 'sendCode', next.token, { verifier: 'email' });
    expect(again.status).toBe(429);
    expect(errorCode(again)).toBe('TWO_FACTOR_THROTTLED');
    expect(errorOf(again).retryAfter).toBeGreaterThan(50);
    const verifyCode = await mailedCode(smtp.inbox, email, 1);
    const ok = await call(app, 'verify', next.token, { verifier: 'email', code: verifyCode });
    expect(ok.status).toBe(200);
    expect(typeof ok.body.data.token).toBe('string');

    // The same code on a new challenge is spent.
    const reuse = await call(app, 'verify', (await signIn(app, email)).body.data.twoFactor.token, { verifier: 'email', code: verifyCode });
    expect(errorCode(reuse)).toBe('TWO_FACTOR_CODE_REUSED');
  });

  it('refuses an expired code, and a code replaced by a newer one', async () => {
    await bindEmail();
    const token = (await signIn(app, email)).body.data.twoFactor.token;
    await call(app, 'sendCode', token, { verifier: 'email' });
    const first = await mailedCode(smtp.inbox, email, 1);
    advanceClock(61);
    await call(app, 'sendCode', token, { verifier: 'email' });
    const second = await mailedCode(smtp.inbox, email, 2);
    if (first !== second) expect(errorCode(await call(app, 'verify', token, { verifier: 'email', code: first }))).toBe('TWO_FACTOR_INVALID_CODE');
    advanceClock(601);
    const token2 = (await signIn(app, email)).body.data.twoFactor.token;
    expect(errorCode(await call(app, 'verify', token2, { verifier: 'email', code: second }))).toBe('TWO_FACTOR_INVALID_CODE');
  });

  it('keeps codes out of the database in clear', async () => {
    await bindEmail();
    const token = (await signIn(app, email)).body.data.twoFactor.token;
    await call(app, 'sendCode', token, { verifier: 'email' });
    const code = await mailedCode(smtp.inbox, email, 1);
    const tables = await dumpTables(app);
    expect(tables.map((t) => t.name)).toContain(app.db.getCollection(COLLECTIONS.otps).model.tableName);
    for (const { name, rows } of tables) {
      const dump = JSON.stringify(rows);
      expect(dump.includes(`"${code}"`) || dump.includes(`is ${code}`), name).toBe(false);
    }
    expect(await app.db.getRepository(COLLECTIONS.otps).count()).toBeGreaterThan(0);
  });

  it('lets a user with TOTP and email verify with either ("try another way")', async () => {
    const { secret } = await enrol(app, user);
    const agent = await app.agent().login(user);
    const start = await agent.post(`/${RESOURCES.me}:bindStart`).send({ verifier: 'email', code: rfcTotp(secret, { stepOffset: 1 }) });
    expect(start.status).toBe(200);
    const bound = await agent.post(`/${RESOURCES.me}:bind`).send({ verifier: 'email', code: await mailedCode(smtp.inbox, email) });
    expect(bound.status).toBe(200);
    expect(bound.body.data.backupCodes).toBeUndefined();

    const challenge = (await signIn(app, email)).body.data.twoFactor.token;
    const info = await call(app, 'getChallenge', challenge);
    expect(info.body.data.verifiers.map((v: any) => [v.name, v.bound])).toEqual([['totp', true], ['email', true]]);
    await call(app, 'sendCode', challenge, { verifier: 'email' });
    const byEmail = await call(app, 'verify', challenge, { verifier: 'email', code: await mailedCode(smtp.inbox, email, 1) });
    expect(byEmail.status).toBe(200);
    advanceClock(61);
    const byApp = await call(app, 'verify', (await signIn(app, email)).body.data.twoFactor.token, { verifier: 'totp', code: rfcTotp(secret) });
    expect(byApp.status).toBe(200);
  });

  it('tells the admin and offers another factor when the channel is misconfigured, never a 5xx', async () => {
    const root = await rootAgent(app);
    await root.post('/verifiers:update').query({ filterByTk: 'email' }).send({ options: { channel: 'missing' } });
    const token = (await signIn(app, email)).body.data.twoFactor.token;
    const res = await call(app, 'bindStart', token, { verifier: 'email' });
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'TWO_FACTOR_VERIFIER_NOT_ALLOWED', reason: 'delivery_failed' });
    // The user can still bind another factor on the same challenge.
    expect((await call(app, 'bindStart', token, { verifier: 'totp' })).status).toBe(200);
    // And may ask again at once once fixed (the failed send did not start the resend timer).
    await root.post('/verifiers:update').query({ filterByTk: 'email' }).send({ options: { channel: 'mail' } });
    expect((await call(app, 'bindStart', token, { verifier: 'email' })).status).toBe(200);
  });

  it('refuses invalid receivers and options', async () => {
    const token = (await signIn(app, email)).body.data.twoFactor.token;
    expect(errorCode(await call(app, 'bindStart', token, { verifier: 'email', uuid: 'not-an-email' }))).toBe('TWO_FACTOR_BAD_REQUEST');
    const root = await rootAgent(app);
    const bad = await root.post('/verifiers:update').query({ filterByTk: 'email' }).send({ options: { channel: 'mail', codeLength: 3 } });
    expect(errorOf(bad)).toMatchObject({ code: 'TWO_FACTOR_BAD_REQUEST', field: 'options.codeLength' });
  });

  it('refuses message codes shorter than 6 digits, and reads an old 4-digit verifier as 6', async () => {
    const root = await rootAgent(app);
    const four = await root.post('/verifiers:update').query({ filterByTk: 'email' }).send({ options: { channel: 'mail', codeLength: 4 } });
    expect(errorOf(four)).toMatchObject({ code: 'TWO_FACTOR_BAD_REQUEST', field: 'options.codeLength' });
    // A verifier saved before the minimum was raised (no hooks: as an old row would be).
    const verifiers = app.db.getCollection('verifiers').model;
    await verifiers.update({ options: { channel: 'mail', codeLength: 4 } }, { where: { name: 'email' }, hooks: false });
    const stored: any = await verifiers.findOne({ where: { name: 'email' } });
    expect(stored.get('options').codeLength).toBe(4);
    await servicesOf(app as any).verifiers.invalidate();
    const token = (await signIn(app, email)).body.data.twoFactor.token;
    const info = await call(app, 'getChallenge', token);
    expect(info.body.data.verifiers.find((v: any) => v.name === 'email').codeLength).toBe(6);
    await call(app, 'bindStart', token, { verifier: 'email' });
    const code = await mailedCode(smtp.inbox, email);
    expect(code).toHaveLength(6);
    expect((await call(app, 'bind', token, { verifier: 'email', code })).status).toBe(200);
  });

  it('never accepts a code mailed for a sign-in as proof in the personal center', async () => {
    await bindEmail();
    const agent = await app.agent().login(user);
    const before = await app.db.getRepository(COLLECTIONS.backupCodes).find({ filter: { userId: user.get('id') } });
    const token = (await signIn(app, email)).body.data.twoFactor.token;
    expect((await call(app, 'sendCode', token, { verifier: 'email' })).status).toBe(200);
    const code = await mailedCode(smtp.inbox, email, 1);
    const res = await agent.post(`/${RESOURCES.me}:regenerateBackupCodes`).send({ code, proofVerifier: 'email' });
    expect(res.status).toBe(403);
    expect(errorCode(res)).toBe('TWO_FACTOR_REAUTH_REQUIRED');
    expect(res.body.data?.backupCodes).toBeUndefined();
    const after = await app.db.getRepository(COLLECTIONS.backupCodes).find({ filter: { userId: user.get('id') } });
    expect(after.map((r: any) => r.get('id')).sort()).toEqual(before.map((r: any) => r.get('id')).sort());
    // The code still belongs to its sign-in.
    expect((await call(app, 'verify', token, { verifier: 'email', code })).status).toBe(200);
  });
});
