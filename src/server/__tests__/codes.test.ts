import { MockServer } from '@nocobase/test';
import { COLLECTIONS } from '../../constants';
import {
  advanceClock,
  call,
  createApp,
  createUser,
  destroyApp,
  dumpTables,
  enrol,
  errorCode,
  errorOf,
  restoreClock,
  rfcTotp,
  setSettings,
  signIn,
  wrongCode,
} from './helpers';

describe('codes: replay, concurrency, attempts and lockout', () => {
  let app: MockServer;
  let user: any;
  let secret: string;

  const challenge = async () => (await signIn(app, user.get('email'))).body.data.twoFactor.token as string;
  const sessions = async () => app.db.getRepository('issuedTokens').count({ filter: { userId: user.get('id') } });

  beforeEach(async () => {
    app = await createApp();
    await setSettings(app, { enforceForAll: true, lockoutThreshold: 4, maxAttemptsPerChallenge: 3 });
    user = await createUser(app);
    ({ secret } = await enrol(app, user));
  });
  afterEach(async () => {
    restoreClock();
    await destroyApp(app);
  });

  it('refuses the same time step twice, and any earlier step', async () => {
    const code = rfcTotp(secret, { stepOffset: 1 });
    const first = await call(app, 'verify', await challenge(), { verifier: 'totp', code });
    expect(first.status).toBe(200);
    const second = await call(app, 'verify', await challenge(), { verifier: 'totp', code });
    expect(second.status).toBe(400);
    expect(errorCode(second)).toBe('TWO_FACTOR_CODE_REUSED');
    // The bind step (offset 0) is older than the last accepted one.
    const older = await call(app, 'verify', await challenge(), { verifier: 'totp', code: rfcTotp(secret) });
    expect(errorCode(older)).toBe('TWO_FACTOR_CODE_REUSED');
    expect(await sessions()).toBe(2);
  });

  it('turns one valid code sent on 10 challenges at once into exactly one session', async () => {
    const tokens = await Promise.all(Array.from({ length: 10 }, () => challenge()));
    const code = rfcTotp(secret, { stepOffset: 1 });
    const before = await sessions();
    const results = await Promise.all(tokens.map((t) => call(app, 'verify', t, { verifier: 'totp', code })));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    // The others: the step is spent, or (past the lockout's budget while those run) not checked at all.
    for (const r of results.filter((x) => x.status !== 200)) expect(['TWO_FACTOR_CODE_REUSED', 'TWO_FACTOR_THROTTLED']).toContain(errorCode(r));
    expect((await sessions()) - before).toBe(1);
  });

  it('accepts the next step once time moves on', async () => {
    expect((await call(app, 'verify', await challenge(), { verifier: 'totp', code: rfcTotp(secret, { stepOffset: 1 }) })).status).toBe(200);
    advanceClock(60);
    const res = await call(app, 'verify', await challenge(), { verifier: 'totp', code: rfcTotp(secret) });
    expect(res.status).toBe(200);
  });

  it('counts wrong codes per challenge and kills the challenge at maxAttemptsPerChallenge', async () => {
    const token = await challenge();
    const bad = wrongCode(secret);
    const r1 = await call(app, 'verify', token, { verifier: 'totp', code: bad });
    expect(r1.status).toBe(400);
    expect(errorOf(r1)).toMatchObject({ code: 'TWO_FACTOR_INVALID_CODE', attemptsLeft: 2 });
    expect(typeof errorOf(r1).message).toBe('string');
    expect(errorOf((await call(app, 'verify', token, { verifier: 'totp', code: bad })))).toMatchObject({ attemptsLeft: 1 });
    expect(errorOf((await call(app, 'verify', token, { verifier: 'totp', code: bad })))).toMatchObject({ attemptsLeft: 0 });
    const dead = await call(app, 'verify', token, { verifier: 'totp', code: rfcTotp(secret, { stepOffset: 1 }) });
    expect(dead.status).toBe(401);
    expect(errorCode(dead)).toBe('TWO_FACTOR_CHALLENGE_INVALID');
    expect(await sessions()).toBe(1);
  });

  it('locks the user out at lockoutThreshold failures, refusing even a correct code', async () => {
    const bad = wrongCode(secret);
    const t1 = await challenge();
    for (let i = 0; i < 3; i++) expect((await call(app, 'verify', t1, { verifier: 'totp', code: bad })).status).toBe(400);
    const t2 = await challenge();
    const locked = await call(app, 'verify', t2, { verifier: 'totp', code: bad });
    expect(locked.status).toBe(429);
    expect(errorCode(locked)).toBe('TWO_FACTOR_LOCKED');
    const retryAfter = errorOf(locked).retryAfter;
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(locked.headers['retry-after']).toBe(String(retryAfter));

    // The password step still answers with a challenge; the challenge says it is locked.
    const t3 = await challenge();
    const info = await call(app, 'getChallenge', t3);
    expect(new Date(info.body.data.lockedUntil).getTime()).toBeGreaterThan(Date.now());
    const correct = await call(app, 'verify', t3, { verifier: 'totp', code: rfcTotp(secret, { stepOffset: 1 }) });
    expect(correct.status).toBe(429);
    expect(errorCode(correct)).toBe('TWO_FACTOR_LOCKED');
    expect(await sessions()).toBe(1);

    // After the lockout, the correct code works again.
    advanceClock(15 * 60 + 1);
    const t4 = await challenge();
    const later = await call(app, 'verify', t4, { verifier: 'totp', code: rfcTotp(secret) });
    expect(later.status).toBe(200);
  });

  it('doubles the lockout for a second lockout within 24 hours', async () => {
    const bad = wrongCode(secret);
    const failFour = async () => {
      let last: any;
      for (let i = 0; i < 4; i++) last = await call(app, 'verify', await challenge(), { verifier: 'totp', code: bad });
      return last;
    };
    expect(errorCode(await failFour())).toBe('TWO_FACTOR_LOCKED');
    advanceClock(15 * 60 + 1);
    const second = await failFour();
    expect(errorCode(second)).toBe('TWO_FACTOR_LOCKED');
    expect(errorOf(second).retryAfter).toBeGreaterThan(29 * 60);
  });

  it('locks the user out for 24 hours at dailyFailureLimit failures, however they are spread', async () => {
    await setSettings(app, { dailyFailureLimit: 5 });
    const bad = wrongCode(secret);
    // Below the lockout threshold, with the real user signing in between (which clears the window).
    for (let i = 0; i < 3; i++) expect(errorCode(await call(app, 'verify', await challenge(), { verifier: 'totp', code: bad }))).toBe('TWO_FACTOR_INVALID_CODE');
    expect((await call(app, 'verify', await challenge(), { verifier: 'totp', code: rfcTotp(secret, { stepOffset: 1 }) })).status).toBe(200);
    expect(errorCode(await call(app, 'verify', await challenge(), { verifier: 'totp', code: bad }))).toBe('TWO_FACTOR_INVALID_CODE');
    const locked = await call(app, 'verify', await challenge(), { verifier: 'totp', code: bad });
    expect(locked.status).toBe(429);
    expect(errorCode(locked)).toBe('TWO_FACTOR_LOCKED');
    expect(errorOf(locked).retryAfter).toBeGreaterThan(23 * 3600);
    const events = await app.db.getRepository(COLLECTIONS.events).find({ filter: { type: 'locked', userId: user.get('id') } });
    expect(events.map((e: any) => e.get('detail'))).toEqual([expect.objectContaining({ daily: true })]);
    // Past the normal lockout the correct code is still refused.
    advanceClock(16 * 60);
    const later = await call(app, 'verify', await challenge(), { verifier: 'totp', code: rfcTotp(secret) });
    expect(errorCode(later)).toBe('TWO_FACTOR_LOCKED');
  });

  it('refuses a dailyFailureLimit out of range', async () => {
    await expect(setSettings(app, { dailyFailureLimit: 2 })).rejects.toThrow(/400/);
    await expect(setSettings(app, { dailyFailureLimit: 10_001 })).rejects.toThrow(/400/);
  });

  it('keeps the TOTP secret out of every database row in clear', async () => {
    const other = await createUser(app);
    const token = (await signIn(app, other.get('email'))).body.data.twoFactor.token;
    const pending = (await call(app, 'bindStart', token, { verifier: 'totp' })).body.data.secret as string;
    const dump = async () => {
      let all = '';
      for (const { rows } of await dumpTables(app)) all += JSON.stringify(rows);
      return all;
    };
    let all = await dump();
    expect(all.length).toBeGreaterThan(1000);
    for (const s of [secret, pending]) {
      expect(all).not.toContain(s);
      expect(all.toLowerCase()).not.toContain(s.toLowerCase());
    }
    const binding = await app.db.getRepository('usersVerifiers').findOne({ filter: { userId: user.get('id') } });
    expect(binding.get('meta').secret).toMatch(/^v1\.[0-9a-f]{12}\./);
    await call(app, 'bind', token, { verifier: 'totp', code: rfcTotp(pending) });
    all = await dump();
    expect(all).not.toContain(pending);
  });

  it('refuses verifiers that are not offered or not bound', async () => {
    const token = await challenge();
    const unknown = await call(app, 'verify', token, { verifier: 'nope', code: '123456' });
    expect(unknown.status).toBe(400);
    expect(errorCode(unknown)).toBe('TWO_FACTOR_VERIFIER_NOT_ALLOWED');
    await app.db.getRepository('verifiers').create({ values: { name: 'totp2', title: 'Second app', verificationType: 'totp' } });
    await setSettings(app, { verifiers: ['totp', 'totp2'] });
    const notBound = await call(app, 'verify', await challenge(), { verifier: 'totp2', code: '123456' });
    expect(errorCode(notBound)).toBe('TWO_FACTOR_NOT_BOUND');
    // Bind-only actions belong to the bind stage.
    const bindStart = await call(app, 'bindStart', await challenge(), { verifier: 'totp2' });
    expect(errorCode(bindStart)).toBe('TWO_FACTOR_CHALLENGE_INVALID');
  });

  it('refuses a bind without a pending secret', async () => {
    const other = await createUser(app);
    const token = (await signIn(app, other.get('email'))).body.data.twoFactor.token;
    const res = await call(app, 'bind', token, { verifier: 'totp', code: '123456' });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('TWO_FACTOR_BIND_EXPIRED');
    expect(await app.db.getRepository('usersVerifiers').count({ filter: { userId: other.get('id') } })).toBe(0);
  });

  it('answers malformed bodies with 400 TWO_FACTOR_BAD_REQUEST, before looking at the challenge', async () => {
    const token = await challenge();
    const bodies: unknown[] = [
      [],
      [{ verifier: 'totp', code: '123456' }],
      { verifier: 'totp' },
      { code: '123456' },
      { verifier: 'totp', code: 123456 },
      { verifier: ['totp'], code: '123456' },
      { verifier: { $ne: null }, code: '123456' },
      { verifier: 'totp', code: '123456', extra: 1 },
      { verifier: 'totp', code: '123456', trustDevice: 'true' },
      { verifier: 'totp', code: 'x'.repeat(100_000) },
      { verifier: 'totp', code: null },
    ];
    for (const body of bodies) {
      for (const t of [token, null, 'garbage']) {
        const res = await call(app, 'verify', t, body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(errorCode(res)).toBe('TWO_FACTOR_BAD_REQUEST');
      }
    }
    const raw = await app.agent().post('/twoFactor:verify').set('X-Two-Factor-Token', token).set('Content-Type', 'application/json').send('{"verifier":');
    expect(raw.status).toBeLessThan(500);
    const text = await app.agent().post('/twoFactor:verify').set('X-Two-Factor-Token', token).set('Content-Type', 'text/plain').send('hello');
    expect(text.status).toBe(400);
    // Nothing above counted as a wrong code.
    const info = await call(app, 'verify', token, { verifier: 'totp', code: wrongCode(secret) });
    expect(errorOf(info).attemptsLeft).toBe(2);
    expect(await app.db.getRepository(COLLECTIONS.challenges).count({ filter: { status: 'used' } })).toBe(1);
  });
});
