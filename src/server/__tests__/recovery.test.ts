import { MockServer } from '@nocobase/test';
import { COLLECTIONS, RESOURCES } from '../../constants';
import { call, createApp, createUser, destroyApp, enrol, errorCode, errorOf, PASSWORD, rfcTotp, setSettings, signIn } from './helpers';

describe('backup codes', () => {
  let app: MockServer;
  let user: any;
  let secret: string;
  let codes: string[];

  const challenge = async () => (await signIn(app, user.get('email'))).body.data.twoFactor.token as string;
  const sessions = () => app.db.getRepository('issuedTokens').count({ filter: { userId: user.get('id') } });

  beforeEach(async () => {
    app = await createApp();
    await setSettings(app, { enforceForAll: true, maxAttemptsPerChallenge: 5, lockoutThreshold: 20 });
    user = await createUser(app);
    const enrolled = await enrol(app, user);
    secret = enrolled.secret;
    codes = enrolled.session.backupCodes;
  });
  afterEach(async () => {
    await destroyApp(app);
  });

  it('come as 10 easy-to-type codes with the first binding, stored only as keyed hashes', async () => {
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    expect(new Set(codes).size).toBe(10);
    const rows = await app.db.getRepository(COLLECTIONS.backupCodes).find({ filter: { userId: user.get('id') } });
    expect(rows).toHaveLength(10);
    const stored = JSON.stringify(rows.map((r: any) => r.toJSON()));
    for (const c of codes) {
      expect(stored).not.toContain(c);
      expect(stored).not.toContain(c.replace('-', ''));
    }
    const info = await call(app, 'getChallenge', await challenge());
    expect(info.body.data.backupCodes).toEqual({ remaining: 10 });
  });

  it('sign a user in once each, whatever the case, spaces and dashes', async () => {
    const before = await sessions();
    const typed = ` ${codes[0].toUpperCase().replace('-', ' ')} `;
    const ok = await call(app, 'verify', await challenge(), { backupCode: typed });
    expect(ok.status).toBe(200);
    expect(typeof ok.body.data.token).toBe('string');
    // Used once: said so (not "incorrect"), and still counted as a wrong code.
    const again = await call(app, 'verify', await challenge(), { backupCode: codes[0] });
    expect(again.status).toBe(400);
    expect(errorOf(again)).toMatchObject({ code: 'TWO_FACTOR_CODE_REUSED', reason: 'backup_code_used', attemptsLeft: 4 });
    expect((await sessions()) - before).toBe(1);
    const info = await call(app, 'getChallenge', await challenge());
    expect(info.body.data.backupCodes.remaining).toBe(9);
    const events = await app.db.getRepository(COLLECTIONS.events).find({ filter: { type: 'backup_code_used' } });
    expect(events).toHaveLength(1);
    expect(events[0].get('detail')).toEqual({ remaining: 9 });
    const audit = JSON.stringify((await app.db.getRepository(COLLECTIONS.events).find()).map((r: any) => r.toJSON()));
    for (const c of codes) expect(audit).not.toContain(c);
    expect(audit).not.toContain(secret);
  });

  it('count wrong backup codes like wrong codes', async () => {
    const token = await challenge();
    for (let left = 4; left >= 0; left--) {
      const res = await call(app, 'verify', token, { backupCode: 'aaaaa-aaaaa' });
      expect(errorOf(res)).toMatchObject({ code: 'TWO_FACTOR_INVALID_CODE', attemptsLeft: left });
    }
    expect(errorCode(await call(app, 'verify', token, { backupCode: codes[1] }))).toBe('TWO_FACTOR_CHALLENGE_INVALID');
  });

  it('count a used backup code against the challenge and the lockout, like a wrong one', async () => {
    await setSettings(app, { lockoutThreshold: 3 });
    expect((await call(app, 'verify', await challenge(), { backupCode: codes[3] })).status).toBe(200);
    const token = await challenge();
    expect(errorOf(await call(app, 'verify', token, { backupCode: codes[3] }))).toMatchObject({ code: 'TWO_FACTOR_CODE_REUSED', attemptsLeft: 4 });
    expect(errorOf(await call(app, 'verify', token, { backupCode: codes[3] }))).toMatchObject({ code: 'TWO_FACTOR_CODE_REUSED', attemptsLeft: 3 });
    const locking = await call(app, 'verify', token, { backupCode: codes[3] });
    expect(locking.status).toBe(429);
    expect(errorCode(locking)).toBe('TWO_FACTOR_LOCKED');
    const events = await app.db.getRepository(COLLECTIONS.events).find({ filter: { type: 'failed', userId: user.get('id') } });
    expect(events.map((e: any) => e.get('detail').reason)).toEqual(['reused', 'reused', 'reused']);
  });

  it('refuse a backup code together with a verifier code, or neither', async () => {
    const token = await challenge();
    expect(errorCode(await call(app, 'verify', token, { backupCode: codes[0], verifier: 'totp' }))).toBe('TWO_FACTOR_BAD_REQUEST');
    expect(errorCode(await call(app, 'verify', token, { backupCode: codes[0], code: '123456' }))).toBe('TWO_FACTOR_BAD_REQUEST');
    expect(errorCode(await call(app, 'verify', token, {}))).toBe('TWO_FACTOR_BAD_REQUEST');
    expect(errorCode(await call(app, 'verify', token, { backupCode: 12345 }))).toBe('TWO_FACTOR_BAD_REQUEST');
  });

  it('turn one code sent on 5 challenges at once into exactly one session', async () => {
    const tokens = await Promise.all(Array.from({ length: 5 }, () => challenge()));
    const before = await sessions();
    const results = await Promise.all(tokens.map((t) => call(app, 'verify', t, { backupCode: codes[2] })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect((await sessions()) - before).toBe(1);
  });

  it('are regenerated with fresh proof only, and the old set dies', async () => {
    const agent = await app.agent().login(user);
    const url = `/${RESOURCES.me}:regenerateBackupCodes`;
    const none = await agent.post(url).send({});
    expect(none.status).toBe(403);
    expect(errorCode(none)).toBe('TWO_FACTOR_REAUTH_REQUIRED');
    const wrong = await agent.post(url).send({ password: 'not-it' });
    expect(errorOf(wrong)).toMatchObject({ code: 'TWO_FACTOR_REAUTH_REQUIRED', reason: 'password' });
    expect((await call(app, 'verify', await challenge(), { backupCode: codes[3] })).status).toBe(200);

    const fresh = await agent.post(url).send({ password: PASSWORD });
    expect(fresh.status).toBe(200);
    expect(fresh.body.data.backupCodes).toHaveLength(10);
    expect(errorCode(await call(app, 'verify', await challenge(), { backupCode: codes[4] }))).toBe('TWO_FACTOR_INVALID_CODE');
    expect((await call(app, 'verify', await challenge(), { backupCode: fresh.body.data.backupCodes[0] })).status).toBe(200);

    // A current code of the bound factor is proof too.
    const byCode = await agent.post(url).send({ code: rfcTotp(secret, { stepOffset: 1 }) });
    expect(byCode.status).toBe(200);
    const events = await app.db.getRepository(COLLECTIONS.events).count({ filter: { type: 'backup_codes_regenerated' } });
    expect(events).toBe(3);
  });
});
