/**
 * Hostile requests to the admin resources (`twoFactorUsers`, `twoFactorSettings`, `twoFactorEvents`),
 * the collections that must stay closed, and `auth:signIn` itself.
 */
import { randomBytes } from 'node:crypto';
import { COLLECTIONS, ERROR_CODES, RESOURCES } from '../../constants';
import type { HostileCase } from './harness';
import { Field, mutate } from './mutations';
import { Body, handJwt, Person, RequestSpec, World } from './world';

const E = ERROR_CODES;

export function adminCases(w: World): HostileCase[] {
  const cases: HostileCase[] = [];
  const as = (person: Person | null, spec: RequestSpec, headers: Record<string, string> = {}) =>
    w.raw({ ...spec, headers: { ...(person ? w.bearer(person) : {}), ...(spec.headers || {}), ...headers } });
  const root = () => w.root;

  const writes: { action: string; path: string; body: () => Record<string, unknown>; fields: Record<string, Field> }[] = [
    {
      action: 'twoFactorUsers:reset',
      path: `/${RESOURCES.users}:reset`,
      body: () => ({ userId: 999_999 }),
      fields: { userId: { type: 'integer', min: 1 } },
    },
    {
      action: 'twoFactorUsers:setEnforced',
      path: `/${RESOURCES.users}:setEnforced`,
      body: () => ({ userId: 999_999, enforced: true }),
      fields: { userId: { type: 'integer', min: 1 }, enforced: { type: 'boolean' } },
    },
    {
      action: 'twoFactorUsers:unlock',
      path: `/${RESOURCES.users}:unlock`,
      body: () => ({ userId: 999_999 }),
      fields: { userId: { type: 'integer', min: 1 } },
    },
    {
      action: 'twoFactorSettings:update',
      path: `/${RESOURCES.settings}:update`,
      // Would orphan every TOTP user: refused with 409 unless confirmed.
      body: () => ({ verifiers: ['email'] }),
      fields: {
        enforceForAll: { type: 'boolean', optional: true },
        gracePeriodDays: { type: 'integer', min: 0, max: 90, optional: true },
        allowTrustedDevices: { type: 'boolean', optional: true },
        trustedDeviceDays: { type: 'integer', min: 1, max: 365, optional: true },
        challengeTTL: { type: 'integer', min: 30, max: 3600, optional: true },
        maxAttemptsPerChallenge: { type: 'integer', min: 1, max: 20, optional: true },
        lockoutThreshold: { type: 'integer', min: 3, max: 100, optional: true },
        lockoutMinutes: { type: 'integer', min: 1, max: 1440, optional: true },
        dailyFailureLimit: { type: 'integer', min: 3, max: 10000, optional: true },
        messageSendsPerReceiverPerHour: { type: 'integer', min: 1, max: 100, optional: true },
        messageSendsPerIpPerHour: { type: 'integer', min: 1, max: 100000, optional: true },
        messageSendsPerHour: { type: 'integer', min: 1, max: 1000000, optional: true },
        messageReceiversPerUserPerDay: { type: 'integer', min: 1, max: 20, optional: true },
        confirm: { type: 'boolean', optional: true },
      },
    },
    { action: 'twoFactorSettings:get', path: `/${RESOURCES.settings}:get`, body: () => ({}), fields: {} },
  ];
  // Signs sessions out: its hostile bodies are refused before anything happens.
  cases.push(
    ...[
      ['an unknown field', { evil: true }],
      ['an array', [1]],
      ['a string', 'all'],
    ].map(([name, json]) => ({
      action: 'twoFactorUsers:signOutUnverified',
      name: `root, ${name}`,
      code: E.BAD_REQUEST,
      send: () => as(root(), { path: `/${RESOURCES.users}:signOutUnverified`, body: { json } }),
    })),
  );

  // 1. Generated bodies from root and from a role holding the 2FA snippet.
  for (const target of writes) {
    for (const m of mutate(target.body(), target.fields)) {
      cases.push({ action: target.action, name: `root, body ${m.name}`, code: m.code, send: () => as(root(), { path: target.path, body: m.body }) });
    }
    cases.push({
      action: target.action,
      name: 'snippet holder, unknown field',
      code: E.BAD_REQUEST,
      send: () => as(w.officer, { path: target.path, body: { json: { ...target.body(), evil: true } } }),
    });
  }

  // 2. People who must not get in at all, for every action.
  const everyAction: { action: string; spec: () => RequestSpec }[] = [
    ...writes.map((t) => ({ action: t.action, spec: () => ({ path: t.path, body: { json: t.action === 'twoFactorSettings:update' ? { enforceForAll: false } : t.body() } as Body }) })),
    { action: 'twoFactorUsers:reset', spec: () => ({ path: `/${RESOURCES.users}:reset`, body: { json: { userId: w.alice.id } } }) },
    { action: 'twoFactorUsers:setEnforced', spec: () => ({ path: `/${RESOURCES.users}:setEnforced`, body: { json: { userId: w.root.id, enforced: true } } }) },
    { action: 'twoFactorUsers:unlock', spec: () => ({ path: `/${RESOURCES.users}:unlock`, body: { json: { userId: w.alice.id } } }) },
    { action: 'twoFactorUsers:list', spec: () => ({ method: 'get', path: `/${RESOURCES.users}:list` }) },
    { action: 'twoFactorUsers:signOutUnverified', spec: () => ({ path: `/${RESOURCES.users}:signOutUnverified`, body: { json: {} } }) },
    { action: 'twoFactorEvents:list', spec: () => ({ method: 'get', path: `/${RESOURCES.events}:list` }) },
  ];
  for (const { action, spec } of everyAction) {
    let challenge = '';
    cases.push(
      { action, name: 'anonymous', send: () => as(null, spec()) },
      { action, name: 'a member', send: () => as(w.mallory, spec()) },
      { action, name: 'a member claiming the root role', send: () => as(w.mallory, spec(), { 'X-Role': 'root' }) },
      { action, name: 'a member claiming the snippet role', send: () => as(w.mallory, spec(), { 'X-Role': 'security' }) },
      { action, name: 'a forged root session', send: () => as(null, spec(), { Authorization: `Bearer ${handJwt({ userId: w.root.id, roleName: 'root' }, 'another-app-key')}` }) },
      {
        action,
        name: "root's sign-in challenge as session",
        prepare: async () => {
          challenge = await w.challenge(w.alice);
        },
        send: () => as(null, spec(), { Authorization: `Bearer ${challenge}` }),
      },
    );
  }

  // A body with nothing but `confirm` is a no-op update: it may pass, and must change nothing.
  cases.push({ action: 'twoFactorSettings:update', name: 'root, only confirm', expect: 'read', send: () => as(root(), { path: `/${RESOURCES.settings}:update`, body: { json: { confirm: true } } }) });

  // 3. Root with hostile specifics.
  const post = (path: string, json: unknown): RequestSpec => ({ path, body: { json } });
  const settings = (name: string, json: unknown, code: string | string[] = E.BAD_REQUEST): HostileCase => ({
    action: 'twoFactorSettings:update',
    name: `root, ${name}`,
    code,
    send: () => as(root(), post(`/${RESOURCES.settings}:update`, json)),
  });
  cases.push(
    settings('verifiers as a string', { verifiers: 'totp' }),
    settings('verifiers with a number', { verifiers: ['totp', 1] }),
    settings('verifiers with null', { verifiers: [null] }),
    settings('an unknown verifier', { verifiers: ['totp', 'nope'] }),
    settings('a verifier of an ineligible type', { verifiers: ['totp', 'no-such-type'] }),
    settings('a verifier name with SQL', { verifiers: ["totp' OR '1'='1"] }),
    settings('500 verifiers', { verifiers: Array.from({ length: 500 }, (_, i) => `v${i}`) }),
    settings('a 300-character verifier name', { verifiers: ['v'.repeat(300)] }),
    settings('verifiers that strand bound users', { verifiers: ['email'] }, E.ORPHANS_USERS),
    settings('stranding confirmed with a string', { verifiers: ['email'], confirm: 'true' }),
    settings('enforcedRoles as a string', { enforcedRoles: 'admin' }),
    settings('an unknown role', { enforcedRoles: ['no-such-role'] }),
    settings('a role name with a path', { enforcedRoles: ['../admin'] }),
    settings('roles as objects', { enforcedRoles: [{ name: 'admin' }] }),
    settings('settings key', { key: 'other' }),
    settings('timestamps', { createdAt: '2020-01-01', updatedAt: '2020-01-01' }),
    settings('everything valid but one field', { enforceForAll: true, gracePeriodDays: 3, challengeTTL: 29 }),
    settings('a valid field under a filter', { enforceForAll: false, filter: { key: 'default' } }),
    {
      action: 'twoFactorSettings:update',
      name: 'root, valid body with filterByTk of another row',
      expect: 'refused',
      code: E.BAD_REQUEST,
      send: () => as(root(), { path: `/${RESOURCES.settings}:update`, query: 'filterByTk=other', body: { json: { enforceForAll: false, evil: 1 } } }),
    },
  );
  const users = (action: 'reset' | 'setEnforced' | 'unlock', name: string, json: unknown, code: string | string[] = E.BAD_REQUEST): HostileCase => ({
    action: `twoFactorUsers:${action}`,
    name: `root, ${name}`,
    code,
    send: () => as(root(), post(`/${RESOURCES.users}:${action}`, json)),
  });
  cases.push(
    users('reset', 'a user that does not exist', { userId: 2 ** 40 }),
    users('reset', 'userId as a filter', { userId: { $gt: 0 } }),
    users('reset', 'userId as a list', { userId: [w.alice.id, w.carol.id] }),
    users('reset', 'userId as a numeric string', { userId: String(w.alice.id) }),
    users('reset', 'filterByTk instead of values', {}),
    users('setEnforced', 'enforced as a string', { userId: w.alice.id, enforced: 'false' }),
    users('setEnforced', 'enforced as null', { userId: w.alice.id, enforced: null }),
    users('setEnforced', 'an extra field', { userId: w.alice.id, enforced: true, firstRequiredAt: null }),
    users('unlock', 'userId as a filter', { userId: { $gt: 0 } }),
    users('unlock', 'userId as a list', { userId: [w.alice.id, w.carol.id] }),
    users('unlock', 'a user that does not exist', { userId: 2 ** 40 }),
    users('unlock', 'an extra field', { userId: w.alice.id, lockedUntil: null }),
    {
      action: 'twoFactorUsers:reset',
      name: 'root, filterByTk in the query and no values',
      code: E.BAD_REQUEST,
      send: () => as(root(), { path: `/${RESOURCES.users}:reset`, query: `filterByTk=${w.alice.id}`, body: { json: {} } }),
    },
    {
      action: 'twoFactorUsers:reset',
      name: 'root, path-style id and no values',
      send: () => as(root(), { path: `/${RESOURCES.users}:reset/${w.alice.id}`, body: { json: {} } }),
    },
  );

  // 4. Reads with hostile parameters: whatever they answer, they change nothing.
  const listQueries = [
    'page=-1',
    'page=0',
    'page=abc',
    'page=1e9',
    'page[]=1',
    'page[a]=1',
    'pageSize=0',
    'pageSize=100000',
    'pageSize=1.5',
    'filter=%7Bbad',
    'filter=%5B1%2C2%5D',
    'filter=null',
    `filter=${encodeURIComponent(JSON.stringify({ required: 'yes' }))}`,
    `filter=${encodeURIComponent(JSON.stringify({ bound: 1 }))}`,
    `filter=${encodeURIComponent(JSON.stringify({ unknown: 1 }))}`,
    `filter=${encodeURIComponent(JSON.stringify({ q: 'q'.repeat(10_000) }))}`,
    `filter=${encodeURIComponent(JSON.stringify({ q: "%' OR 1=1 --" }))}`,
    `filter=${encodeURIComponent(JSON.stringify({ q: { $ne: null } }))}`,
    `filter=${encodeURIComponent(JSON.stringify({ q: 'a\u0000b' }))}`,
    `filter=${encodeURIComponent(JSON.stringify({ $or: [{ id: 1 }] }))}`,
    `filter=${encodeURIComponent(`{"q":${'['.repeat(200)}${']'.repeat(200)}}`)}`,
    'filter[required]=maybe',
    'filter[q][$like]=%25',
    'sort=password',
    'fields=password',
    'appends=roles',
  ];
  for (const q of listQueries) {
    cases.push({ action: 'twoFactorUsers:list', name: `root, ?${q.slice(0, 60)}`, expect: 'read', send: () => as(root(), { method: 'get', path: `/${RESOURCES.users}:list`, query: q }) });
  }
  const eventQueries = [
    'page=-1',
    'page=abc',
    'pageSize=100000',
    'pageSize=-5',
    'sort=nonexistent',
    'sort=-user.password',
    'fields=nonexistent',
    'fields=user.password',
    'except=id',
    'appends=user.roles',
    'appends=nonexistent',
    'appends[]=user&appends[]=user.roles',
    'filter=%7Bbad',
    'filter=%5B1%5D',
    `filter=${encodeURIComponent(JSON.stringify({ userId: { $foo: 1 } }))}`,
    `filter=${encodeURIComponent(JSON.stringify({ 'user.password': { $like: '%' } }))}`,
    `filter=${encodeURIComponent(JSON.stringify({ 'user.password': { $notEmpty: true } }))}`,
    `filter=${encodeURIComponent(JSON.stringify({ nonexistent: 1 }))}`,
    `filter=${encodeURIComponent(JSON.stringify({ type: 'a\u0000b' }))}`,
    `filter=${encodeURIComponent(JSON.stringify({ userId: 'abc' }))}`,
    `filter=${encodeURIComponent(JSON.stringify({ userId: { $like: '%' } }))}`,
    `filter=${encodeURIComponent(JSON.stringify({ id: { $in: ['x', 1] } }))}`,
    `filter=${encodeURIComponent(JSON.stringify({ createdAt: 'yesterday' }))}`,
    `filter=${encodeURIComponent(JSON.stringify({ createdAt: { $dateBetween: ['2020-01-01', 'never'] } }))}`,
    `filter=${encodeURIComponent(`{"type":${'['.repeat(200)}${']'.repeat(200)}}`)}`,
    `filter=${encodeURIComponent(JSON.stringify({ type: 'x'.repeat(100_000) }))}`,
    `filterByTk=1`,
    `paginate=false`,
  ];
  for (const q of eventQueries) {
    cases.push({ action: 'twoFactorEvents:list', name: `root, ?${q.slice(0, 60)}`, expect: 'read', send: () => as(root(), { method: 'get', path: `/${RESOURCES.events}:list`, query: q }) });
  }

  // 5. What is not there must stay closed: no other action on our resources, no CRUD on internal collections.
  const closed = [
    `/${RESOURCES.events}:create`,
    `/${RESOURCES.events}:update`,
    `/${RESOURCES.events}:destroy`,
    `/${RESOURCES.settings}:destroy`,
    `/${RESOURCES.settings}:create`,
    `/${RESOURCES.settings}:list`,
    `/${RESOURCES.users}:get`,
    `/${RESOURCES.users}:destroy`,
    `/${RESOURCES.me}:list`,
    `/${RESOURCES.me}:update`,
    `/${RESOURCES.twoFactor}:list`,
    `/${RESOURCES.twoFactor}:destroy`,
    ...[COLLECTIONS.backupCodes, COLLECTIONS.challenges, COLLECTIONS.trustedDevices, COLLECTIONS.totpSteps, COLLECTIONS.userStates, COLLECTIONS.otps, COLLECTIONS.seenDevices].flatMap(
      (c) => [`/${c}:list`, `/${c}:destroy`, `/${c}:create`],
    ),
  ];
  for (const p of closed) {
    const [resource, action] = p.slice(1).split(':');
    cases.push({
      action: `${resource}:${action}`,
      name: 'root, closed action',
      shape: 'router',
      send: () => as(root(), { path: p, method: action === 'list' ? 'get' : 'post', body: { json: { userId: w.alice.id, values: { evil: 1 } } }, query: 'filter=%7B%7D' }),
    });
  }

  // 6. auth:signIn: the guard in front of the session.
  const signIn = (name: string, json: unknown, headers: Record<string, string> = {}, expect: HostileCase['expect'] = 'refused'): HostileCase => ({
    action: 'auth:signIn',
    name,
    expect,
    // A refused password sign-in is core's answer, unchanged by design.
    shape: 'core',
    send: () => w.raw({ path: '/auth:signIn', body: { json }, headers: { 'X-Authenticator': 'basic', ...headers } }),
  });
  const alice = () => w.alice.email;
  cases.push(
    signIn('account as an operator', { account: { $ne: null }, password: w.password }),
    signIn('account as a list', { account: [alice()], password: w.password }, {}, 'no-session'),
    signIn('password as an operator', { account: 'x', password: { $ne: null } }),
    signIn('password as a number', { account: 'x', password: 123456 }),
    signIn('1 MB password', { account: 'x', password: 'p'.repeat(1024 * 1024) }),
    signIn('unicode account', { account: 'ä😀\u202e@example.com', password: w.password }),
    signIn('SQL account', { account: "' OR '1'='1", password: "' OR '1'='1" }),
    signIn('NUL byte in the account', { account: 'a\u0000@example.com', password: 'x' }),
    signIn('wrong password', { account: 'x@example.com', password: 'wrong' }),
    signIn('an authenticator that does not exist', { account: 'x', password: 'wrong' }, { 'X-Authenticator': 'nope' }),
  );
  const withCookie = (name: string, cookie: () => string, account: () => string): HostileCase => ({
    action: 'auth:signIn',
    name,
    expect: 'no-session',
    send: () => w.raw({ path: '/auth:signIn', body: { json: { account: account(), password: w.password } }, headers: { 'X-Authenticator': 'basic', Cookie: cookie() } }),
  });
  const cookieName = () => w.carolDeviceCookie.split('=')[0];
  cases.push(
    withCookie('right password, forged device cookie', () => `${cookieName()}=${randomBytes(32).toString('base64url')}`, alice),
    withCookie("right password, another user's device cookie", () => w.carolDeviceCookie, alice),
    withCookie('right password, device cookie of SQL', () => `${cookieName()}=${encodeURIComponent("' OR 1=1 --")}`, alice),
    withCookie('right password, device cookie of 100 kB', () => `${cookieName()}=${'a'.repeat(100_000)}`, alice),
    withCookie('right password, no factor yet', () => '', () => w.bob.email),
  );
  return cases;
}
