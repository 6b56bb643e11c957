#!/usr/bin/env node
/**
 * `npm run test:cluster`: two real NocoBase processes (`nocobase start` on two ports) sharing one
 * PostgreSQL database, one Redis and one APP_KEY, with this plugin deployed from dist/ (run
 * `npm run build` first; it is built here only when dist/ is missing). Over real HTTP it shows
 * that 2FA state is shared, not per process:
 *   - a challenge issued by A verifies on B (and binding started on A completes on B);
 *   - a TOTP step used on A is refused on B, also when both are hit at the same moment;
 *   - failures on A and B add up to one lockout;
 *   - a twoFactorSettings change on A applies on B without restart;
 *   - a trusted device revoked on A is refused on B.
 * Prints each check as passed/failed and exits non-zero on any failure. The services come from
 * scripts/services.mjs (own PostgreSQL/Redis under .e2e/cluster-*, or the ones the env names);
 * the app lives in .e2e/cluster. KEEP=1 leaves the apps running until Ctrl+C.
 * CLUSTER_CACHE_STORE=memory runs the same checks with a cache per process, as a control.
 * CLUSTER_DB=mariadb (`npm run test:cluster:mariadb`) runs them on MariaDB instead of PostgreSQL
 * (own MariaDB and Redis as .e2e/cluster-mariadb*, the app in .e2e/cluster-mariadb).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createDatabase, startServices } from '../scripts/services.mjs';
import { testApp } from '../test-support/app.mjs';
import { runChecks } from '../test-support/checks.mjs';
import { bindTotp, createUser as createMember, signInRoot } from '../test-support/flows.mjs';
import { apiClient, bearer, cookieOf, errorCode as code, show } from '../test-support/http.mjs';
import { freePort } from '../test-support/free-port.mjs';
import { root } from '../test-support/requirements.mjs';
import { totp } from '../test-support/totp.mjs';

const since = (t) => `${((Date.now() - t) / 1000).toFixed(1)} s`;
const DATABASE = 'open2fa_cluster';
const MARIADB = process.env.CLUSTER_DB === 'mariadb';
const NAME = MARIADB ? 'cluster-mariadb' : 'cluster';
const PASSWORD = 'Cluster-pass-123';
const DEVICE_COOKIE = 'nb_2fa_device_main';
const deviceCookie = (res) => cookieOf(res, DEVICE_COOKIE);

// --- The two instances ----------------------------------------------------------------------

/** PostgreSQL + Redis, one app folder on them, and two servers started one after the other. */
async function boot() {
  if (!existsSync(path.join(root, 'dist/server/index.js')) || !existsSync(path.join(root, 'dist/client/index.js'))) {
    console.log('→ dist/ is missing: npm run build');
    const res = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    if (res.status !== 0) throw new Error('npm run build failed');
  }
  const services = await startServices({ name: 'cluster', dialect: MARIADB ? 'mariadb' : 'postgres' });
  let app;
  const stopAll = async () => {
    await app?.stop();
    await services.stop();
  };
  try {
    await createDatabase(services.db, DATABASE);
    const shared = { ...services.env, DB_DATABASE: DATABASE };
    // CLUSTER_CACHE_STORE=memory: a control run with a cache per process, where the lockout and
    // settings checks must fail (that is why a cluster needs the Redis cache).
    if (process.env.CLUSTER_CACHE_STORE) shared.CACHE_DEFAULT_STORE = process.env.CLUSTER_CACHE_STORE;
    console.log(`→ cache store: ${shared.CACHE_DEFAULT_STORE}`);
    const [portA, portB] = [await freePort(), await freePort()];
    let t = Date.now();
    app = await testApp({ name: NAME, port: portA, env: shared });
    await app.install(true);
    console.log(`→ installed on ${MARIADB ? 'MariaDB' : 'PostgreSQL'} ${services.dbVersion}, database ${DATABASE} (${since(t)})`);

    t = Date.now();
    // Same folder, database, Redis and APP_KEY (in .env); own port and gateway socket. One after
    // the other, like a rolling start: two processes booting at the same moment race on
    // NocoBase's own start-up writes (a unique-key "Validation error" on a loaded machine).
    const instances = [];
    for (const [name, port] of [['A', portA], ['B', portB]]) {
      instances.push(await app.start({ port, env: { SOCKET_PATH: `storage/gateway-${name.toLowerCase()}.sock` }, label: `instance ${name}` }));
    }
    console.log(`→ instance A on :${portA} (pid ${instances[0].server.pid}), B on :${portB} (pid ${instances[1].server.pid}), both healthy (${since(t)})`);
    return { app, instances, stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

// --- The checks ------------------------------------------------------------------------------

/** @param {import('../test-support/checks.mjs').Check} check */
async function checks(check, A, B) {
  const rootToken = await signInRoot(A);
  const admin = bearer(rootToken);
  // Members need 2FA; admins (used by the settings check) not yet. Root stays out of it.
  const policy = await A.post('twoFactorSettings:update', { enforcedRoles: ['member'], lockoutThreshold: 4, maxAttemptsPerChallenge: 10 }, admin);
  if (policy.status !== 200) throw new Error(`settings update failed: ${show(policy)}`);

  let seq = 0;
  const createUser = async (roles = ['member']) => {
    seq += 1;
    return (await createMember(A, rootToken, { username: `cluster${seq}`, password: PASSWORD, roles })).username;
  };
  /** Binds TOTP for a new member: bindStart on `first`, bind on `second`. */
  const enrol = async (first = A, second = B) => {
    const username = await createUser();
    return { username, ...(await bindTotp(first, username, PASSWORD, { finishOn: second })) };
  };
  const challengeOn = async (instance, username) => (await instance.signIn(username)).body?.data?.twoFactor?.token;

  // 1. A challenge issued by A verifies on B.
  let t = Date.now();
  {
    const { username, secret, challenge, start, bound } = await enrol(A, B);
    check(
      'binding started on A (pending secret kept server-side) completes on B',
      challenge?.stage === 'bind' && !!start.body?.data?.secret && bound.status === 200 && typeof bound.body?.data?.token === 'string',
      `${show(start)} / ${show(bound)}`,
      t,
    );
    t = Date.now();
    const token = await challengeOn(A, username);
    const verified = await B.twoFactor('verify', token, { verifier: 'totp', code: totp(secret, 1) });
    const session = verified.body?.data?.token;
    const checked = session ? await A.get('auth:check', bearer(session)) : null;
    check(
      'a challenge issued by A verifies on B, and the session works on A',
      verified.status === 200 && typeof session === 'string' && checked?.body?.data?.username === username,
      `${show(verified)} / ${checked ? show(checked) : ''}`,
      t,
    );
    t = Date.now();
    const again = await A.twoFactor('getChallenge', token);
    check('the challenge used on B is dead on A', again.status === 401 && code(again) === 'TWO_FACTOR_CHALLENGE_INVALID', show(again), t);
  }

  // 2. A TOTP step used on A is refused on B.
  t = Date.now();
  {
    const { username, secret } = await enrol(A, A);
    const step = totp(secret, 1);
    const onA = await A.twoFactor('verify', await challengeOn(A, username), { verifier: 'totp', code: step });
    const onB = await B.twoFactor('verify', await challengeOn(B, username), { verifier: 'totp', code: step });
    check(
      'a TOTP step used on A is refused on B (TWO_FACTOR_CODE_REUSED)',
      onA.status === 200 && onB.status === 400 && code(onB) === 'TWO_FACTOR_CODE_REUSED' && !onB.body?.data?.token,
      `A: ${show(onA)} / B: ${show(onB)}`,
      t,
    );
  }

  // 3. …also when both are hit at the same moment: one step, two challenges, one session. Several
  //    users, so a race that happens to serialise cannot hide a second session.
  t = Date.now();
  {
    const rounds = 5;
    const users = [];
    for (let i = 0; i < rounds; i++) users.push(await enrol(A, B));
    const results = await Promise.all(
      users.map(async ({ username, secret }) => {
        const [ta, tb] = await Promise.all([challengeOn(A, username), challengeOn(B, username)]);
        const step = totp(secret, 1);
        return Promise.all([A.twoFactor('verify', ta, { verifier: 'totp', code: step }), B.twoFactor('verify', tb, { verifier: 'totp', code: step })]);
      }),
    );
    const sessions = results.map((pair) => pair.filter((r) => r.status === 200 && r.body?.data?.token).length);
    const refusals = results.map((pair) => pair.filter((r) => code(r) === 'TWO_FACTOR_CODE_REUSED').length);
    check(
      `the same TOTP step sent to A and B at the same moment gives exactly one session (${rounds} users)`,
      sessions.every((n) => n === 1) && refusals.every((n) => n === 1),
      results.map((pair) => pair.map(show).join(' | ')).join('\n           '),
      t,
    );

    t = Date.now();
    const { username, secret } = await enrol(A, B);
    const token = await challengeOn(A, username);
    const step = totp(secret, 1);
    const pair = await Promise.all([A.twoFactor('verify', token, { verifier: 'totp', code: step }), B.twoFactor('verify', token, { verifier: 'totp', code: step })]);
    check(
      'one challenge sent to A and B at the same moment gives exactly one session',
      pair.filter((r) => r.status === 200 && r.body?.data?.token).length === 1 &&
        pair.filter((r) => ['TWO_FACTOR_CODE_REUSED', 'TWO_FACTOR_CHALLENGE_INVALID'].includes(code(r))).length === 1,
      pair.map(show).join(' | '),
      t,
    );
  }

  // 4. Failures on A and B add up to one lockout (threshold 4).
  t = Date.now();
  {
    const { username, secret } = await enrol(A, B);
    const token = await challengeOn(A, username);
    const wrong = ['000000', '111111', '222222', '333333'].find((c) => ![-1, 0, 1].some((o) => totp(secret, o) === c)) || '999999';
    const seen = [];
    for (const instance of [A, B, A, B]) {
      const res = await instance.twoFactor('verify', token, { verifier: 'totp', code: wrong });
      seen.push(`${instance.name}: ${res.status} ${code(res)}${res.body?.errors?.[0]?.attemptsLeft !== undefined ? ` attemptsLeft=${res.body.errors[0].attemptsLeft}` : ''}`);
    }
    const left = seen.slice(0, 3).map((s) => Number(s.match(/attemptsLeft=(\d+)/)?.[1]));
    check(
      'wrong codes on A, B, A, B count on one challenge counter (attemptsLeft 9, 8, 7)',
      left.join() === '9,8,7',
      seen.join(' | '),
      t,
    );
    check('…and the 4th, on B, locks the user out (429 TWO_FACTOR_LOCKED)', /^B: 429 TWO_FACTOR_LOCKED/.test(seen[3]), seen.join(' | '));
    t = Date.now();
    const right = await A.twoFactor('verify', token, { verifier: 'totp', code: totp(secret, 1) });
    const fresh = await A.twoFactor('getChallenge', await challengeOn(B, username));
    check(
      'the lockout holds on A: a correct code is refused with retryAfter, a new challenge from B shows lockedUntil',
      right.status === 429 && code(right) === 'TWO_FACTOR_LOCKED' && right.body?.errors?.[0]?.retryAfter > 0 && !!fresh.body?.data?.lockedUntil,
      `${show(right)} / ${show(fresh)}`,
      t,
    );
  }

  // 5. A settings change on A applies on B without restart (and back).
  t = Date.now();
  {
    const username = await createUser(['admin']);
    const before = await B.signIn(username);
    const changed = await A.post('twoFactorSettings:update', { enforcedRoles: ['member', 'admin'] }, admin);
    const after = await B.signIn(username);
    const seenOnB = await B.get('twoFactorSettings:get', admin);
    check(
      'enforcing a role on A makes B challenge that role at once (B had read the old settings)',
      typeof before.body?.data?.token === 'string' && changed.status === 200 && after.body?.data?.code === 302 &&
        after.body?.data?.twoFactor?.stage === 'bind' && !after.body?.data?.token && seenOnB.body?.data?.enforcedRoles?.includes('admin'),
      `before: ${show(before)} / after: ${show(after)}`,
      t,
    );
    t = Date.now();
    const back = await B.post('twoFactorSettings:update', { enforcedRoles: ['member'] }, admin);
    const onA = await A.signIn(username);
    check(
      '…and lifting it on B lets A sign that role in without 2FA again',
      back.status === 200 && typeof onA.body?.data?.token === 'string',
      show(onA),
      t,
    );
  }

  // 6. A trusted device revoked on A is refused on B.
  t = Date.now();
  {
    const { username, secret } = await enrol(A, B);
    const verified = await A.twoFactor('verify', await challengeOn(A, username), { verifier: 'totp', code: totp(secret, 1), trustDevice: true });
    const cookie = deviceCookie(verified);
    const trusted = await B.signIn(username, PASSWORD, { Cookie: `${DEVICE_COOKIE}=${cookie}` });
    const rotated = deviceCookie(trusted) || cookie;
    check(
      'a device trusted on A signs in on B with the password alone',
      !!cookie && typeof trusted.body?.data?.token === 'string',
      `${show(verified)} / ${show(trusted)}`,
      t,
    );
    t = Date.now();
    const session = bearer(verified.body?.data?.token);
    const me = await A.get('twoFactorMe:get', session);
    const device = me.body?.data?.trustedDevices?.[0];
    const revoked = await A.post('twoFactorMe:revokeDevice', { id: device?.id }, session);
    const refused = await B.signIn(username, PASSWORD, { Cookie: `${DEVICE_COOKIE}=${rotated}` });
    check(
      'after it is revoked on A, B answers the same cookie with a challenge, not a session',
      me.body?.data?.trustedDevices?.length === 1 && revoked.status === 200 && refused.body?.data?.code === 302 && !refused.body?.data?.token,
      `${show(me)} / ${show(revoked)} / ${show(refused)}`,
      t,
    );
  }
}

// --- Main ------------------------------------------------------------------------------------

let cluster;
await runChecks(
  'two instances',
  async (check) => {
    cluster = await boot();
    const [a, b] = cluster.instances;
    const t = Date.now();
    await checks(check, apiClient(`${a.url}/api`, { name: 'A', password: PASSWORD }), apiClient(`${b.url}/api`, { name: 'B', password: PASSWORD }));
    console.log(`(checks ${since(t)})`);
    check('both instances ran through the checks', cluster.app.alive(), `see ${path.relative(root, cluster.app.log)}`);
    if (process.env.KEEP === '1') {
      console.log(`KEEP=1: A on ${a.url}, B on ${b.url}; Ctrl+C stops both.`);
      await new Promise((r) => process.once('SIGINT', r));
    }
  },
  { cleanup: () => cluster?.stopAll() },
);
