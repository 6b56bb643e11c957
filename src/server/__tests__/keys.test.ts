import { MockServer } from '@nocobase/test';
import { SecretBox } from '../crypto';
import { loadEncryptionKeys } from '../encryption-key';
import PluginTwoFactorAuthServer from '../plugin';
import { call, createApp, createUser, destroyApp, enrol, errorCode, rfcTotp, setSettings, signIn } from './helpers';

const NEW_KEY = 'brand-new-key-of-thirty-two-bytes-or-more';

describe('encryption keys and plugin-verification', () => {
  let app: MockServer;
  let user: any;
  let secret: string;

  const plugin = () => app.pm.get(PluginTwoFactorAuthServer) as PluginTwoFactorAuthServer;
  const sealed = async () => (await app.db.getRepository('usersVerifiers').findOne({ filter: { userId: user.get('id') } })).get('meta').secret;
  const verify = async (stepOffset: number) =>
    call(app, 'verify', (await signIn(app, user.get('email'))).body.data.twoFactor.token, { verifier: 'totp', code: rfcTotp(secret, { stepOffset }) });

  beforeEach(async () => {
    app = await createApp();
    await setSettings(app, { enforceForAll: true });
    user = await createUser(app);
    ({ secret } = await enrol(app, user));
  });
  afterEach(async () => {
    await destroyApp(app);
  });

  it('re-seals a secret with the new key at the next verify after a rotation', async () => {
    const before = await sealed();
    // What a restart with a new TWO_FACTOR_ENCRYPTION_KEY loads: the key file made before stays an old key.
    plugin().services.box = (await loadEncryptionKeys(app.name, app.log, { TWO_FACTOR_ENCRYPTION_KEY: NEW_KEY })).box;
    expect(plugin().services.box.isStale(before)).toBe(true);
    expect((await verify(1)).status).toBe(200);
    const after = await sealed();
    expect(after).not.toBe(before);
    expect(plugin().services.box.isStale(after)).toBe(false);
    // Once re-sealed, the old key is no longer needed.
    plugin().services.box = new SecretBox(NEW_KEY);
    const res = await verify(1);
    expect(errorCode(res)).toBe('TWO_FACTOR_CODE_REUSED');
  });

  it('refuses, without a 5xx, a secret that the configured keys cannot open', async () => {
    plugin().services.box = new SecretBox('lost-the-old-one');
    const res = await verify(1);
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('TWO_FACTOR_NOT_BOUND');
    expect(await app.db.getRepository('issuedTokens').count({ filter: { userId: user.get('id') } })).toBe(1);
  });

  it('lists totp among the user verifiers but refuses to bind it through plugin-verification', async () => {
    const other = await createUser(app);
    const agent = await app.agent().login(other);
    const list = await agent.get('/verifiers:listByUser');
    expect(list.status).toBe(200);
    expect(list.body.data.find((v: any) => v.name === 'totp')).toMatchObject({ verificationType: 'totp' });
    const res = await agent.post('/verifiers:bind').send({ verifier: 'totp' });
    expect(res.status).toBe(409);
    expect(errorCode(res)).toBe('TWO_FACTOR_USE_TWO_FACTOR_PAGE');
    expect(await app.db.getRepository('usersVerifiers').count({ filter: { userId: other.get('id') } })).toBe(0);
    const mine = await (await app.agent().login(user)).get('/verifiers:listByUser');
    expect(mine.body.data.find((v: any) => v.name === 'totp').boundInfo).toMatchObject({ bound: true });
  });
});
