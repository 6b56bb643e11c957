/**
 * One code-check path for every scope: the failure that locks answers 429 TWO_FACTOR_LOCKED with
 * `retryAfter`, a correct code is refused while locked, and the audit trail says the same thing.
 */
import { MockServer } from '@nocobase/test';
import { COLLECTIONS, RESOURCES } from '../../constants';
import { checkCode } from '../flows/code-check';
import { servicesOf } from '../services';
import { call, createApp, createUser, destroyApp, enrol, errorCode, errorOf, PASSWORD, rfcTotp, setSettings, signIn, wrongCode } from './helpers';

const THRESHOLD = 3;

describe('the one code-check path', () => {
  let app: MockServer;
  let user: any;
  let userId: number;
  let secret: string;

  const lockedRows = () => app.db.getRepository(COLLECTIONS.events).count({ filter: { userId, type: 'locked' } });
  const expectLocked = (res: any) => {
    expect(res.status, JSON.stringify(res.body)).toBe(429);
    expect(errorCode(res)).toBe('TWO_FACTOR_LOCKED');
    expect(errorOf(res).retryAfter).toBeGreaterThan(0);
    expect(res.headers['retry-after']).toBeDefined();
  };
  /** Sends wrong answers until the one that locks; every earlier one is a plain refusal. */
  async function failUntilLocked(send: () => Promise<any>, refusal: string) {
    for (let i = 1; i < THRESHOLD; i++) expect(errorCode(await send())).toBe(refusal);
    expectLocked(await send());
    expect(await lockedRows()).toBe(1);
  }

  beforeEach(async () => {
    app = await createApp();
    await setSettings(app, { enforceForAll: true, lockoutThreshold: THRESHOLD, maxAttemptsPerChallenge: 10 });
    user = await createUser(app);
    userId = user.get('id');
    ({ secret } = await enrol(app, user));
  });
  afterEach(async () => {
    await destroyApp(app);
  });

  it('sign-in: wrong codes sent at the same moment on many challenges get no more checks than the lockout allows', async () => {
    const tokens = await Promise.all(Array.from({ length: 10 }, async () => (await signIn(app, user.get('email'))).body.data.twoFactor.token));
    const results = await Promise.all(tokens.map((t) => call(app, 'verify', t, { verifier: 'totp', code: wrongCode(secret) })));
    const codes = results.map(errorCode);
    // THRESHOLD - 1 plain refusals, then the failure that locks; everything else refused unchecked
    // (locked, or "busy" while the one that locks was still being checked).
    expect(codes.filter((c) => c === 'TWO_FACTOR_INVALID_CODE')).toHaveLength(THRESHOLD - 1);
    expect(codes.filter((c) => c === 'TWO_FACTOR_LOCKED' || c === 'TWO_FACTOR_THROTTLED')).toHaveLength(10 - (THRESHOLD - 1));
    expect(await lockedRows()).toBe(1);
    expect(await app.db.getRepository(COLLECTIONS.events).count({ filter: { userId, type: 'failed' } })).toBe(THRESHOLD);
  });

  it('charges attempts before checking: ten slow checks at once get no more than the lockout allows', async () => {
    const services = servicesOf(app);
    const settings = await services.settings.get();
    const run = { scope: 'signin' as const, userId, settings, verifier: 'totp', detail: { stage: 'verify' }, info: {} };
    // Each check takes a while, so every attempt is under way before the first one is settled.
    const slowMiss = () => new Promise<{ ok: false }>((resolve) => setTimeout(() => resolve({ ok: false }), 200));
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => checkCode(services, run, slowMiss)));
    const codes = outcomes.map((o) => (o.status === 'rejected' ? (o.reason as any).code : 'accepted'));
    expect(codes.filter((c) => c === 'TWO_FACTOR_INVALID_CODE')).toHaveLength(THRESHOLD - 1);
    expect(codes.filter((c) => c === 'TWO_FACTOR_LOCKED' || c === 'TWO_FACTOR_THROTTLED')).toHaveLength(10 - (THRESHOLD - 1));
    expect(await app.db.getRepository(COLLECTIONS.events).count({ filter: { userId, type: 'failed' } })).toBe(THRESHOLD);
  });

  it("sign-in: one challenge's wrong codes sent at the same moment get no more checks than its attempts, and it dies", async () => {
    await setSettings(app, { maxAttemptsPerChallenge: 2, lockoutThreshold: 50 });
    const token = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    const results = await Promise.all(Array.from({ length: 6 }, () => call(app, 'verify', token, { verifier: 'totp', code: wrongCode(secret) })));
    const codes = results.map(errorCode);
    expect(codes.filter((c) => c === 'TWO_FACTOR_INVALID_CODE')).toHaveLength(2);
    expect(codes.filter((c) => c === 'TWO_FACTOR_CHALLENGE_INVALID')).toHaveLength(4);
    // Dead for every action, not only for codes.
    expect(errorCode(await call(app, 'getChallenge', token))).toBe('TWO_FACTOR_CHALLENGE_INVALID');
  });

  it('sign-in: locks at the threshold, then refuses a correct code', async () => {
    const token = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
    await failUntilLocked(() => call(app, 'verify', token, { verifier: 'totp', code: wrongCode(secret) }), 'TWO_FACTOR_INVALID_CODE');
    expectLocked(await call(app, 'verify', token, { verifier: 'totp', code: rfcTotp(secret, { stepOffset: 1 }) }));
  });

  it('self-service bind: locks at the threshold, then refuses a correct code', async () => {
    await setSettings(app, { verifiers: [] });
    const agent = await app.agent().login(user);
    // An app-based factor to add: a second TOTP verifier.
    await app.db.getRepository('verifiers').create({ values: { name: 'totp2', title: 'Second app', verificationType: 'totp', options: {} } });
    const start = await agent.post(`/${RESOURCES.me}:bindStart`).send({ verifier: 'totp2', password: PASSWORD });
    expect(start.status).toBe(200);
    const newSecret = start.body.data.secret;
    await failUntilLocked(() => agent.post(`/${RESOURCES.me}:bind`).send({ verifier: 'totp2', code: wrongCode(newSecret) }), 'TWO_FACTOR_INVALID_CODE');
    expectLocked(await agent.post(`/${RESOURCES.me}:bind`).send({ verifier: 'totp2', code: rfcTotp(newSecret) }));
    expect(await app.db.getRepository('usersVerifiers').count({ filter: { userId, verifier: 'totp2' } })).toBe(0);
  });

  it('fresh proof: locks at the threshold, then refuses the right password', async () => {
    const agent = await app.agent().login(user);
    const regenerate = (values: object) => agent.post(`/${RESOURCES.me}:regenerateBackupCodes`).send(values);
    await failUntilLocked(() => regenerate({ password: 'not-it' }), 'TWO_FACTOR_REAUTH_REQUIRED');
    expectLocked(await regenerate({ password: PASSWORD }));
  });

  it("other plugins' scenes asking for a TOTP code: locks at the threshold, then refuses a correct code", async () => {
    // plugin-verification's unbind-verifier scene, opened to TOTP: its middleware calls our TOTP verification.
    const manager = (app.pm.get('verification') as any).verificationManager;
    manager.addSceneRule((scene: string, type: string) => scene === 'unbind-verifier' && type === 'totp');
    const agent = await app.agent().login(user);
    const unbind = (code: string) => agent.post('/verifiers:unbind').send({ verifier: 'totp', code, unbindVerifier: 'totp', password: PASSWORD });
    await failUntilLocked(() => unbind(wrongCode(secret)), 'TWO_FACTOR_INVALID_CODE');
    expectLocked(await unbind(rfcTotp(secret, { stepOffset: 1 })));
  });
});
