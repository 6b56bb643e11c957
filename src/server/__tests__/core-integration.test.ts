import { MockServer } from '@nocobase/test';
import { RESOURCES } from '../../constants';
import { call, createApp, createUser, destroyApp, enrol, errorOf, restoreClock, rfcTotp, rootAgent, setSettings, signIn, wrongCode } from './helpers';

/** What NocoBase itself expects of a sign-in: other plugins' checks, its audit log, a shared cache. */
describe('sign-in as the rest of NocoBase sees it', () => {
  let app: MockServer;

  afterEach(async () => {
    restoreClock();
    delete process.env.CLUSTER_MODE;
    await destroyApp(app);
  });

  describe('with 2FA enforced', () => {
    let refused: any;
    let allowed: any;
    let secrets: Record<string, string>;

    beforeEach(async () => {
      app = await createApp();
      await setSettings(app, { enforceForAll: true });
      refused = await createUser(app);
      allowed = await createUser(app);
      secrets = { refused: (await enrol(app, refused)).secret, allowed: (await enrol(app, allowed)).secret };
    });

    const tokens = (user: any) => app.db.getRepository('issuedTokens').count({ filter: { userId: user.get('id') } });

    it("runs other plugins' auth:signIn checks before the session is issued", async () => {
      // A later plugin's check, e.g. "password expired": registered after ours, so the password
      // step never reaches it for a 2FA user; the step that issues the session must.
      const seen: number[] = [];
      app.resourceManager.registerPreActionHandler('auth:signIn', async (ctx: any, next: () => Promise<void>) => {
        const user = await ctx.auth.validate();
        seen.push(user.id);
        if (user.id === refused.get('id')) ctx.throw(403, 'Your password has expired');
        await next();
      });
      const before = await tokens(refused);
      const token = (await signIn(app, refused.get('email'))).body.data.twoFactor.token;
      const res = await call(app, 'verify', token, { verifier: 'totp', code: rfcTotp(secrets.refused, { stepOffset: 1 }) });
      expect(res.status).toBe(403);
      expect(res.body.data?.token).toBeUndefined();
      expect(await tokens(refused)).toBe(before);

      const ok = await call(app, 'verify', (await signIn(app, allowed.get('email'))).body.data.twoFactor.token, {
        verifier: 'totp',
        code: rfcTotp(secrets.allowed, { stepOffset: 1 }),
      });
      expect(ok.status).toBe(200);
      expect(typeof ok.body.data.token).toBe('string');
      expect(seen).toEqual([refused.get('id'), allowed.get('id')]);
    });

    it('keeps the answer of a later check that replaces the session, and stores nothing when the first binding is refused', async () => {
      // A check that lets core sign in, then answers in its place ("change your password first").
      app.resourceManager.registerPreActionHandler('auth:signIn', async (ctx: any, next: () => Promise<void>) => {
        await next();
        const user = await ctx.auth.validate();
        if (user.id === refused.get('id')) ctx.body = { mustChangePassword: true };
      });
      const res = await call(app, 'verify', (await signIn(app, refused.get('email'))).body.data.twoFactor.token, {
        verifier: 'totp',
        code: rfcTotp(secrets.refused, { stepOffset: 1 }),
      });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ mustChangePassword: true });

      // At a first binding, a refusing check leaves no binding and no backup codes behind.
      app.resourceManager.registerPreActionHandler('auth:signIn', async (ctx: any, next: () => Promise<void>) => {
        if ((await ctx.auth.validate()).id === newcomer.get('id')) ctx.throw(403, 'Not from this network');
        await next();
      });
      const newcomer = await createUser(app);
      const challenge = (await signIn(app, newcomer.get('email'))).body.data.twoFactor.token;
      const secret = (await call(app, 'bindStart', challenge, { verifier: 'totp' })).body.data.secret;
      const bound = await call(app, 'bind', challenge, { verifier: 'totp', code: rfcTotp(secret) });
      expect(bound.status).toBe(403);
      expect(bound.body.data?.backupCodes).toBeUndefined();
      expect(await app.db.getRepository('usersVerifiers').count({ filter: { userId: newcomer.get('id') } })).toBe(0);
      expect(await app.db.getRepository('twoFactorBackupCodes').count({ filter: { userId: newcomer.get('id') } })).toBe(0);
      expect(await tokens(newcomer)).toBe(0);
    });

    it("writes NocoBase's audit-log entry for the request that issues the session, without codes or tokens", async () => {
      const logs: any[] = [];
      app.auditManager.setLogger({ log: (entry: any) => logs.push(entry) } as any);
      const code = rfcTotp(secrets.allowed, { stepOffset: 1 });
      const token = (await signIn(app, allowed.get('email'))).body.data.twoFactor.token;
      const bad = wrongCode(secrets.allowed);
      expect(errorOf(await call(app, 'verify', token, { verifier: 'totp', code: bad })).code).toBe('TWO_FACTOR_INVALID_CODE');
      const res = await call(app, 'verify', token, { verifier: 'totp', code });
      expect(res.status).toBe(200);
      await new Promise((r) => setTimeout(r, 100));
      const entries = logs.filter((e) => e.resource === RESOURCES.twoFactor && e.action === 'verify');
      expect(entries.map((e) => e.status)).toEqual([400, 200]);
      expect(entries[1].userId).toBe(allowed.get('id'));
      const dump = JSON.stringify(entries);
      expect(dump).not.toContain(code);
      expect(dump).not.toContain(bad);
      expect(dump).not.toContain(res.body.data.token);
      expect(dump).not.toContain(token);
    });
  });

  it('warns when cluster mode runs with a cache per process', async () => {
    process.env.CLUSTER_MODE = 'max';
    app = await createApp();
    const root = await rootAgent(app);
    const res = await root.get(`/${RESOURCES.settings}:get`);
    const perProcess = (app as any).cacheManager.defaultStore === 'memory';
    expect(res.body.data.clusterWithoutSharedCache).toBe(perProcess);
    delete process.env.CLUSTER_MODE;
    expect((await root.get(`/${RESOURCES.settings}:get`)).body.data.clusterWithoutSharedCache).toBe(false);
  });
});
