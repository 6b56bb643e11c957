import { MockServer } from '@nocobase/test';
import { RESOURCES } from '../../constants';
import { call, createApp, createUser, destroyApp, rootAgent, setSettings, signIn } from './helpers';

/** Roles held through a department (plugin-departments) count as the ACL counts them (F2). */
describe('roles held through departments', () => {
  let app: MockServer;

  beforeEach(async () => {
    app = await createApp({ extraPlugins: ['departments'] });
    await app.db.getRepository('roles').create({ values: { name: 'finance', title: 'Finance' } });
  });
  afterEach(async () => {
    await destroyApp(app);
  });

  async function memberOfFinanceDepartment() {
    const dept = await app.db.getRepository('departments').create({ values: { title: 'Finance', roles: ['finance'] } });
    const user = await createUser(app, ['member']);
    await app.db.getRepository('users').update({ filterByTk: user.get('id'), values: { departments: [dept.get('id')] } });
    return user;
  }

  it('challenges a user who holds the enforced role only through a department', async () => {
    const alice = await memberOfFinanceDepartment();
    // The ACL lets her act as finance without a rolesUsers row.
    const session = await app.agent().login(alice);
    expect((await session.get('/auth:check').set('X-Role', 'finance')).status).toBe(200);
    await setSettings(app, { enforcedRoles: ['finance'] });

    const res = await signIn(app, alice.get('email'));
    expect(res.status).toBe(200);
    expect(res.body.data.token).toBeUndefined();
    expect(res.body.data.twoFactor.stage).toBe('bind');
    expect((await call(app, 'getChallenge', res.body.data.twoFactor.token)).body.data.requiredBecause).toEqual(['role:finance']);
  });

  it('lists such a user as required, and a member of no such department as not required', async () => {
    const alice = await memberOfFinanceDepartment();
    const bob = await createUser(app, ['member']);
    await setSettings(app, { enforcedRoles: ['finance'] });
    const root = await rootAgent(app);

    const required = await root.get(`/${RESOURCES.users}:list`).query({ filter: JSON.stringify({ required: true }) });
    expect(required.body.data.map((r: any) => r.id)).toEqual([alice.get('id')]);
    expect(required.body.data[0]).toMatchObject({ required: true, requiredBecause: ['role:finance'] });
    const notRequired = await root.get(`/${RESOURCES.users}:list`).query({ filter: JSON.stringify({ required: false }) });
    expect(notRequired.body.data.map((r: any) => r.id)).toContain(bob.get('id'));
    expect(notRequired.body.data.map((r: any) => r.id)).not.toContain(alice.get('id'));
  });

  it('does not pass a department role down to sub-departments, as the ACL does not', async () => {
    const parent = await app.db.getRepository('departments').create({ values: { title: 'Finance', roles: ['finance'] } });
    const child = await app.db.getRepository('departments').create({ values: { title: 'Payroll', parentId: parent.get('id') } });
    const carol = await createUser(app, ['member']);
    await app.db.getRepository('users').update({ filterByTk: carol.get('id'), values: { departments: [child.get('id')] } });
    await setSettings(app, { enforcedRoles: ['finance'] });
    expect((await signIn(app, carol.get('email'))).body.data.twoFactor).toBeUndefined();
  });
});
