import { MockServer } from '@nocobase/test';
import { DEFAULT_TOTP_VERIFIER } from '../../constants';
import { ensureDefaultVerifier } from '../default-verifier';
import EnsureTotpVerifier from '../migrations/20261129120000-ensure-totp-verifier';
import PluginTwoFactorAuthServer from '../plugin';
import { createApp, createUser, destroyApp } from './helpers';

/**
 * `nocobase upgrade` from a NocoBase older than 1.7.0 runs our install() before
 * plugin-verification's afterLoad migration, which copies the old `verificators` only into an
 * empty `verifiers` table: our default verifier must not be what makes it skip.
 */
describe('upgrading from a NocoBase older than 1.7.0', () => {
  let app: MockServer;

  beforeEach(async () => {
    app = await createApp();
    // Before the upgrade: no `verifiers` row yet, the legacy tables hold the data.
    await app.db.getCollection('verifiers').model.destroy({ where: {} });
    await app.version.update('1.6.0');
  });
  afterEach(async () => {
    await destroyApp(app);
  });

  const plugin = () => app.pm.get(PluginTwoFactorAuthServer) as PluginTwoFactorAuthServer;
  const ours = () => Object.assign(new EnsureTotpVerifier({ app, db: app.db, plugin: plugin() } as any), { name: 'ensure-totp-verifier/test' });
  const names = async () => (await app.db.getRepository('verifiers').find({ sort: ['name'] })).map((v: any) => v.get('name'));

  it('install() creates no verifier; after the migrations `verifiers` holds the legacy ones and totp', async () => {
    await plugin().install();
    expect(await names()).toEqual([]);

    await app.db.getRepository('verificators').create({ values: { name: 'sms', title: 'SMS', verificationType: 'sms-otp', options: {} } });
    const user = await createUser(app);
    await app.db.getRepository('usersVerificators').create({ values: { userId: user.get('id'), verificator: 'sms', uuid: '+10000000000' } });
    const verification = (await app.pm.get('verification')!.loadMigrations()).afterLoad;
    expect(verification.length).toBeGreaterThan(0);
    await app.db.createMigrator({ migrations: [...verification, ours()] }).up();

    expect(await names()).toEqual(['sms', DEFAULT_TOTP_VERIFIER]);
    expect(await app.db.getRepository('usersVerifiers').count({ filter: { userId: user.get('id'), verifier: 'sms' } })).toBe(1);
  });

  it('the migration adds totp only when no verifier of the type exists', async () => {
    await app.db.getRepository('verifiers').create({ values: { name: 'authenticator', title: 'App', verificationType: 'totp', options: {} } });
    await app.db.createMigrator({ migrations: [ours()] }).up();
    expect(await names()).toEqual(['authenticator']);
    await app.db.getCollection('verifiers').model.destroy({ where: {} });
    await ensureDefaultVerifier(app);
    await ensureDefaultVerifier(app);
    expect(await names()).toEqual([DEFAULT_TOTP_VERIFIER]);
  });
});
