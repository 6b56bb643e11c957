/**
 * Security keys and passkeys (WebAuthn) through the sign-in step and the personal center, on a real
 * NocoBase server over HTTP. Registration and assertion answers come from a software authenticator
 * (test-support/webauthn-authenticator.mjs: a P-256 key from node:crypto and the bytes a browser
 * would send), never from the plugin's own code.
 */
import { MockServer } from '@nocobase/test';
import { COLLECTIONS, RESOURCES } from '../../constants';
import { SoftAuthenticator } from '../../../test-support/webauthn-authenticator.mjs';
import { advanceClock, call, createApp, createUser, destroyApp, errorCode, errorOf, PASSWORD, restoreClock, rootAgent, setSettings, signIn } from './helpers';

const ORIGIN = 'http://localhost:13000';
const VERIFIER = 'webauthn';

describe('WebAuthn security keys', () => {
  let app: MockServer;
  let user: any;

  const keys = (userId = user.get('id')) => app.db.getCollection(COLLECTIONS.webauthnCredentials).model.findAll({ where: { userId }, raw: true }) as Promise<any[]>;
  const bindings = (userId = user.get('id')) => app.db.getRepository('usersVerifiers').count({ filter: { userId, verifier: VERIFIER } });
  const events = async (type: string, userId = user.get('id')) =>
    (await app.db.getRepository(COLLECTIONS.events).find({ filter: { userId, type }, sort: ['createdAt'] })).map((r: any) => r.toJSON());

  async function createVerifier(options: Record<string, unknown> = { rpID: 'localhost', origins: [ORIGIN] }) {
    const root = await rootAgent(app);
    const res = await root.post('/verifiers:create').send({ name: VERIFIER, title: 'Security key', verificationType: 'webauthn', options });
    expect(res.status).toBe(200);
  }

  async function challengeFor(u = user) {
    const res = await signIn(app, u.get('email'));
    expect(res.status).toBe(200);
    return res.body.data.twoFactor as { token: string; stage: string };
  }

  /** Sign-in with a first key: bindStart → the browser's answer → bind. */
  async function bindAtSignIn(key: SoftAuthenticator, u = user, at: Record<string, unknown> = {}) {
    const challenge = await challengeFor(u);
    expect(challenge.stage).toBe('bind');
    const start = await call(app, 'bindStart', challenge.token, { verifier: VERIFIER });
    expect(start.status).toBe(200);
    const credential = key.register(start.body.data.options, { origin: ORIGIN, ...at });
    const res = await call(app, 'bind', challenge.token, { verifier: VERIFIER, credential, name: 'My key' });
    return { res, challenge, options: start.body.data.options };
  }

  async function startVerify(u = user) {
    const challenge = await challengeFor(u);
    expect(challenge.stage).toBe('verify');
    const start = await call(app, 'verifyStart', challenge.token, { verifier: VERIFIER });
    expect(start.status).toBe(200);
    return { token: challenge.token, options: start.body.data.options };
  }

  beforeEach(async () => {
    app = await createApp();
    await createVerifier();
    await setSettings(app, { enforceForAll: true, verifiers: [VERIFIER] });
    user = await createUser(app);
  });
  afterEach(async () => {
    restoreClock();
    await destroyApp(app);
  });

  it('binds a key at the first sign-in and signs in with it at the next', async () => {
    const key = new SoftAuthenticator();
    const { res, options } = await bindAtSignIn(key);
    expect(options).toMatchObject({ rp: { id: 'localhost' }, attestation: 'none', authenticatorSelection: { userVerification: 'discouraged' } });
    expect(res.status).toBe(200);
    expect(res.body.data.token).toBeTruthy();
    expect(res.body.data.backupCodes).toHaveLength(10);
    const [stored] = await keys();
    expect(stored).toMatchObject({ name: 'My key', credentialId: key.ids()[0], counter: 0, attestationFmt: 'none', deviceType: 'singleDevice' });
    expect(await bindings()).toBe(1);
    expect((await events('bound'))[0].detail).toMatchObject({ key: 'My key' });

    const { token, options: request } = await startVerify();
    expect(request.allowCredentials).toEqual([{ id: key.ids()[0], type: 'public-key', transports: ['usb'] }]);
    expect(request.rpId).toBe('localhost');
    const ok = await call(app, 'verify', token, { verifier: VERIFIER, credential: key.assert(request, { origin: ORIGIN }) });
    expect(ok.status).toBe(200);
    expect(ok.body.data.token).toBeTruthy();
    const [after] = await keys();
    expect(Number(after.counter)).toBe(1);
    expect(after.lastUsedAt).toBeTruthy();
  });

  it('refuses a registration made for another origin, and stores nothing', async () => {
    const { res } = await bindAtSignIn(new SoftAuthenticator(), user, { origin: 'https://evil.example' });
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'TWO_FACTOR_INVALID_CODE' });
    expect(res.body.data?.token).toBeUndefined();
    expect(await keys()).toHaveLength(0);
    expect(await bindings()).toBe(0);
  });

  it('refuses assertions for another rpID or origin, and a replayed or expired ceremony', async () => {
    const key = new SoftAuthenticator();
    expect((await bindAtSignIn(key)).res.status).toBe(200);

    let { token, options } = await startVerify();
    const wrongRp = await call(app, 'verify', token, { verifier: VERIFIER, credential: key.assert(options, { origin: ORIGIN, rpId: 'evil.example' }) });
    // The client is told the key was refused, not which check failed (that goes to the audit row).
    expect(errorOf(wrongRp)).toMatchObject({ code: 'TWO_FACTOR_INVALID_CODE', reason: 'key_not_accepted' });
    expect(wrongRp.body.data?.token).toBeUndefined();

    // The ceremony was used by that answer: a valid answer to it now finds nothing.
    const valid = key.assert(options, { origin: ORIGIN });
    expect(errorCode(await call(app, 'verify', token, { verifier: VERIFIER, credential: valid }))).toBe('TWO_FACTOR_INVALID_CODE');

    ({ token, options } = await startVerify());
    const wrongOrigin = await call(app, 'verify', token, { verifier: VERIFIER, credential: key.assert(options, { origin: 'https://evil.example' }) });
    expect(errorCode(wrongOrigin)).toBe('TWO_FACTOR_INVALID_CODE');

    // The same answer twice: the first signs in, the second (on a new sign-in) is refused.
    ({ token, options } = await startVerify());
    const answer = key.assert(options, { origin: ORIGIN });
    expect((await call(app, 'verify', token, { verifier: VERIFIER, credential: answer })).status).toBe(200);
    ({ token } = await startVerify());
    const replay = await call(app, 'verify', token, { verifier: VERIFIER, credential: answer });
    expect(errorCode(replay)).toBe('TWO_FACTOR_INVALID_CODE');
    expect(replay.body.data?.token).toBeUndefined();

    // An answer after the ceremony's time is up.
    ({ token, options } = await startVerify());
    advanceClock(100);
    const late = await call(app, 'verify', token, { verifier: VERIFIER, credential: key.assert(options, { origin: ORIGIN }) });
    expect(errorCode(late)).toBe('TWO_FACTOR_INVALID_CODE');
    const failed = await events('failed');
    expect(failed.map((e) => e.detail.reason)).toEqual(expect.arrayContaining(['not_verified', 'no_ceremony']));
  });

  it('answers the same assertion posted twice at once with one session at most', async () => {
    const key = new SoftAuthenticator();
    expect((await bindAtSignIn(key)).res.status).toBe(200);
    const { token, options } = await startVerify();
    const answer = key.assert(options, { origin: ORIGIN });
    const first = await call(app, 'verify', token, { verifier: VERIFIER, credential: answer });
    expect(first.status).toBe(200);
    // A second challenge of the same user, whose ceremony asked for another challenge.
    const other = await startVerify();
    const second = await call(app, 'verify', other.token, { verifier: VERIFIER, credential: answer });
    expect(errorCode(second)).toBe('TWO_FACTOR_INVALID_CODE');
  });

  it('refuses a signature counter that did not go up (a possible clone) and audits it', async () => {
    const key = new SoftAuthenticator();
    expect((await bindAtSignIn(key)).res.status).toBe(200);
    let { token, options } = await startVerify();
    expect((await call(app, 'verify', token, { verifier: VERIFIER, credential: key.assert(options, { origin: ORIGIN, counter: 5 }) })).status).toBe(200);

    for (const counter of [3, 5]) {
      ({ token, options } = await startVerify());
      const res = await call(app, 'verify', token, { verifier: VERIFIER, credential: key.assert(options, { origin: ORIGIN, counter }) });
      expect(errorOf(res)).toMatchObject({ code: 'TWO_FACTOR_INVALID_CODE' });
      expect(res.body.data?.token).toBeUndefined();
    }
    expect(Number((await keys())[0].counter)).toBe(5);
    const clones = (await events('failed')).filter((e) => e.detail.reason === 'possible_clone');
    expect(clones).toHaveLength(2);
    expect(clones[0].verifier).toBe(VERIFIER);

    // Stored as verified, not stored + 1.
    ({ token, options } = await startVerify());
    expect((await call(app, 'verify', token, { verifier: VERIFIER, credential: key.assert(options, { origin: ORIGIN, counter: 42 }) })).status).toBe(200);
    expect(Number((await keys())[0].counter)).toBe(42);
  });

  it("refuses another user's key", async () => {
    const mine = new SoftAuthenticator();
    const theirs = new SoftAuthenticator();
    const other = await createUser(app);
    expect((await bindAtSignIn(mine)).res.status).toBe(200);
    expect((await bindAtSignIn(theirs, other)).res.status).toBe(200);
    const { token, options } = await startVerify();
    const res = await call(app, 'verify', token, {
      verifier: VERIFIER,
      credential: theirs.assert(options, { origin: ORIGIN, credentialId: theirs.ids()[0] }),
    });
    expect(errorOf(res)).toMatchObject({ code: 'TWO_FACTOR_INVALID_CODE' });
    expect(res.body.data?.token).toBeUndefined();
    expect((await events('failed')).map((e) => e.detail.reason)).toContain('unknown_credential');
  });

  it('counts failures on the one attempts counter, and backup codes still work', async () => {
    const key = new SoftAuthenticator();
    const { res } = await bindAtSignIn(key);
    const backup = res.body.data.backupCodes[0];
    const { token, options } = await startVerify();
    const first = await call(app, 'verify', token, { verifier: VERIFIER, credential: key.assert(options, { origin: 'https://evil.example' }) });
    const left = errorOf(first).attemptsLeft;
    expect(typeof left).toBe('number');
    await call(app, 'verifyStart', token, { verifier: VERIFIER });
    const second = await call(app, 'verify', token, { verifier: VERIFIER, credential: key.assert(options, { origin: ORIGIN }) });
    expect(errorOf(second).attemptsLeft).toBe(left - 1);
    // Try another way: a backup code on the same challenge.
    const viaBackup = await call(app, 'verify', token, { backupCode: backup });
    expect(viaBackup.status).toBe(200);
    expect(viaBackup.body.data.token).toBeTruthy();
  });

  it('lets the ceremony of a bind expire', async () => {
    const challenge = await challengeFor();
    const start = await call(app, 'bindStart', challenge.token, { verifier: VERIFIER });
    advanceClock(100);
    const credential = new SoftAuthenticator().register(start.body.data.options, { origin: ORIGIN });
    const res = await call(app, 'bind', challenge.token, { verifier: VERIFIER, credential });
    expect(errorCode(res)).toBe('TWO_FACTOR_BIND_EXPIRED');
    expect(await keys()).toHaveLength(0);
    expect(await bindings()).toBe(0);
  });

  it('requires user verification only when the verifier says so', async () => {
    const root = await rootAgent(app);
    const row: any = await app.db.getRepository('verifiers').findOne({ filter: { name: VERIFIER } });
    const upd = await root.post(`/verifiers:update?filterByTk=${row.get('name')}`).send({ options: { rpID: 'localhost', origins: [ORIGIN], userVerification: 'required' } });
    expect(upd.status).toBe(200);
    const noUv = new SoftAuthenticator({ uv: false });
    const { res, options } = await bindAtSignIn(noUv);
    expect(options.authenticatorSelection.userVerification).toBe('required');
    expect(errorCode(res)).toBe('TWO_FACTOR_INVALID_CODE');
    expect(await keys()).toHaveLength(0);

    const withUv = new SoftAuthenticator({ uv: true });
    expect((await bindAtSignIn(withUv)).res.status).toBe(200);
    const { token, options: request } = await startVerify();
    const refused = await call(app, 'verify', token, { verifier: VERIFIER, credential: withUv.assert(request, { origin: ORIGIN, uv: false }) });
    expect(errorCode(refused)).toBe('TWO_FACTOR_INVALID_CODE');
  });

  it('accepts a key without user verification by default', async () => {
    const key = new SoftAuthenticator({ uv: false });
    expect((await bindAtSignIn(key)).res.status).toBe(200);
    const { token, options } = await startVerify();
    expect((await call(app, 'verify', token, { verifier: VERIFIER, credential: key.assert(options, { origin: ORIGIN }) })).status).toBe(200);
  });

  it('refuses malformed bodies with 400 and an error code, never a 5xx, storing nothing', async () => {
    const challenge = await challengeFor();
    const start = await call(app, 'bindStart', challenge.token, { verifier: VERIFIER });
    const good = new SoftAuthenticator().register(start.body.data.options, { origin: ORIGIN });
    const bodies: unknown[] = [
      { verifier: VERIFIER },
      { verifier: VERIFIER, code: '123456' },
      { verifier: VERIFIER, credential: 'x' },
      { verifier: VERIFIER, credential: [] },
      { verifier: VERIFIER, credential: {} },
      { verifier: VERIFIER, credential: { ...good, type: 'password' } },
      { verifier: VERIFIER, credential: { ...good, rawId: 'other' } },
      { verifier: VERIFIER, credential: { ...good, extra: 1 } },
      { verifier: VERIFIER, credential: { ...good, response: 'x' } },
      { verifier: VERIFIER, credential: { ...good, response: { ...good.response, clientDataJSON: '%%%' } } },
      { verifier: VERIFIER, credential: { ...good, response: { ...good.response, attestationObject: 'A'.repeat(70000) } } },
      { verifier: VERIFIER, credential: { ...good, response: { ...good.response, transports: ['carrier-pigeon'] } } },
      { verifier: VERIFIER, credential: { ...good, response: { ...good.response, ...JSON.parse('{"__proto__": {"x": 1}}') } } },
      { verifier: VERIFIER, credential: good, name: '' },
      { verifier: VERIFIER, credential: good, name: 'x'.repeat(65) },
      { verifier: VERIFIER, credential: good, name: 42 },
      { verifier: VERIFIER, credential: good, code: '123456' },
    ];
    for (const body of bodies) {
      const res = await call(app, 'bind', challenge.token, body);
      expect(res.status, JSON.stringify(body).slice(0, 120)).toBe(400);
      expect(errorCode(res)).toBe('TWO_FACTOR_BAD_REQUEST');
    }
    // Garbage that has the right shape: a miss, not a crash.
    const garbage = { ...good, response: { ...good.response, attestationObject: 'AAAA', clientDataJSON: 'e30' } };
    const miss = await call(app, 'bind', challenge.token, { verifier: VERIFIER, credential: garbage });
    expect(miss.status).toBeLessThan(500);
    expect(await keys()).toHaveLength(0);
    expect(await bindings()).toBe(0);

    // The same for verify, and for a TOTP-style code sent to the key's verifier.
    const key = new SoftAuthenticator();
    expect((await bindAtSignIn(key)).res.status).toBe(200);
    const { token, options } = await startVerify();
    const answer = key.assert(options, { origin: ORIGIN });
    for (const body of [
      { verifier: VERIFIER, code: '123456' },
      { verifier: VERIFIER, credential: { ...answer, response: { ...answer.response, signature: 5 } } },
      { verifier: VERIFIER, credential: answer, backupCode: 'aaaaa-bbbbb' },
      { verifier: VERIFIER, credential: answer, name: 'x' },
    ]) {
      const res = await call(app, 'verify', token, body);
      expect(res.status, JSON.stringify(body).slice(0, 120)).toBe(400);
      expect(errorCode(res)).toBe('TWO_FACTOR_BAD_REQUEST');
    }
    const garbled = await call(app, 'verify', token, { verifier: VERIFIER, credential: { ...answer, response: { ...answer.response, authenticatorData: 'AAAA' } } });
    expect(errorCode(garbled)).toBe('TWO_FACTOR_INVALID_CODE');
  });

  it('derives rpID and origin from the request host, and refuses an IP host with a clear error', async () => {
    const root = await rootAgent(app);
    expect((await root.post(`/verifiers:update?filterByTk=${VERIFIER}`).send({ options: {} })).status).toBe(200);
    const challenge = await challengeFor();
    // app.agent() talks to 127.0.0.1.
    const ip = await call(app, 'bindStart', challenge.token, { verifier: VERIFIER });
    expect(errorOf(ip)).toMatchObject({ code: 'TWO_FACTOR_BAD_REQUEST', reason: 'rp_id_ip' });
    const viaProxy = (action: string, values: unknown) =>
      call(app, action, challenge.token, values).set('X-Forwarded-Host', 'app.example.test:8443').set('X-Forwarded-Proto', 'https');
    const start = await viaProxy('bindStart', { verifier: VERIFIER });
    expect(start.body.data.options.rp.id).toBe('app.example.test');
    const key = new SoftAuthenticator();
    // The origin allowed is the request's (https://app.example.test:8443), not the one the answer names.
    const wrong = await viaProxy('bind', { verifier: VERIFIER, credential: key.register(start.body.data.options, { origin: 'https://evil.example' }) });
    expect(errorCode(wrong)).toBe('TWO_FACTOR_INVALID_CODE');
    const again = await viaProxy('bindStart', { verifier: VERIFIER });
    const ok = await viaProxy('bind', { verifier: VERIFIER, credential: new SoftAuthenticator().register(again.body.data.options, { origin: 'https://app.example.test:8443' }) });
    expect(ok.status).toBe(200);
  });

  it('refuses verifier options that cannot work', async () => {
    const root = await rootAgent(app);
    for (const options of [{ rpID: '192.168.1.5' }, { rpID: 'https://x.example' }, { origins: ['https://x.example/path'] }, { userVerification: 'always' }, { timeout: 5 }, { nope: 1 }]) {
      const res = await root.post(`/verifiers:update?filterByTk=${VERIFIER}`).send({ options });
      expect(res.status, JSON.stringify(options)).toBe(400);
    }
  });

  describe('in the personal center', () => {
    const url = (action: string) => `/${RESOURCES.me}:${action}`;

    async function addKey(agent: any, key: SoftAuthenticator, name: string) {
      const start = await agent.post(url('bindStart')).send({ verifier: VERIFIER, password: PASSWORD });
      expect(start.status).toBe(200);
      return agent.post(url('bind')).send({ verifier: VERIFIER, credential: key.register(start.body.data.options, { origin: ORIGIN }), name });
    }

    it('adds, lists, renames and removes keys; the last one only while another factor is left', async () => {
      const first = new SoftAuthenticator();
      const { res } = await bindAtSignIn(first);
      const agent = await app.agent().login(user);

      const second = new SoftAuthenticator({ transports: ['internal'] });
      const start = await agent.post(url('bindStart')).send({ verifier: VERIFIER, password: PASSWORD });
      expect(start.body.data.options.excludeCredentials.map((c: any) => c.id)).toEqual(first.ids());
      // The browser refuses a key already registered; the server refuses it too.
      const dup = await agent.post(url('bind')).send({ verifier: VERIFIER, credential: first.register({ ...start.body.data.options, excludeCredentials: [] }, { origin: ORIGIN }) });
      expect(dup.status).toBe(200);
      expect(await keys()).toHaveLength(2);
      expect((await addKey(agent, second, '  Laptop  ')).status).toBe(200);

      const me = await agent.get(url('get'));
      const entry = me.body.data.verifiers.find((v: any) => v.name === VERIFIER);
      expect(entry.credentials.map((c: any) => c.name)).toEqual(['My key', 'Security key', 'Laptop']);
      expect(entry.credentials[2]).toMatchObject({ transports: ['internal'], lastUsedAt: null });
      const [k1, k2, k3] = entry.credentials;

      expect((await agent.post(url('renameCredential')).send({ id: k2.id, name: 'Spare' })).body.data).toEqual({ id: k2.id, name: 'Spare' });
      expect(errorCode(await agent.post(url('renameCredential')).send({ id: k2.id, name: '' }))).toBe('TWO_FACTOR_BAD_REQUEST');

      expect(errorCode(await agent.post(url('removeCredential')).send({ id: k2.id }))).toBe('TWO_FACTOR_REAUTH_REQUIRED');
      expect((await agent.post(url('removeCredential')).send({ id: k2.id, password: PASSWORD })).status).toBe(200);
      expect((await agent.post(url('removeCredential')).send({ id: k3.id, password: PASSWORD })).status).toBe(200);
      expect((await events('unbound')).map((e) => e.detail.key)).toEqual(['Spare', 'Laptop']);
      // The last key of the only factor of a required user stays.
      const last = await agent.post(url('removeCredential')).send({ id: k1.id, password: PASSWORD });
      expect(last.status).toBe(409);
      expect(errorCode(last)).toBe('TWO_FACTOR_LAST_FACTOR');
      expect(await keys()).toHaveLength(1);
      expect(await bindings()).toBe(1);
      expect(res.body.data.token).toBeTruthy();

      // Another user's key is not yours to rename or remove.
      const other = await createUser(app);
      const otherAgent = await app.agent().login(other);
      expect(errorCode(await otherAgent.post(url('renameCredential')).send({ id: k1.id, name: 'Mine' }))).toBe('TWO_FACTOR_BAD_REQUEST');
      expect(errorCode(await otherAgent.post(url('removeCredential')).send({ id: k1.id, password: PASSWORD }))).toBe('TWO_FACTOR_BAD_REQUEST');
      expect(await keys()).toHaveLength(1);

      // Once opting in is the only reason, the last key may go, and the binding with it.
      await setSettings(app, { enforceForAll: false, verifiers: [VERIFIER] });
      const gone = await agent.post(url('removeCredential')).send({ id: k1.id, password: PASSWORD });
      expect(gone.status).toBe(200);
      expect(gone.body.data.verifierRemoved).toBe(true);
      expect(await keys()).toHaveLength(0);
      expect(await bindings()).toBe(0);
    });

    it('ties a self-service ceremony to the session that started it', async () => {
      await bindAtSignIn(new SoftAuthenticator());
      const agent = await app.agent().login(user);
      const start = await agent.post(url('bindStart')).send({ verifier: VERIFIER, password: PASSWORD });
      const credential = new SoftAuthenticator().register(start.body.data.options, { origin: ORIGIN });
      const otherSession = await app.agent().login(user);
      expect(errorCode(await otherSession.post(url('bind')).send({ verifier: VERIFIER, credential }))).toBe('TWO_FACTOR_BIND_EXPIRED');
      // The ceremony was used up by that attempt.
      expect(errorCode(await agent.post(url('bind')).send({ verifier: VERIFIER, credential }))).toBe('TWO_FACTOR_BIND_EXPIRED');
      expect(await keys()).toHaveLength(1);
    });

    it('a password change ends a self-service ceremony', async () => {
      await bindAtSignIn(new SoftAuthenticator());
      const agent = await app.agent().login(user);
      const start = await agent.post(url('bindStart')).send({ verifier: VERIFIER, password: PASSWORD });
      await app.db.getRepository('users').update({ filterByTk: user.get('id'), values: { password: 'Another-pass-456' } });
      const res = await agent.post(url('bind')).send({ verifier: VERIFIER, credential: new SoftAuthenticator().register(start.body.data.options, { origin: ORIGIN }) });
      expect([400, 401]).toContain(res.status);
      expect(await keys()).toHaveLength(1);
    });

    it('removes every key with the verifier (unbind), and an admin reset removes them too', async () => {
      await bindAtSignIn(new SoftAuthenticator());
      const agent = await app.agent().login(user);
      expect((await addKey(agent, new SoftAuthenticator(), 'Second')).status).toBe(200);
      expect(await keys()).toHaveLength(2);
      const root = await rootAgent(app);
      expect((await root.post(`/${RESOURCES.users}:reset`).send({ userId: user.get('id') })).status).toBe(200);
      expect(await keys()).toHaveLength(0);
      expect(await bindings()).toBe(0);
      // The user binds again at the next sign-in.
      expect((await challengeFor()).stage).toBe('bind');

      await setSettings(app, { enforceForAll: false, verifiers: [VERIFIER] });
      await bindAtSignIn(new SoftAuthenticator()).catch(() => undefined);
      const opt = await app.agent().login(user);
      expect((await addKey(opt, new SoftAuthenticator(), 'Opt-in')).status).toBe(200);
      expect((await opt.post(url('unbind')).send({ verifier: VERIFIER, password: PASSWORD })).status).toBe(200);
      expect(await keys()).toHaveLength(0);
    });
  });
});
