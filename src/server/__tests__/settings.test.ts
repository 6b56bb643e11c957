import { MockServer } from '@nocobase/test';
import { ACL_SNIPPET, COLLECTIONS, RESOURCES } from '../../constants';
import { SETTINGS_DEFAULTS } from '../settings';
import { createApp, createUser, destroyApp, enrol, errorCode, errorOf, rootAgent, setSettings } from './helpers';

describe('twoFactorSettings', () => {
  let app: MockServer;
  let root: any;

  beforeEach(async () => {
    app = await createApp();
    root = await rootAgent(app);
  });
  afterEach(async () => {
    await destroyApp(app);
  });

  const get = async () => (await root.get(`/${RESOURCES.settings}:get`)).body.data;
  const update = (values: unknown) => root.post(`/${RESOURCES.settings}:update`).send(values);

  it('is installed with defaults and a totp verifier', async () => {
    const settings = await get();
    expect(settings).toMatchObject(SETTINGS_DEFAULTS);
    expect(settings.enforcementDisabledByEnv).toBe(false);
    const verifier = await app.db.getRepository('verifiers').findOne({ filterByTk: 'totp' });
    expect(verifier.get('verificationType')).toBe('totp');
    expect(verifier.get('title')).toBe('Authenticator app');
    const types = await root.get('/verifiers:listTypes');
    expect(types.body.data.map((t: any) => t.name)).toContain('totp');
  });

  it('get lists what the admin tab picks from: eligible verifiers and roles (not anonymous)', async () => {
    await app.db.getRepository('verifiers').create({ values: { name: 'sms', title: 'SMS', verificationType: 'sms-otp', options: {} } });
    await app.db.getRepository('roles').create({ values: { name: 'finance', title: 'Finance' } });
    const { choices } = await get();
    expect(choices.verifiers).toEqual(
      expect.arrayContaining([
        { name: 'totp', title: 'Authenticator app', verificationType: 'totp' },
        { name: 'sms', title: 'SMS', verificationType: 'sms-otp' },
      ]),
    );
    expect(choices.verifiers[0]).not.toHaveProperty('options');
    const roles = choices.roles.map((r: any) => r.name);
    expect(roles).toEqual(expect.arrayContaining(['admin', 'member', 'root', 'finance']));
    expect(roles).not.toContain('anonymous');
    expect(choices.roles.find((r: any) => r.name === 'finance').title).toBe('Finance');
  });

  it('updates any subset of fields', async () => {
    const res = await update({ enforceForAll: true, challengeTTL: 600, lockoutMinutes: 30 });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ enforceForAll: true, challengeTTL: 600, lockoutMinutes: 30, maxAttemptsPerChallenge: 5 });
    expect(await get()).toMatchObject({ enforceForAll: true, challengeTTL: 600, lockoutMinutes: 30 });
    const events = await app.db.getRepository(COLLECTIONS.events).find({ filter: { type: 'settings_changed' } });
    expect(events).toHaveLength(1);
    expect(events[0].get('detail')).toEqual({ changed: ['enforceForAll', 'challengeTTL', 'lockoutMinutes'] });
  });

  it.each([
    ['a string for a boolean', { enforceForAll: 'true' }, 'enforceForAll'],
    ['a string for a number', { challengeTTL: '300' }, 'challengeTTL'],
    ['a fraction', { lockoutThreshold: 3.5 }, 'lockoutThreshold'],
    ['below range', { challengeTTL: 29 }, 'challengeTTL'],
    ['above range', { gracePeriodDays: 91 }, 'gracePeriodDays'],
    ['above range', { trustedDeviceDays: 366 }, 'trustedDeviceDays'],
    ['zero', { maxAttemptsPerChallenge: 0 }, 'maxAttemptsPerChallenge'],
    ['below range', { lockoutThreshold: 2 }, 'lockoutThreshold'],
    ['above range', { lockoutMinutes: 1441 }, 'lockoutMinutes'],
    ['an unknown field', { enforceForAll: true, sneaky: 1 }, 'sneaky'],
    ['a string for a list', { enforcedRoles: 'admin' }, 'enforcedRoles'],
    ['a number in a list', { verifiers: [1] }, 'verifiers[0]'],
    ['an unknown verifier', { verifiers: ['totp', 'nope'] }, 'verifiers'],
    ['an unknown role', { enforcedRoles: ['ghosts'] }, 'enforcedRoles'],
    ['an empty body', {}, 'values'],
    ['an array body', [{ enforceForAll: true }], 'values'],
    ['null', { enforceForAll: null }, 'enforceForAll'],
  ])('refuses %s (%j) with 400 and saves nothing', async (_label, body, field) => {
    const before = await get();
    const res = await update(body);
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('TWO_FACTOR_BAD_REQUEST');
    expect(errorOf(res).field).toBe(field);
    expect(await get()).toEqual(before);
  });

  it('answers in the language of the request', async () => {
    const zh = await root.post(`/${RESOURCES.settings}:update`).set('X-Locale', 'zh-CN').send({ challengeTTL: 1 });
    expect(errorOf(zh)).toMatchObject({ code: 'TWO_FACTOR_BAD_REQUEST', message: '请求无效。' });
    const en = await root.post(`/${RESOURCES.settings}:update`).set('X-Locale', 'en-US').send({ challengeTTL: 1 });
    expect(errorOf(en).message).toBe('The request is invalid.');
  });

  it('accepts existing roles and eligible verifiers', async () => {
    const res = await update({ enforcedRoles: ['admin', 'member'], verifiers: [] });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ enforcedRoles: ['admin', 'member'], verifiers: [] });
  });

  it('refuses to strand users whose only factor stops being offered, unless confirmed', async () => {
    await setSettings(app, { enforceForAll: true });
    const user = await createUser(app);
    await enrol(app, user);
    await app.db.getRepository('verifiers').create({ values: { name: 'totp2', title: 'Other app', verificationType: 'totp' } });
    const res = await update({ verifiers: ['totp2'] });
    expect(res.status).toBe(409);
    expect(errorOf(res)).toMatchObject({ code: 'TWO_FACTOR_ORPHANS_USERS', users: 1 });
    expect((await get()).verifiers).toEqual(['totp']);
    const confirmed = await update({ verifiers: ['totp2'], confirm: true });
    expect(confirmed.status).toBe(200);
    expect((await get()).verifiers).toEqual(['totp2']);
  });

  it('refuses invalid TOTP verifier options on save', async () => {
    const res = await root.post('/verifiers:create').send({ name: 'bad', title: 'Bad', verificationType: 'totp', options: { digits: 7 } });
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'TWO_FACTOR_BAD_REQUEST', field: 'options.digits' });
    expect(await app.db.getRepository('verifiers').count({ filter: { name: 'bad' } })).toBe(0);
    const ok = await root.post('/verifiers:create').send({
      name: 'strong',
      title: 'Strong',
      verificationType: 'totp',
      options: { algorithm: 'SHA256', digits: 8, period: 30, window: 1, issuer: 'ACME' },
    });
    expect(ok.status).toBe(200);
  });

  it('is forbidden to a member without the ACL snippet, allowed with it', async () => {
    const member = await createUser(app, ['member']);
    const agent = await app.agent().login(member);
    for (const res of [await agent.get(`/${RESOURCES.settings}:get`), await agent.post(`/${RESOURCES.settings}:update`).send({ enforceForAll: true })]) {
      expect(res.status).toBe(403);
    }
    expect((await get()).enforceForAll).toBe(false);
    const anonymous = await app.agent().get(`/${RESOURCES.settings}:get`);
    expect([401, 403]).toContain(anonymous.status);

    await app.db.getRepository('roles').create({ values: { name: 'security', snippets: [ACL_SNIPPET] } });
    const officer = await createUser(app, ['security']);
    const officerAgent = await app.agent().login(officer, 'security');
    expect((await officerAgent.get(`/${RESOURCES.settings}:get`)).status).toBe(200);
    expect((await officerAgent.post(`/${RESOURCES.settings}:update`).send({ enforceForAll: true })).status).toBe(200);
    expect((await get()).enforceForAll).toBe(true);
    expect((await officerAgent.get(`/${RESOURCES.events}:list`)).status).toBe(200);
    // The snippet grants reading the audit trail, not writing it.
    expect((await officerAgent.post(`/${RESOURCES.events}:create`).send({ type: 'verified' })).status).toBeGreaterThanOrEqual(400);
    expect((await agent.get(`/${RESOURCES.events}:list`)).status).toBe(403);
  });

  it('keeps internal collections closed, even to root', async () => {
    for (const name of [
      COLLECTIONS.challenges,
      COLLECTIONS.userStates,
      COLLECTIONS.totpSteps,
      COLLECTIONS.backupCodes,
      COLLECTIONS.trustedDevices,
      COLLECTIONS.otps,
      COLLECTIONS.seenDevices,
    ]) {
      const res = await root.get(`/${name}:list`);
      expect(res.status, name).toBe(404);
    }
    expect((await root.post(`/${RESOURCES.events}:destroy`).query({ filterByTk: 1 })).status).toBe(404);
    expect((await root.post(`/${RESOURCES.settings}:destroy`).query({ filterByTk: 'default' })).status).toBe(404);
    expect((await root.get(`/${RESOURCES.settings}:list`)).status).toBe(404);
  });
});
