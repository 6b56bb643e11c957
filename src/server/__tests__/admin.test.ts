import { MockServer } from '@nocobase/test';
import { ACL_SNIPPET, COLLECTIONS, RESOURCES } from '../../constants';
import { advanceClock, call, createApp, createUser, destroyApp, enrol, errorCode, restoreClock, rfcTotp, rootAgent, setSettings, signIn } from './helpers';

describe('policy and admin control', () => {
  let app: MockServer;
  let root: any;

  beforeEach(async () => {
    app = await createApp();
    root = await rootAgent(app);
  });
  afterEach(async () => {
    restoreClock();
    await destroyApp(app);
  });

  const stageOf = async (u: any) => (await signIn(app, u.get('email'))).body.data.twoFactor?.stage ?? 'none';

  it('enforces by role: members of the role and no one else', async () => {
    await app.db.getRepository('roles').create({ values: { name: 'finance', title: 'Finance' } });
    const accountant = await createUser(app, ['member', 'finance']);
    const clerk = await createUser(app, ['member']);
    await setSettings(app, { enforcedRoles: ['finance'] });
    expect(await stageOf(accountant)).toBe('bind');
    expect(await stageOf(clerk)).toBe('none');
    const token = (await signIn(app, accountant.get('email'))).body.data.twoFactor.token;
    expect((await call(app, 'getChallenge', token)).body.data.requiredBecause).toEqual(['role:finance']);
  });

  it('enforces single users and says why', async () => {
    const alice = await createUser(app);
    const bob = await createUser(app);
    const res = await root.post(`/${RESOURCES.users}:setEnforced`).send({ userId: alice.get('id'), enforced: true });
    expect(res.status).toBe(200);
    expect(await stageOf(alice)).toBe('bind');
    expect(await stageOf(bob)).toBe('none');
    const me = await (await app.agent().login(alice)).get(`/${RESOURCES.me}:get`);
    expect(me.body.data).toMatchObject({ required: true, requiredBecause: ['user'] });
    await root.post(`/${RESOURCES.users}:setEnforced`).send({ userId: alice.get('id'), enforced: false });
    expect(await stageOf(alice)).toBe('none');
    expect(errorCode(await root.post(`/${RESOURCES.users}:setEnforced`).send({ userId: alice.get('id'), enforced: 'yes' }))).toBe('TWO_FACTOR_BAD_REQUEST');
    expect(errorCode(await root.post(`/${RESOURCES.users}:setEnforced`).send({ userId: 987654, enforced: true }))).toBe('TWO_FACTOR_BAD_REQUEST');
    expect(errorCode(await root.post(`/${RESOURCES.users}:setEnforced`).query({ filterByTk: alice.get('id') }).send({ enforced: true }))).toBe('TWO_FACTOR_BAD_REQUEST');
  });

  describe('grace period', () => {
    it('is refused when gracePeriodDays is 0', async () => {
      await setSettings(app, { enforceForAll: true });
      const user = await createUser(app);
      const res = await signIn(app, user.get('email'));
      expect(res.body.data.twoFactor.skippableUntil).toBeNull();
      const skip = await call(app, 'skip', res.body.data.twoFactor.token, {});
      expect(skip.status).toBe(403);
      expect(errorCode(skip)).toBe('TWO_FACTOR_SKIP_NOT_ALLOWED');
    });

    it('lets a new user postpone binding until the deadline, counted from the first challenge', async () => {
      await setSettings(app, { enforceForAll: true, gracePeriodDays: 3 });
      const user = await createUser(app);
      const first = await signIn(app, user.get('email'));
      const until = new Date(first.body.data.twoFactor.skippableUntil).getTime();
      expect(until).toBeGreaterThan(Date.now() + 3 * 86400_000 - 60_000);
      const skip = await call(app, 'skip', first.body.data.twoFactor.token, {});
      expect(skip.status).toBe(200);
      expect(typeof skip.body.data.token).toBe('string');
      expect(await app.db.getRepository(COLLECTIONS.events).count({ filter: { type: 'skipped', userId: user.get('id') } })).toBe(1);

      advanceClock(2 * 86400);
      const later = await signIn(app, user.get('email'));
      expect(new Date(later.body.data.twoFactor.skippableUntil).getTime()).toBe(until);
      expect((await call(app, 'skip', later.body.data.twoFactor.token, {})).status).toBe(200);

      advanceClock(86400 + 60);
      const tooLate = await signIn(app, user.get('email'));
      expect(tooLate.body.data.twoFactor.skippableUntil).toBe(new Date(until).toISOString());
      expect(errorCode(await call(app, 'skip', tooLate.body.data.twoFactor.token, {}))).toBe('TWO_FACTOR_SKIP_NOT_ALLOWED');
    });

    it('ends for everyone at once when lowered to 0, and never applies to the verify stage', async () => {
      await setSettings(app, { enforceForAll: true, gracePeriodDays: 10 });
      const user = await createUser(app);
      const token = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
      await setSettings(app, { gracePeriodDays: 0 });
      expect(errorCode(await call(app, 'skip', token, {}))).toBe('TWO_FACTOR_SKIP_NOT_ALLOWED');
      await setSettings(app, { gracePeriodDays: 10 });
      await enrol(app, user);
      const verifyToken = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
      expect(errorCode(await call(app, 'skip', verifyToken, {}))).toBe('TWO_FACTOR_CHALLENGE_INVALID');
    });
  });

  it('lists everyone as unbound and not required before anyone enrols', async () => {
    await createUser(app);
    const unbound = await root.get(`/${RESOURCES.users}:list`).query({ filter: JSON.stringify({ bound: false }) });
    expect(unbound.body.meta.count).toBe(2);
    const notRequired = await root.get(`/${RESOURCES.users}:list`).query({ filter: JSON.stringify({ required: false }) });
    expect(notRequired.body.meta.count).toBe(2);
    const required = await root.get(`/${RESOURCES.users}:list`).query({ filter: JSON.stringify({ required: true }) });
    expect(required.body.meta.count).toBe(0);
  });

  it('lists users with their 2FA state, paginated and filtered', async () => {
    await setSettings(app, { enforceForAll: false });
    const alice = await createUser(app);
    const bob = await createUser(app);
    await createUser(app);
    await setSettings(app, { enforceForAll: true });
    await enrol(app, alice);
    await setSettings(app, { enforceForAll: false });
    await root.post(`/${RESOURCES.users}:setEnforced`).send({ userId: bob.get('id'), enforced: true });

    const all = await root.get(`/${RESOURCES.users}:list`).query({ page: 1, pageSize: 2 });
    expect(all.status).toBe(200);
    expect(all.body.meta).toEqual({ count: 4, page: 1, pageSize: 2 });
    expect(all.body.data).toHaveLength(2);

    const bound = await root.get(`/${RESOURCES.users}:list`).query({ filter: JSON.stringify({ bound: true }) });
    expect(bound.body.data.map((r: any) => r.id)).toEqual([alice.get('id')]);
    expect(bound.body.data[0]).toMatchObject({
      required: true,
      requiredBecause: ['opt-in'],
      enforced: false,
      verifiers: ['totp'],
      backupCodesRemaining: 10,
      trustedDevices: 0,
    });
    expect(bound.body.data[0].lastVerifiedAt).toBeTruthy();
    const required = await root.get(`/${RESOURCES.users}:list`).query({ 'filter[required]': 'true' });
    expect(required.body.data.map((r: any) => r.id).sort()).toEqual([alice.get('id'), bob.get('id')].sort());
    const notRequired = await root.get(`/${RESOURCES.users}:list`).query({ filter: JSON.stringify({ required: false }) });
    expect(notRequired.body.meta.count).toBe(2);
    const byName = await root.get(`/${RESOURCES.users}:list`).query({ filter: JSON.stringify({ q: alice.get('username') }) });
    expect(byName.body.data.map((r: any) => r.id)).toEqual([alice.get('id')]);
    // A search box ignores case, on every database (LIKE is case-sensitive on PostgreSQL).
    const shouted = await root.get(`/${RESOURCES.users}:list`).query({ filter: JSON.stringify({ q: alice.get('username').toUpperCase() }) });
    expect(shouted.body.data.map((r: any) => r.id)).toEqual([alice.get('id')]);
    for (const bad of [{ filter: JSON.stringify({ bound: 'maybe' }) }, { filter: JSON.stringify({ sneaky: 1 }) }, { pageSize: 1000 }, { page: 0 }, { filter: '[1]' }]) {
      expect(errorCode(await root.get(`/${RESOURCES.users}:list`).query(bad))).toBe('TWO_FACTOR_BAD_REQUEST');
    }
  });

  it('resets a user: bindings, backup codes and devices go; the next sign-in binds again', async () => {
    await setSettings(app, { enforceForAll: true });
    const user = await createUser(app);
    const { secret } = await enrol(app, user);
    const token = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    await call(app, 'verify', token, { verifier: 'totp', code: rfcTotp(secret, { stepOffset: 1 }), trustDevice: true });
    const open = (await signIn(app, user.get('email'))).body.data.twoFactor.token;

    const res = await root.post(`/${RESOURCES.users}:reset`).send({ userId: user.get('id') });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ userId: user.get('id'), verifiers: ['totp'] });
    for (const c of ['usersVerifiers', COLLECTIONS.backupCodes, COLLECTIONS.trustedDevices]) {
      expect(await app.db.getRepository(c).count({ filter: { userId: user.get('id') } })).toBe(0);
    }
    expect(errorCode(await call(app, 'getChallenge', open))).toBe('TWO_FACTOR_CHALLENGE_INVALID');
    expect(await stageOf(user)).toBe('bind');
    const events = await app.db.getRepository(COLLECTIONS.events).find({ filter: { type: 'admin_reset' } });
    expect(events).toHaveLength(1);
    expect(events[0].get('userId')).toBe(user.get('id'));
  });

  it('shows a locked user with the time the lock ends, and lifts it on unlock (audited, with the admin named)', async () => {
    await setSettings(app, { enforceForAll: true, lockoutThreshold: 3, maxAttemptsPerChallenge: 5 });
    const user = await createUser(app);
    const { secret } = await enrol(app, user);
    const token = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    for (let i = 0; i < 3; i++) await call(app, 'verify', token, { verifier: 'totp', code: rfcTotp(secret, { stepOffset: 7 }) });
    const row = async () => (await root.get(`/${RESOURCES.users}:list`).query({ filter: JSON.stringify({ q: user.get('username') }) })).body.data[0];
    const locked = await row();
    expect(new Date(locked.lockedUntil).getTime()).toBeGreaterThan(Date.now());
    const fresh = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    expect(errorCode(await call(app, 'verify', fresh, { verifier: 'totp', code: rfcTotp(secret, { stepOffset: 1 }) }))).toBe('TWO_FACTOR_LOCKED');

    const res = await root.post(`/${RESOURCES.users}:unlock`).send({ userId: user.get('id') });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ userId: user.get('id'), unlocked: true });
    expect((await row()).lockedUntil).toBeNull();
    expect((await call(app, 'verify', fresh, { verifier: 'totp', code: rfcTotp(secret, { stepOffset: 1 }) })).status).toBe(200);
    // Not locked any more: nothing to do, nothing recorded.
    expect((await root.post(`/${RESOURCES.users}:unlock`).send({ userId: user.get('id') })).body.data).toEqual({ userId: user.get('id'), unlocked: false });
    const events = await root.get(`/${RESOURCES.events}:list`).query({ filter: JSON.stringify({ userId: user.get('id'), type: 'settings_changed' }) });
    expect(events.body.data).toHaveLength(1);
    const rootUser = await app.db.getRepository('users').findOne({ filter: { email: process.env.INIT_ROOT_EMAIL || 'admin@nocobase.com' } });
    expect(events.body.data[0].detail).toMatchObject({ unlocked: true, by: rootUser.get('id') });
    expect(events.body.data[0].actor).toEqual({ id: rootUser.get('id'), nickname: rootUser.get('nickname') ?? null, username: rootUser.get('username') ?? null });
    expect(JSON.stringify(events.body.data)).not.toContain(String(rootUser.get('password')));

    expect(errorCode(await root.post(`/${RESOURCES.users}:unlock`).send({ userId: '1' }))).toBe('TWO_FACTOR_BAD_REQUEST');
    expect(errorCode(await root.post(`/${RESOURCES.users}:unlock`).send({ userId: 987654 }))).toBe('TWO_FACTOR_BAD_REQUEST');
    expect(errorCode(await root.post(`/${RESOURCES.users}:unlock`).send({ userId: user.get('id'), all: true }))).toBe('TWO_FACTOR_BAD_REQUEST');
  });

  it('signs out the live sessions of required users who never passed a second factor, and no one else', async () => {
    await app.db.getRepository('roles').create({ values: { name: 'finance', title: 'Finance' } });
    const alice = await createUser(app, ['member', 'finance']);
    const carol = await createUser(app, ['member']);
    // Sessions from before enforcement: they stay until they expire (2FA is checked at sign-in).
    const aliceToken = (await signIn(app, alice.get('email'))).body.data.token;
    const carolToken = (await signIn(app, carol.get('email'))).body.data.token;
    await setSettings(app, { enforcedRoles: ['finance'] });
    const bob = await createUser(app, ['member', 'finance']);
    const bobToken = (await enrol(app, bob)).session.token;
    const check = (token: string) => app.agent().get('/auth:check').set('X-Authenticator', 'basic').set('Authorization', `Bearer ${token}`);
    expect((await check(aliceToken)).status).toBe(200);

    const res = await root.post(`/${RESOURCES.users}:signOutUnverified`).send({});
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ users: 1, sessions: 1 });
    expect((await check(aliceToken)).status).toBe(401);
    expect((await check(carolToken)).status).toBe(200);
    expect((await check(bobToken)).status).toBe(200);
    expect((await root.get(`/${RESOURCES.users}:list`)).status).toBe(200);
    expect(await app.db.getRepository('issuedTokens').count({ filter: { userId: alice.get('id') } })).toBe(0);
    // Alice signs in again, this time with a second factor.
    expect((await signIn(app, alice.get('email'))).body.data.twoFactor.stage).toBe('bind');
    expect(errorCode(await root.post(`/${RESOURCES.users}:signOutUnverified`).send({ everyone: true }))).toBe('TWO_FACTOR_BAD_REQUEST');
  });

  it('is admin-only: a member gets 403, a role with the snippet gets in', async () => {
    const member = await createUser(app);
    const agent = await app.agent().login(member);
    expect((await agent.get(`/${RESOURCES.users}:list`)).status).toBe(403);
    expect((await agent.post(`/${RESOURCES.users}:reset`).send({ userId: member.get('id') })).status).toBe(403);
    expect((await agent.post(`/${RESOURCES.users}:setEnforced`).send({ userId: member.get('id'), enforced: false })).status).toBe(403);
    expect((await agent.post(`/${RESOURCES.users}:signOutUnverified`).send({})).status).toBe(403);
    expect((await agent.post(`/${RESOURCES.users}:unlock`).send({ userId: member.get('id') })).status).toBe(403);
    expect((await agent.get(`/${RESOURCES.events}:list`)).status).toBe(403);
    await app.db.getRepository('roles').create({ values: { name: 'security', snippets: [ACL_SNIPPET] } });
    const officer = await createUser(app, ['security']);
    const officerAgent = await app.agent().login(officer, 'security');
    expect((await officerAgent.get(`/${RESOURCES.users}:list`)).status).toBe(200);
  });

  it('keeps an audit trail admins can filter, with request facts and no secrets', async () => {
    await setSettings(app, { enforceForAll: true, lockoutThreshold: 3, maxAttemptsPerChallenge: 5 });
    const user = await createUser(app);
    const { secret, session } = await enrol(app, user);
    const token = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    for (let i = 0; i < 3; i++) await call(app, 'verify', token, { verifier: 'totp', code: rfcTotp(secret, { stepOffset: 7 }) }).set('User-Agent', 'AuditTest/1.0');
    const res = await root.get(`/${RESOURCES.events}:list`).query({ filter: JSON.stringify({ userId: user.get('id') }), sort: 'id', pageSize: 100 });
    expect(res.status).toBe(200);
    const types = res.body.data.map((e: any) => e.type);
    for (const t of ['challenge', 'bound', 'backup_codes_regenerated', 'failed', 'locked']) expect(types).toContain(t);
    const failed = res.body.data.find((e: any) => e.type === 'failed');
    expect(failed).toMatchObject({ verifier: 'totp', userAgent: 'AuditTest/1.0' });
    expect(failed.ip).toBeTruthy();
    const dump = JSON.stringify(res.body.data);
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain(rfcTotp(secret, { stepOffset: 7 }));
    for (const c of session.backupCodes) expect(dump).not.toContain(c);
    const onlyLocked = await root.get(`/${RESOURCES.events}:list`).query({ filter: JSON.stringify({ type: 'locked' }) });
    expect(onlyLocked.body.data.map((e: any) => e.type)).toEqual(['locked']);
    // The audit log names the user (appends), without the password hash.
    const named = await root.get(`/${RESOURCES.events}:list`).query({ filter: JSON.stringify({ type: 'locked' }), 'appends[]': 'user' });
    expect(named.body.data[0].user).toMatchObject({ id: user.get('id'), username: user.get('username') });
    expect(JSON.stringify(named.body.data)).not.toContain(String(user.get('password')));
  });
});

describe('break-glass command', () => {
  let app: MockServer;

  beforeEach(async () => {
    app = await createApp();
  });
  afterEach(async () => {
    await destroyApp(app);
  });

  it('`nocobase two-factor:reset <account>` resets one user from the shell', async () => {
    const { default: register } = await import('../commands/two-factor-reset');
    register(app);
    await setSettings(app, { enforceForAll: true });
    const user = await createUser(app);
    await enrol(app, user);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await app.runCommand('two-factor:reset', user.get('username'));
    } finally {
      log.mockRestore();
    }
    expect(await app.db.getRepository('usersVerifiers').count({ filter: { userId: user.get('id') } })).toBe(0);
    expect((await signIn(app, user.get('email'))).body.data.twoFactor.stage).toBe('bind');
    const events = await app.db.getRepository(COLLECTIONS.events).find({ filter: { type: 'admin_reset' } });
    expect(events[0].get('detail')).toMatchObject({ by: 'cli', verifiers: ['totp'] });
  });
});
