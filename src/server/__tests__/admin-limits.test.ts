import { MockServer } from '@nocobase/test';
import { ACL_SNIPPET, COLLECTIONS, RESOURCES } from '../../constants';
import { createApp, createUser, destroyApp, enrol, errorCode, errorOf, rfcTotp, rootAgent, setSettings, signIn, call } from './helpers';

/** Who may reset or enforce whom (F7): never above one's own roles, and root only by root. */
describe('admin actions stay within the caller’s roles', () => {
  let app: MockServer;
  let rootUser: any;

  beforeEach(async () => {
    app = await createApp({ extraPlugins: ['departments'] });
    const roles = app.db.getRepository('roles');
    await roles.create({ values: { name: 'helpdesk', snippets: [ACL_SNIPPET] } });
    await roles.create({ values: { name: 'finance' } });
    rootUser = await app.db.getRepository('users').findOne({ filter: { email: process.env.INIT_ROOT_EMAIL || 'admin@nocobase.com' } });
  });
  afterEach(async () => {
    await destroyApp(app);
  });

  const officerAgent = async (roles: string[]) => app.agent().login(await createUser(app, roles), 'helpdesk');
  const reset = (agent: any, userId: number) => agent.post(`/${RESOURCES.users}:reset`).send({ userId });
  const enforce = (agent: any, userId: number, enforced = true) => agent.post(`/${RESOURCES.users}:setEnforced`).send({ userId, enforced });
  const bindings = (userId: number) => app.db.getRepository('usersVerifiers').count({ filter: { userId } });
  const enforcedFlag = async (userId: number) =>
    !!(await app.db.getRepository(COLLECTIONS.userStates).findOne({ filter: { userId } }))?.get('enforced');

  it('refuses to reset or enforce root unless the caller is root', async () => {
    await app.db.getRepository('usersVerifiers').create({ values: { userId: rootUser.get('id'), verifier: 'totp', uuid: 'x', meta: {} } });
    const officer = await officerAgent(['helpdesk', 'member']);
    for (const res of [await reset(officer, rootUser.get('id')), await enforce(officer, rootUser.get('id'))]) {
      expect(res.status).toBe(403);
      expect(errorCode(res)).toBe('TWO_FACTOR_NO_PERMISSION');
    }
    expect(await bindings(rootUser.get('id'))).toBe(1);
    expect(await enforcedFlag(rootUser.get('id'))).toBe(false);
    expect(await app.db.getRepository(COLLECTIONS.events).count({ filter: { type: 'admin_reset' } })).toBe(0);

    const root = await rootAgent(app);
    expect((await enforce(root, rootUser.get('id'))).status).toBe(200);
    expect((await reset(root, rootUser.get('id'))).status).toBe(200);
    expect(await bindings(rootUser.get('id'))).toBe(0);
  });

  it('refuses a user holding a role the caller lacks, also when held through a department', async () => {
    const officer = await officerAgent(['helpdesk', 'member']);
    const accountant = await createUser(app, ['member', 'finance']);
    const dept = await app.db.getRepository('departments').create({ values: { title: 'Finance', roles: ['finance'] } });
    const clerk = await createUser(app, ['member']);
    await app.db.getRepository('users').update({ filterByTk: clerk.get('id'), values: { departments: [dept.get('id')] } });
    for (const target of [accountant, clerk]) {
      const res = await enforce(officer, target.get('id'));
      expect(res.status).toBe(403);
      expect(errorCode(res)).toBe('TWO_FACTOR_NO_PERMISSION');
      expect(errorCode(await reset(officer, target.get('id')))).toBe('TWO_FACTOR_NO_PERMISSION');
      expect(await enforcedFlag(target.get('id'))).toBe(false);
    }
  });

  it('lets the caller manage users whose roles they all hold (direct or through a department)', async () => {
    const dept = await app.db.getRepository('departments').create({ values: { title: 'Finance', roles: ['finance'] } });
    const officerUser = await createUser(app, ['helpdesk', 'member']);
    await app.db.getRepository('users').update({ filterByTk: officerUser.get('id'), values: { departments: [dept.get('id')] } });
    const officer = await app.agent().login(officerUser, 'helpdesk');
    const member = await createUser(app, ['member']);
    const accountant = await createUser(app, ['member', 'finance']);
    for (const target of [member, accountant]) {
      expect((await enforce(officer, target.get('id'))).status).toBe(200);
      expect(await enforcedFlag(target.get('id'))).toBe(true);
      expect((await reset(officer, target.get('id'))).status).toBe(200);
    }
  });
});

/** plugin-verification's `verifiers:destroy` goes through the binding lifecycle too (F7). */
describe('deleting a verifier that users have bound', () => {
  let app: MockServer;
  let root: any;
  let alice: any;
  let bob: any;

  const inApp = async (userId: number) =>
    (await app.db.getRepository('notificationInAppMessages').find({ filter: { userId } })).map((m: any) => m.get('title'));
  const count = (collection: string, userId: number) => app.db.getRepository(collection).count({ filter: { userId } });

  beforeEach(async () => {
    app = await createApp({ extraPlugins: ['notification-manager', 'notification-in-app-message'] });
    await app.db.getRepository('notificationChannels').create({ values: { name: 'inbox', title: 'Inbox', notificationType: 'in-app-message', options: {} } });
    root = await rootAgent(app);
    await app.db.getRepository('verifiers').create({ values: { name: 'totp2', title: 'Second app', verificationType: 'totp', options: {} } });
    await setSettings(app, { enforceForAll: true, verifiers: [] });
    alice = await createUser(app);
    bob = await createUser(app);
    const { secret } = await enrol(app, alice);
    // Alice trusts her device, so there is something to clean up.
    const token = (await signIn(app, alice.get('email'))).body.data.twoFactor.token;
    expect((await call(app, 'verify', token, { verifier: 'totp', code: rfcTotp(secret, { stepOffset: 1 }), trustDevice: true })).status).toBe(200);
    await enrol(app, bob);
    // Bob has a second factor, which stays.
    await app.db.getRepository('usersVerifiers').create({ values: { userId: bob.get('id'), verifier: 'totp2', uuid: 'x', meta: {} } });
  });
  afterEach(async () => {
    await destroyApp(app);
  });

  it('is refused with 409 TWO_FACTOR_VERIFIER_IN_USE and the number of users, deleting nothing', async () => {
    const res = await root.post('/verifiers:destroy').query({ filterByTk: 'totp' });
    expect(res.status).toBe(409);
    expect(errorOf(res)).toMatchObject({ code: 'TWO_FACTOR_VERIFIER_IN_USE', users: 2 });
    expect(await app.db.getRepository('verifiers').count({ filter: { name: 'totp' } })).toBe(1);
    expect(await app.db.getRepository('usersVerifiers').count({ filter: { verifier: 'totp' } })).toBe(2);
    // Unbound verifiers go without a question.
    await app.db.getRepository('usersVerifiers').destroy({ filter: { verifier: 'totp2' } });
    expect((await root.post('/verifiers:destroy').query({ filterByTk: 'totp2' })).status).toBe(200);
  });

  it('when confirmed, audits and notifies each user and cleans up after users left without a factor', async () => {
    const res = await root.post('/verifiers:destroy').query({ filterByTk: 'totp', confirm: 'true' });
    expect(res.status).toBe(200);
    expect(await app.db.getRepository('verifiers').count({ filter: { name: 'totp' } })).toBe(0);
    for (const user of [alice, bob]) {
      const rows = await app.db.getRepository(COLLECTIONS.events).find({ filter: { type: 'unbound', userId: user.get('id') } });
      expect(rows.map((r: any) => [r.get('verifier'), r.get('detail')])).toEqual([['totp', { via: 'verifier deleted' }]]);
      expect(await inApp(user.get('id'))).toContain('A verification method was removed from your account');
    }
    // Alice has no factor left: her backup codes and trusted device go.
    expect(await count(COLLECTIONS.backupCodes, alice.get('id'))).toBe(0);
    expect(await count(COLLECTIONS.trustedDevices, alice.get('id'))).toBe(0);
    // Bob keeps his other factor and his backup codes.
    expect(await count(COLLECTIONS.backupCodes, bob.get('id'))).toBeGreaterThan(0);
    expect(await count('usersVerifiers', bob.get('id'))).toBe(1);
  });

  it('accepts the confirmation in the body too', async () => {
    const res = await root.post('/verifiers:destroy').query({ filterByTk: 'totp' }).send({ confirm: true });
    expect(res.status).toBe(200);
    expect(await app.db.getRepository('usersVerifiers').count({ filter: { verifier: 'totp' } })).toBe(0);
  });
});
