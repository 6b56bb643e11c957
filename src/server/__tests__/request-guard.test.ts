/**
 * Requests NocoBase would fail before our actions run (broken or absurd bodies, foreign origins,
 * missing rights, odd audit-log parameters) still get `{ errors: [{ code, message }] }`, never a
 * bare answer or a 5xx.
 */
import { MockServer } from '@nocobase/test';
import { ERROR_CODES, HEADER_CHALLENGE, RESOURCES } from '../../constants';
import { call, createApp, createUser, destroyApp, errorCode, errorOf, rootAgent, setSettings, signIn } from './helpers';

describe('requests refused before any action', () => {
  let app: MockServer;
  let token: string;

  beforeAll(async () => {
    app = await createApp();
    await setSettings(app, { enforceForAll: true });
    const user = await createUser(app);
    token = (await signIn(app, user.get('email'))).body.data.twoFactor.token;
  });
  afterAll(async () => {
    await destroyApp(app);
  });

  const raw = (body: string, headers: Record<string, string> = {}) => {
    let req = app.agent().post(`/${RESOURCES.twoFactor}:getChallenge`).set(HEADER_CHALLENGE, token).set('Content-Type', 'application/json');
    for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
    return req.send(body);
  };

  it('answers a body the parser refuses with TWO_FACTOR_BAD_REQUEST', async () => {
    for (const body of ['{"verifier":', 'null', '"text"', '{"__proto__":{"polluted":1}}']) {
      const res = await raw(body);
      expect(res.status, body).toBe(400);
      expect(errorOf(res), body).toMatchObject({ code: ERROR_CODES.BAD_REQUEST, field: 'body' });
    }
    const gzip = await raw('{}', { 'Content-Encoding': 'gzip' });
    expect(errorOf(gzip)).toMatchObject({ code: ERROR_CODES.BAD_REQUEST, field: 'body' });
    expect(({} as any).polluted).toBeUndefined();
  });

  it('refuses a body over the size limit with our error', async () => {
    const res = await raw(JSON.stringify({ pad: 'x'.repeat(11 * 1024 * 1024) }));
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: ERROR_CODES.BAD_REQUEST, field: 'body' });
  });

  it('refuses deep nesting in a body or a filter instead of overflowing the stack', async () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    const body = await raw(`{"a":${deep(5000)}}`);
    expect(body.status).toBe(400);
    expect(errorOf(body)).toMatchObject({ code: ERROR_CODES.BAD_REQUEST, field: 'body' });
    const root = await rootAgent(app);
    const filter = await root.get(`/${RESOURCES.users}:list`).query({ filter: `{"q":${deep(200)}}` });
    expect(filter.status).toBe(400);
    expect(errorOf(filter)).toMatchObject({ code: ERROR_CODES.BAD_REQUEST, field: 'filter' });
    // A legitimate nesting still passes.
    expect((await raw(JSON.stringify({}))).status).toBe(200);
  });

  it('refuses NUL characters before they reach SQL', async () => {
    const root = await rootAgent(app);
    const res = await root.get(`/${RESOURCES.users}:list`).query({ filter: JSON.stringify({ q: 'a\u0000b' }) });
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: ERROR_CODES.BAD_REQUEST, field: 'q' });
  });

  it('leaves other resources to NocoBase', async () => {
    const res = await app.agent().post('/users:list').set('Content-Type', 'application/json').send('{"broken":');
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBeUndefined();
  });

  it('gives foreign origins and missing rights a code', async () => {
    const foreign = await call(app, 'getChallenge', token).set('Origin', 'https://evil.example');
    expect(foreign.status).toBe(403);
    expect(errorOf(foreign)).toMatchObject({ code: ERROR_CODES.UNTRUSTED_ORIGIN, message: 'Invalid sign-in origin' });
    const member = await app.agent().login(await createUser(app));
    const requests = [
      () => member.get(`/${RESOURCES.users}:list`),
      () => member.post(`/${RESOURCES.settings}:update`).send({ enforceForAll: false }),
      () => member.get(`/${RESOURCES.events}:list`),
    ];
    for (const request of requests) {
      const res = await request();
      expect(res.status).toBe(403);
      expect(errorCode(res)).toBe(ERROR_CODES.NO_PERMISSION);
    }
  });

  it('keeps the audit log parameters to its own fields', async () => {
    const root = await rootAgent(app);
    const list = (query: Record<string, string>) => root.get(`/${RESOURCES.events}:list`).query(query);
    const refused: Record<string, string>[] = [
      { sort: '-user.password' },
      { fields: 'nonexistent' },
      { appends: 'user.roles' },
      { page: 'abc' },
      { pageSize: '100000' },
      { paginate: 'false' },
      { filter: JSON.stringify({ 'user.password': { $like: '%' } }) },
      { filter: JSON.stringify({ user: { password: { $notEmpty: true } } }) },
      { filter: JSON.stringify({ detail: { $ne: null } }) },
      { filter: JSON.stringify([1]) },
      // Unknown operators and values of the wrong type: an SQL error on PostgreSQL.
      { filter: JSON.stringify({ userId: { $foo: 1 } }) },
      { filter: JSON.stringify({ userId: 'abc' }) },
      { filter: JSON.stringify({ userId: { $like: '%' } }) },
      { filter: JSON.stringify({ createdAt: 'yesterday' }) },
      // A NUL cuts SQLite's query short.
      { filter: JSON.stringify({ type: 'a\u0000b' }) },
    ];
    for (const query of refused) {
      const res = await list(query);
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(errorCode(res), JSON.stringify(query)).toBe(ERROR_CODES.BAD_REQUEST);
    }
    const ok = await list({
      filter: JSON.stringify({ $and: [{ type: { $in: ['challenge', 'failed'] } }, { 'user.email': { $includes: '@' } }] }),
      sort: '-createdAt',
      'appends[]': 'user',
      page: '1',
      pageSize: '50',
    });
    expect(ok.status).toBe(200);
    expect(ok.body.data.map((e: any) => e.type)).toContain('challenge');
    // What the admin tab sends.
    const now = Date.now();
    const tab = await list({
      page: '1',
      pageSize: '20',
      'sort[]': '-id',
      'appends[]': 'user',
      filter: JSON.stringify({ type: 'challenge', createdAt: { $gte: new Date(now - 86_400_000).toISOString(), $lte: new Date(now + 60_000).toISOString() } }),
    });
    expect(tab.status).toBe(200);
    expect(tab.body.data.length).toBeGreaterThan(0);
  });
});
